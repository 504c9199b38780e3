//! One connection to natterd, plain or encrypted, run off the GTK thread.
//!
//! [`Connection::open`] starts one I/O thread (`connection/io_thread.rs`)
//! that connects with a timeout, sets up TLS when asked
//! (`connection/transport.rs`, with the certificate checks of
//! `connection/cert_verifier.rs` and the user's pins in
//! `connection/known_servers.rs`), sends the name, and then both reads and
//! writes the socket. Every line it reads goes to the window as a
//! [`ServerEvent`] through an `async_channel`; [`LineSender::send`] queues
//! a line, wakes the thread, and its future resolves once the line is on
//! the wire, so the GTK thread never waits on the network. The thread
//! never touches GTK. Dropping the [`Connection`] closes the queue; the
//! thread then flushes what was queued, shuts its side down, reads until
//! the server closes (at most [`LINGER`], so closing sends no reset that
//! could lose the last line), closes and drops the event sender, which
//! ends the window's loop. [`Connection::quit`] does the same after a
//! `/quit` and returns a [`Goodbye`] to wait for.

pub mod cert_verifier;
mod io_thread;
pub mod known_servers;
mod transport;

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use natter::protocol::DEFAULT_MAX_LINE;

use self::cert_verifier::Fingerprint;
use crate::model::address::ServerAddress;

/// How long a TCP connect, and then a TLS handshake, may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the server may take to answer the name.
pub const WELCOME_TIMEOUT: Duration = Duration::from_secs(10);
/// How long queued output may wait on a server that takes none of it
/// before the connection counts as lost.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// After a goodbye, how long the I/O thread waits for the server to close
/// its side before it closes anyway.
pub const LINGER: Duration = Duration::from_secs(1);
/// Longest server line the client accepts; longer ones are skipped.
const MAX_SERVER_LINE: usize = 16 * DEFAULT_MAX_LINE;

/// What the connection thread tells the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// The socket is up and the name was sent.
    Connected,
    /// One line from the server, terminator removed, control characters stripped.
    Line(String),
    /// The connection is over (or never started); nothing follows.
    Closed(CloseReason),
}

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// The host name did not resolve.
    Unresolved(String),
    /// Nobody listens there.
    Refused,
    /// Connecting, or waiting for the welcome, took too long.
    TimedOut,
    /// Some other error, in the system's words.
    Failed(String),
    /// The server closed the connection.
    Closed,
    /// TLS: the certificate is neither vouched for by the system nor
    /// pinned. Nothing was sent; the user may trust this fingerprint.
    Untrusted { fingerprint: Fingerprint },
    /// TLS: the certificate is not the one pinned for this server. Nothing
    /// was sent: this may be an interception.
    CertificateChanged { pinned: Fingerprint, presented: Fingerprint },
    /// TLS could not be set up (say, the port does not speak TLS), in
    /// rustls's words.
    TlsFailed(String),
}

/// How to talk to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Security {
    /// Plain TCP, lines as they are.
    Plain,
    /// TLS, trusting the system's authorities and the pins in the file
    /// `known_servers` (see [`known_servers::KnownServers`]).
    Tls { known_servers: PathBuf },
}

impl CloseReason {
    fn from_io(err: &io::Error) -> Self {
        match err.kind() {
            io::ErrorKind::ConnectionRefused => CloseReason::Refused,
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => CloseReason::TimedOut,
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof => CloseReason::Closed,
            _ => CloseReason::Failed(err.to_string()),
        }
    }
}

/// A line could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError(pub String);

/// One queued line and where to report how writing it went.
struct Request {
    line: String,
    done: async_channel::Sender<Result<(), SendError>>,
}

/// A cheap handle for sending lines; clone it into futures.
#[derive(Debug, Clone)]
pub struct LineSender {
    queue: async_channel::Sender<Request>,
    /// Wakes the I/O thread from its poll; `None` if none could be made.
    waker: Option<Arc<mio::Waker>>,
}

impl LineSender {
    /// Queues `line` (without newline) and resolves once it is written.
    pub async fn send(&self, line: String) -> Result<(), SendError> {
        let (done, result) = async_channel::bounded(1);
        self.queue.try_send(Request { line, done }).map_err(|_| SendError("not connected".into()))?;
        self.wake();
        result.recv().await.unwrap_or_else(|_| Err(SendError("connection closed".into())))
    }

    fn wake(&self) {
        if let Some(waker) = &self.waker {
            let _ = waker.wake();
        }
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request").field("line", &self.line).finish()
    }
}

/// The window's end of one connection. Dropping it hangs up.
#[derive(Debug)]
pub struct Connection {
    sender: LineSender,
    /// Closed when the I/O thread has ended (its sender dropped).
    finished: async_channel::Receiver<()>,
}

/// A `/quit` on its way: done once the I/O thread has written it, seen
/// the server close (or waited [`LINGER`]) and shut the socket down.
#[derive(Debug, Clone)]
pub struct Goodbye(async_channel::Receiver<()>);

impl Goodbye {
    /// Resolves when the connection is closed.
    pub async fn done(self) {
        // Nothing is ever sent: this returns when the sender is dropped.
        let _ = self.0.recv().await;
    }

    /// True once the connection is closed.
    pub fn is_done(&self) -> bool {
        self.0.is_closed()
    }
}

impl Connection {
    /// Connects to `address` as `name` in the background (the first
    /// line: a name, or `NAME PASSWORD` to log in; never logged),
    /// encrypted or not as `security` says. The events arrive on the
    /// returned receiver, ending with one [`ServerEvent::Closed`].
    pub fn open(
        address: ServerAddress,
        name: String,
        security: Security,
    ) -> (Connection, async_channel::Receiver<ServerEvent>) {
        let (events, receiver) = async_channel::unbounded();
        let (queue, outgoing) = async_channel::unbounded();
        let (ended, finished) = async_channel::bounded::<()>(1);
        let poll = mio::Poll::new().and_then(|poll| {
            let waker = mio::Waker::new(poll.registry(), io_thread::WAKE)?;
            Ok((poll, Arc::new(waker)))
        });
        let (poll, waker) = match poll {
            Ok((poll, waker)) => (poll, waker),
            Err(err) => {
                // Out of descriptors, most likely: the window still gets its Closed.
                let _ = events.try_send(ServerEvent::Closed(CloseReason::Failed(err.to_string())));
                queue.close();
                let sender = LineSender { queue, waker: None };
                return (Connection { sender, finished }, receiver);
            }
        };
        let job =
            io_thread::Job { address, name, security, poll, waker: waker.clone(), events: events.clone(), outgoing };
        let spawned = thread::Builder::new().name("natter-io".into()).spawn(move || {
            let address = job.address.clone();
            let reason = io_thread::run(job);
            log::debug!("connection to {address} closed: {reason:?}");
            let _ = events.send_blocking(ServerEvent::Closed(reason));
            // The socket is shut: whoever waits for a goodbye may go on.
            drop(ended);
        });
        if let Err(err) = spawned {
            // The receiver still gets its Closed event (the thread's copy of
            // the sender is gone), so the window recovers.
            log::error!("cannot start the connection thread: {err}");
        }
        (Connection { sender: LineSender { queue, waker: Some(waker) }, finished }, receiver)
    }

    /// A handle for sending lines.
    pub fn sender(&self) -> LineSender {
        self.sender.clone()
    }

    /// Sends `/quit` and hangs up: the I/O thread writes it, shuts its
    /// side down, reads until the server closes (at most [`LINGER`]) and
    /// closes the socket, so the server reads a clean goodbye and not a
    /// reset. The window waits for the returned [`Goodbye`] before it goes;
    /// [`flush_goodbyes`] waits for any left when the process ends.
    pub fn quit(self) -> Goodbye {
        let (done, _written) = async_channel::bounded(1);
        if self.sender.queue.try_send(Request { line: "/quit".into(), done }).is_ok() {
            self.sender.wake();
        }
        let goodbye = Goodbye(self.finished.clone());
        if let Ok(mut pending) = GOODBYES.lock() {
            pending.retain(|g| !g.is_done());
            pending.push(goodbye.clone());
        }
        goodbye
    }
}

/// Goodbyes said by [`Connection::quit`] whose connection may still be open.
static GOODBYES: Mutex<Vec<Goodbye>> = Mutex::new(Vec::new());

/// Waits, at most `limit`, until every goodbye's connection is closed, so
/// that quitting the app says `/quit` properly instead of leaving the
/// others a "connection lost". The windows already waited while the main
/// loop turned; this is the last resort when the process is ending.
pub fn flush_goodbyes(limit: Duration) {
    let deadline = Instant::now() + limit;
    let Ok(mut pending) = GOODBYES.lock() else {
        return;
    };
    pending.retain(|g| !g.is_done());
    while !pending.is_empty() && Instant::now() < deadline {
        // No GTK here and nothing else to run: a short poll is the wait.
        thread::sleep(Duration::from_millis(5));
        pending.retain(|g| !g.is_done());
    }
    pending.clear();
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Closing the queue makes the I/O thread flush what is queued and
        // hang up.
        self.sender.queue.close();
        self.sender.wake();
    }
}

#[cfg(test)]
mod tests;
