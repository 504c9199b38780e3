//! The store's worker thread: what may take milliseconds or wait on the
//! disk, away from the event loop.
//!
//! It has a store of its own (for SQLite a second connection: WAL lets it
//! read while the loop writes) and does four things: syncs (the only
//! fsync, once a second while lines are being added), indexing new lines
//! for search, history pages and searches. Answers go back through a channel, and a `mio::Waker` wakes
//! the loop to send them: the pattern of mio's `Waker` docs and of
//! ngIRCd's resolver.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use log::warn;
use mio::Waker;

use super::{Line, Page, Result, Store};

/// How soon after a commit the store is synced and indexed.
const SYNC_AFTER: Duration = Duration::from_secs(1);
/// How soon to index again while a backlog remains.
const INDEX_AGAIN: Duration = Duration::from_millis(50);

/// What a client asked for.
#[derive(Debug, Clone)]
pub enum Query {
    Page(Page, usize),
    Search(String, usize),
}

/// A request, with `tag` saying whom the answer is for.
pub struct Request<T> {
    pub tag: T,
    /// The room's folded key.
    pub room: String,
    pub query: Query,
}

/// The answer to a [`Request`].
pub struct Answer<T> {
    pub tag: T,
    pub lines: Result<Vec<Line>>,
}

enum Job<T> {
    Ask(Request<T>),
    /// The loop committed lines: a sync is due within a second.
    Committed,
}

/// The running worker; dropping it stops the thread after a last sync.
pub struct Worker<T: Send + 'static> {
    jobs: Option<Sender<Job<T>>>,
    answers: Receiver<Answer<T>>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> Worker<T> {
    /// Starts the thread with `store`; `waker` wakes the loop.
    pub fn start<S: Store + Send + 'static>(store: S, waker: Arc<Waker>) -> std::io::Result<Self> {
        let (jobs, inbox) = mpsc::channel();
        let (outbox, answers) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("natterd-store".into())
            .spawn(move || run(store, &inbox, &outbox, &waker))?;
        Ok(Worker { jobs: Some(jobs), answers, thread: Some(thread) })
    }

    pub fn ask(&self, request: Request<T>) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(Job::Ask(request));
        }
    }

    pub fn committed(&self) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(Job::Committed);
        }
    }

    /// The answers ready now.
    pub fn answers(&self) -> impl Iterator<Item = Answer<T>> + '_ {
        self.answers.try_iter()
    }
}

impl<T: Send + 'static> Drop for Worker<T> {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs this thread only when the CPU has nothing else to do: indexing a
/// second of lines or a checkpoint must never delay the chat loop, which
/// on a one-core VPS shares the CPU with it.
fn yield_to_the_loop() {
    #[cfg(target_os = "linux")]
    // SAFETY: changes the scheduling policy of the calling thread only.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) != 0 {
            warn!("store worker: cannot lower its priority: {}", std::io::Error::last_os_error());
        }
    }
}

fn run<T, S: Store>(mut store: S, inbox: &Receiver<Job<T>>, outbox: &Sender<Answer<T>>, waker: &Waker) {
    yield_to_the_loop();
    let mut sync_due: Option<Instant> = None;
    loop {
        let wait = sync_due.map_or(Duration::from_secs(3600), |due| due.saturating_duration_since(Instant::now()));
        match inbox.recv_timeout(wait) {
            Ok(Job::Committed) => {
                sync_due.get_or_insert_with(|| Instant::now() + SYNC_AFTER);
            }
            Ok(Job::Ask(request)) => {
                let lines = match &request.query {
                    Query::Page(page, n) => store.page(&request.room, *page, *n),
                    Query::Search(words, n) => store.search(&request.room, words, *n),
                };
                if outbox.send(Answer { tag: request.tag, lines }).is_err() {
                    break;
                }
                let _ = waker.wake();
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if sync_due.is_some_and(|due| due <= Instant::now()) {
            sync_due = None;
            match store.index() {
                // More waits: come back soon rather than in a second.
                Ok(n) if n > 0 => sync_due = Some(Instant::now() + INDEX_AGAIN),
                Ok(_) => {}
                Err(e) => warn!("indexing history for search: {e}"),
            }
            if let Err(e) = store.sync() {
                warn!("syncing history: {e}");
            }
        }
    }
    if let Err(e) = store.sync() {
        warn!("syncing history: {e}");
    }
}
