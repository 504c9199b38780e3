//! The password worker: Argon2id hashing and checking, which take tens of
//! milliseconds each, on a thread of their own, never on the poll loop.
//!
//! Jobs go in through a channel; answers come back through another, and a
//! `mio::Waker` wakes the loop to hand them to the waiting clients (the
//! store worker's pattern). The thread starts with the first job, so a
//! natterd nobody logs in to has none. At most [`MAX_QUEUED`] jobs wait:
//! a flood of logins gets "try again later", not an unbounded queue.
//!
//! Parameters: Argon2id, 19 MiB of memory, 2 passes, 1 lane (the RustCrypto
//! crate's defaults, the OWASP recommendation); they are written into each
//! PHC string, so hashes made with other parameters still verify.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use log::warn;
use mio::Waker;

/// Jobs waiting or running at most.
pub const MAX_QUEUED: usize = 32;

/// What to do with a password.
pub enum Work {
    /// Make a PHC string for a new password.
    Hash(String),
    /// Check a password against a stored PHC string.
    Verify { password: String, phc: String },
}

/// The result of a [`Work`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Hashed(Result<String, String>),
    Verified(bool),
}

/// The running worker, generic over whom an answer is for.
pub struct Hasher<T: Send + 'static> {
    waker: Arc<Waker>,
    jobs: Option<Sender<(T, Work)>>,
    answers: Option<Receiver<(T, Outcome)>>,
    thread: Option<JoinHandle<()>>,
    queued: usize,
}

impl<T: Send + 'static> Hasher<T> {
    pub fn new(waker: Arc<Waker>) -> Self {
        Hasher { waker, jobs: None, answers: None, thread: None, queued: 0 }
    }

    /// Queues `work` for `tag`; `false` when the queue is full or the
    /// thread cannot be started.
    pub fn submit(&mut self, tag: T, work: Work) -> bool {
        if self.queued >= MAX_QUEUED || !self.started() {
            return false;
        }
        let sent = self.jobs.as_ref().is_some_and(|jobs| jobs.send((tag, work)).is_ok());
        self.queued += usize::from(sent);
        sent
    }

    fn started(&mut self) -> bool {
        if self.jobs.is_some() {
            return true;
        }
        let (jobs, inbox) = mpsc::channel::<(T, Work)>();
        let (outbox, answers) = mpsc::channel();
        let waker = Arc::clone(&self.waker);
        let spawned = std::thread::Builder::new().name("natterd-passwords".into()).spawn(move || {
            for (tag, work) in inbox {
                if outbox.send((tag, run(work))).is_err() {
                    break;
                }
                let _ = waker.wake();
            }
        });
        match spawned {
            Ok(thread) => {
                self.jobs = Some(jobs);
                self.answers = Some(answers);
                self.thread = Some(thread);
                true
            }
            Err(e) => {
                warn!("cannot start the password worker: {e}");
                false
            }
        }
    }

    /// The answers ready now.
    pub fn answers(&mut self) -> Vec<(T, Outcome)> {
        let ready: Vec<_> = self.answers.as_ref().map(|a| a.try_iter().collect()).unwrap_or_default();
        self.queued = self.queued.saturating_sub(ready.len());
        ready
    }
}

impl<T: Send + 'static> Drop for Hasher<T> {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Does one job; slow by design.
pub fn run(work: Work) -> Outcome {
    let argon2 = Argon2::default();
    match work {
        Work::Hash(password) => {
            let salt = SaltString::generate(&mut OsRng);
            Outcome::Hashed(
                argon2.hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string()),
            )
        }
        Work::Verify { password, phc } => Outcome::Verified(
            PasswordHash::new(&phc).is_ok_and(|hash| argon2.verify_password(password.as_bytes(), &hash).is_ok()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let Outcome::Hashed(Ok(phc)) = run(Work::Hash("correct horse".into())) else { panic!("no hash") };
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let verify = |password: &str| run(Work::Verify { password: password.into(), phc: phc.clone() });
        assert_eq!(verify("correct horse"), Outcome::Verified(true));
        assert_eq!(verify("correct horsE"), Outcome::Verified(false));
        assert_eq!(run(Work::Verify { password: "x".into(), phc: "garbage".into() }), Outcome::Verified(false));
    }

    #[test]
    fn answers_come_back_through_the_waker() {
        let mut poll = mio::Poll::new().unwrap();
        let waker = Arc::new(Waker::new(poll.registry(), mio::Token(7)).unwrap());
        let mut hasher = Hasher::new(waker);
        assert!(hasher.submit(1, Work::Hash("password1".into())));
        let mut events = mio::Events::with_capacity(4);
        let mut got = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while got.is_empty() && std::time::Instant::now() < deadline {
            poll.poll(&mut events, Some(std::time::Duration::from_secs(1))).unwrap();
            got.extend(hasher.answers());
        }
        assert!(matches!(got.as_slice(), [(1, Outcome::Hashed(Ok(_)))]), "{got:?}");
    }
}
