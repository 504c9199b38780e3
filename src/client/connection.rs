//! One TCP connection to natterd, run off the GTK thread.
//!
//! [`Connection::open`] starts a thread that resolves and connects (with a
//! timeout), sends the name, and then reads: every line it reads goes to the
//! window as a [`ServerEvent`] through an `async_channel`. A second thread
//! writes: [`LineSender::send`] queues a line and its future resolves once
//! the line is on the wire, so the GTK thread never waits on the network.
//! The reader never touches GTK. Dropping the [`Connection`] closes the
//! writer's queue; the writer then shuts the socket down, which ends the
//! reader, which drops the event sender and so ends the window's loop.

use std::io::{self, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use natter::protocol::{clean_text, Frame, LineDecoder, DEFAULT_MAX_LINE};

/// How long a TCP connect may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the server may take to answer the name.
pub const WELCOME_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one write may block before the send counts as failed.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest server line the client accepts; longer ones are skipped.
const MAX_SERVER_LINE: usize = 16 * DEFAULT_MAX_LINE;

/// What the connection threads tell the window.
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
    done: Option<async_channel::Sender<Result<(), SendError>>>,
}

/// A cheap handle for sending lines; clone it into futures.
#[derive(Debug, Clone)]
pub struct LineSender {
    queue: async_channel::Sender<Request>,
}

impl LineSender {
    /// Queues `line` (without newline) and resolves once it is written.
    pub async fn send(&self, line: String) -> Result<(), SendError> {
        let (done, result) = async_channel::bounded(1);
        self.queue.try_send(Request { line, done: Some(done) }).map_err(|_| SendError("not connected".into()))?;
        result.recv().await.unwrap_or_else(|_| Err(SendError("connection closed".into())))
    }

    /// Queues `line` without waiting for it (for `/quit` on close).
    pub fn send_and_forget(&self, line: String) {
        let _ = self.queue.try_send(Request { line, done: None });
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
}

impl Connection {
    /// Connects to `address` (`host:port`) as `name` in the background.
    /// The events arrive on the returned receiver, ending with one
    /// [`ServerEvent::Closed`].
    pub fn open(address: String, name: String) -> (Connection, async_channel::Receiver<ServerEvent>) {
        let (events, receiver) = async_channel::unbounded();
        let (queue, outgoing) = async_channel::unbounded();
        let spawned = thread::Builder::new().name("natter-reader".into()).spawn(move || {
            let reason = run(&address, &name, &events, outgoing);
            log::debug!("connection to {address} closed: {reason:?}");
            let _ = events.send_blocking(ServerEvent::Closed(reason));
        });
        if let Err(err) = spawned {
            // The receiver still gets its Closed event, so the window recovers.
            log::error!("cannot start the connection thread: {err}");
        }
        (Connection { sender: LineSender { queue } }, receiver)
    }

    /// A handle for sending lines.
    pub fn sender(&self) -> LineSender {
        self.sender.clone()
    }

    /// Sends `/quit` and hangs up. The goodbye is written by the writer
    /// thread; [`flush_goodbyes`] waits for it when the process is ending.
    pub fn quit(self) {
        let (done, written) = async_channel::bounded(1);
        if self.sender.queue.try_send(Request { line: "/quit".into(), done: Some(done) }).is_ok() {
            if let Ok(mut pending) = GOODBYES.lock() {
                pending.retain(|r| !r.is_closed());
                pending.push(written);
            }
        }
    }
}

/// Goodbyes queued by [`Connection::quit`] and not known to be written.
static GOODBYES: Mutex<Vec<async_channel::Receiver<Result<(), SendError>>>> = Mutex::new(Vec::new());

/// Waits, at most `limit`, until every queued goodbye is written (or its
/// connection is gone), so that quitting the app says `/quit` properly
/// instead of leaving the others a "connection lost".
pub fn flush_goodbyes(limit: Duration) {
    let deadline = Instant::now() + limit;
    let Ok(mut pending) = GOODBYES.lock() else {
        return;
    };
    // A result, or the writer dropping its sender, both mean done.
    pending.retain(|r| r.try_recv().is_err() && !r.is_closed());
    while !pending.is_empty() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
        pending.retain(|r| r.try_recv().is_err() && !r.is_closed());
    }
    pending.clear();
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Closing the queue makes the writer flush what is queued and shut
        // the socket down, which in turn ends the reader.
        self.sender.queue.close();
    }
}

/// Connects, sends the name, starts the writer and reads until the end.
fn run(
    address: &str,
    name: &str,
    events: &async_channel::Sender<ServerEvent>,
    outgoing: async_channel::Receiver<Request>,
) -> CloseReason {
    let stream = match connect(address) {
        Ok(stream) => stream,
        Err(reason) => return reason,
    };
    let writer_stream = match stream.try_clone() {
        Ok(s) => s,
        Err(err) => return CloseReason::Failed(err.to_string()),
    };
    let _ = stream.set_nodelay(true);
    let _ = writer_stream.set_write_timeout(Some(WRITE_TIMEOUT));
    if let Err(err) = (&stream).write_all(format!("{name}\n").as_bytes()) {
        return CloseReason::from_io(&err);
    }
    if thread::Builder::new().name("natter-writer".into()).spawn(move || write_loop(writer_stream, outgoing)).is_err() {
        return CloseReason::Failed("cannot start the writer thread".into());
    }
    if events.send_blocking(ServerEvent::Connected).is_err() {
        let _ = stream.shutdown(Shutdown::Both);
        return CloseReason::Closed;
    }
    read_loop(stream, events)
}

fn connect(address: &str) -> Result<TcpStream, CloseReason> {
    let addrs: Vec<SocketAddr> = match address.to_socket_addrs() {
        Ok(addrs) => addrs.collect(),
        Err(err) => return Err(CloseReason::Unresolved(err.to_string())),
    };
    if addrs.is_empty() {
        return Err(CloseReason::Unresolved(address.to_owned()));
    }
    let mut last = CloseReason::Refused;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(err) => last = CloseReason::from_io(&err),
        }
    }
    Err(last)
}

fn read_loop(mut stream: TcpStream, events: &async_channel::Sender<ServerEvent>) -> CloseReason {
    let mut decoder = LineDecoder::new(MAX_SERVER_LINE);
    let mut buf = vec![0u8; 64 * 1024];
    let mut welcomed = false;
    let _ = stream.set_read_timeout(Some(WELCOME_TIMEOUT));
    let reason = loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => break CloseReason::Closed,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => break CloseReason::from_io(&err),
        };
        decoder.push(&buf[..n]);
        while let Some(frame) = decoder.next_frame() {
            let Frame::Line(line) = frame else {
                log::warn!("skipped a server line longer than {MAX_SERVER_LINE} bytes");
                continue;
            };
            if !welcomed {
                welcomed = true;
                let _ = stream.set_read_timeout(None);
            }
            if events.send_blocking(ServerEvent::Line(clean_text(&line).into_owned())).is_err() {
                // The window is gone.
                let _ = stream.shutdown(Shutdown::Both);
                return CloseReason::Closed;
            }
        }
    };
    let _ = stream.shutdown(Shutdown::Both);
    reason
}

fn write_loop(stream: TcpStream, outgoing: async_channel::Receiver<Request>) {
    let mut out = BufWriter::new(&stream);
    // recv_blocking fails once the queue is closed and empty: time to hang up.
    while let Ok(request) = outgoing.recv_blocking() {
        let result =
            writeln!(out, "{}", request.line).and_then(|()| out.flush()).map_err(|err| SendError(err.to_string()));
        if let Err(err) = &result {
            log::warn!("write failed: {}", err.0);
        }
        if let Some(done) = request.done {
            let _ = done.send_blocking(result);
        }
    }
    let _ = out.flush();
    drop(out);
    let _ = stream.shutdown(Shutdown::Both);
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::net::TcpListener;

    use super::*;

    fn next(rx: &async_channel::Receiver<ServerEvent>) -> ServerEvent {
        for _ in 0..500 {
            if let Ok(e) = rx.try_recv() {
                return e;
            }
            thread::sleep(Duration::from_millis(10));
        }
        panic!("no event within 5 s");
    }

    #[test]
    fn refused_is_reported() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (_conn, rx) = Connection::open(format!("127.0.0.1:{port}"), "a".into());
        assert_eq!(next(&rx), ServerEvent::Closed(CloseReason::Refused));
    }

    #[test]
    fn unresolved_is_reported() {
        let (_conn, rx) = Connection::open("no-such-host.invalid:5000".into(), "a".into());
        assert!(matches!(next(&rx), ServerEvent::Closed(CloseReason::Unresolved(_))));
    }

    #[test]
    fn sends_name_reads_lines_writes_lines_and_hangs_up() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (conn, rx) = Connection::open(addr, "철수".into());
        let (server, _) = listener.accept().unwrap();
        let mut lines = BufReader::new(server.try_clone().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "철수");
        assert_eq!(next(&rx), ServerEvent::Connected);
        (&server)
            .write_all(b"*** welcome \xec\xb2\xa0\xec\x88\x98, online (1): \xec\xb2\xa0\xec\x88\x98\r\nbob: a\x1bb\n")
            .unwrap();
        assert_eq!(next(&rx), ServerEvent::Line("*** welcome 철수, online (1): 철수".into()));
        assert_eq!(next(&rx), ServerEvent::Line("bob: ab".into()));

        let sender = conn.sender();
        let sent = glib_free_block_on(sender.send("hello".into()));
        assert_eq!(sent, Ok(()));
        assert_eq!(lines.next().unwrap().unwrap(), "hello");

        conn.quit();
        let t = std::time::Instant::now();
        flush_goodbyes(Duration::from_secs(5));
        assert!(t.elapsed() < Duration::from_secs(5), "the goodbye was written, not timed out");
        assert_eq!(lines.next().unwrap().unwrap(), "/quit");
        assert!(lines.next().is_none(), "the client hangs up after /quit");
        assert_eq!(next(&rx), ServerEvent::Closed(CloseReason::Closed));
        // Sending after the end fails instead of hanging.
        assert!(glib_free_block_on(sender.send("late".into())).is_err());
    }

    #[test]
    fn server_closing_is_reported() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let (_conn, rx) = Connection::open(listener.local_addr().unwrap().to_string(), "a".into());
        let (server, _) = listener.accept().unwrap();
        assert_eq!(next(&rx), ServerEvent::Connected);
        drop(server);
        assert_eq!(next(&rx), ServerEvent::Closed(CloseReason::Closed));
    }

    /// Polls a future to completion on this thread (the channels need no reactor).
    fn glib_free_block_on<F: std::future::Future>(fut: F) -> F::Output {
        use std::pin::pin;
        use std::task::{Context, Poll, Waker};
        let mut fut = pin!(fut);
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1000 {
            if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                return out;
            }
            thread::sleep(Duration::from_millis(5));
        }
        panic!("future did not finish within 5 s");
    }
}
