//! The one thread that owns a connection's socket.
//!
//! It establishes the [`Transport`], then reads and writes on the
//! non-blocking socket, sleeping in a mio [`Poll`] until the socket is
//! ready or the window's [`mio::Waker`] says a line was queued (or the
//! queue closed). One thread, not a reader and a writer, because a rustls
//! session cannot be shared between threads; a poll, not a short read
//! timeout, so a quiet chat costs no wakeups and a typed line leaves at
//! once. Written lines are confirmed when everything before them has
//! reached the socket, which is what [`LineSender::send`](super::LineSender::send) waits for.

use std::io;
use std::time::Instant;

use mio::{Events, Interest, Poll, Token};
use natter::protocol::{clean_text, Frame, LineDecoder};

use super::transport::Transport;
use super::{
    CloseReason, Request, Security, SendError, ServerEvent, LINGER, MAX_SERVER_LINE, WELCOME_TIMEOUT, WRITE_TIMEOUT,
};
use crate::model::address::ServerAddress;

const SOCKET: Token = Token(0);
/// The token of the window's waker.
pub const WAKE: Token = Token(1);

/// Everything the thread needs, made on the GTK thread.
pub struct Job {
    pub address: ServerAddress,
    pub name: String,
    pub security: Security,
    pub poll: Poll,
    pub events: async_channel::Sender<ServerEvent>,
    pub outgoing: async_channel::Receiver<Request>,
    /// The window's waker, kept open here: when the window drops its copy
    /// right after its last wake (the goodbye), closing the eventfd would
    /// take that wakeup out of the poll, and the goodbye would wait unsent
    /// until the socket next stirs.
    pub waker: std::sync::Arc<mio::Waker>,
}

/// Connects, then shuttles lines until the end; returns why it ended.
pub fn run(job: Job) -> CloseReason {
    let Job { address, name, security, poll, waker: _waker, events, outgoing } = job;
    let mut transport = match Transport::establish(&address, &name, &security) {
        Ok(transport) => transport,
        Err(reason) => return reason,
    };
    if let Err(err) = poll.registry().register(transport.socket(), SOCKET, Interest::READABLE) {
        transport.close();
        return CloseReason::Failed(err.to_string());
    }
    if events.send_blocking(ServerEvent::Connected).is_err() {
        transport.close();
        return CloseReason::Closed;
    }
    let mut pump = Pump {
        transport,
        poll,
        events,
        outgoing,
        out: Vec::new(),
        acks: Vec::new(),
        welcome_by: Some(Instant::now() + WELCOME_TIMEOUT),
        stalled_since: None,
        hanging_up: false,
        linger_until: None,
        writable: false,
    };
    let reason = pump.run();
    pump.transport.close();
    let why = SendError(format!("connection closed: {reason:?}"));
    for ack in pump.acks.drain(..) {
        let _ = ack.try_send(Err(why.clone()));
    }
    reason
}

struct Pump {
    transport: Transport,
    poll: Poll,
    events: async_channel::Sender<ServerEvent>,
    outgoing: async_channel::Receiver<Request>,
    /// Queued bytes the transport has not taken yet.
    out: Vec<u8>,
    /// Senders waiting for their line to reach the socket.
    acks: Vec<async_channel::Sender<Result<(), SendError>>>,
    /// Until the first line, the server must answer by then.
    welcome_by: Option<Instant>,
    /// Since when output has waited without the socket taking any.
    stalled_since: Option<Instant>,
    /// The window hung up: flush, then close.
    hanging_up: bool,
    /// All was written and our side shut: wait this long for the server
    /// to close its side, so closing sends no reset (which could make the
    /// server drop the goodbye unread).
    linger_until: Option<Instant>,
    /// Whether the socket is registered for WRITABLE too.
    writable: bool,
}

impl Pump {
    fn run(&mut self) -> CloseReason {
        let mut events = Events::with_capacity(8);
        let mut decoder = LineDecoder::new(MAX_SERVER_LINE);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            self.take_requests();
            if let Err(err) = self.write_out() {
                log::warn!("write failed: {err}");
                return CloseReason::from_io(&err);
            }
            if self.hanging_up && self.is_idle() && self.linger_until.is_none() {
                self.transport.shutdown_write();
                self.linger_until = Some(Instant::now() + LINGER);
            }
            if let Err(err) = self.update_interest() {
                return CloseReason::Failed(err.to_string());
            }
            let deadline = [self.welcome_by, self.stalled_since.map(|t| t + WRITE_TIMEOUT), self.linger_until]
                .into_iter()
                .flatten()
                .min();
            let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            match self.poll.poll(&mut events, timeout) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return CloseReason::Failed(err.to_string()),
            }
            let now = Instant::now();
            if self.linger_until.is_some_and(|t| now >= t) {
                log::debug!("the server did not close within {LINGER:?} of the goodbye");
                return CloseReason::Closed;
            }
            if self.welcome_by.is_some_and(|t| now >= t) {
                return CloseReason::TimedOut;
            }
            if self.stalled_since.is_some_and(|t| now >= t + WRITE_TIMEOUT) {
                log::warn!("the server took nothing for {WRITE_TIMEOUT:?}");
                return CloseReason::TimedOut;
            }
            // Readiness is edge-triggered: read until WouldBlock every time.
            if let Some(reason) = self.read_all(&mut decoder, &mut buf) {
                return reason;
            }
        }
    }

    fn take_requests(&mut self) {
        loop {
            match self.outgoing.try_recv() {
                Ok(request) => {
                    self.out.extend_from_slice(request.line.as_bytes());
                    self.out.push(b'\n');
                    self.acks.push(request.done);
                }
                Err(async_channel::TryRecvError::Empty) => break,
                Err(async_channel::TryRecvError::Closed) => {
                    self.hanging_up = true;
                    break;
                }
            }
        }
    }

    fn is_idle(&self) -> bool {
        if self.linger_until.is_some() {
            // Shut for writing: nothing more can go.
            return true;
        }
        self.out.is_empty() && self.transport.is_flushed()
    }

    /// Writes what the socket takes now; confirms the senders once all is out.
    fn write_out(&mut self) -> io::Result<()> {
        let mut progressed = false;
        loop {
            let mut moved = 0;
            if !self.out.is_empty() {
                match self.transport.send(&self.out) {
                    Ok(n) => {
                        self.out.drain(..n);
                        moved += n;
                    }
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                    Err(err) => return Err(err),
                }
            }
            moved += self.transport.flush()?;
            progressed |= moved > 0;
            if moved == 0 || self.is_idle() {
                break;
            }
        }
        if self.is_idle() {
            self.stalled_since = None;
            for ack in self.acks.drain(..) {
                let _ = ack.try_send(Ok(()));
            }
        } else if progressed || self.stalled_since.is_none() {
            self.stalled_since = Some(Instant::now());
        }
        Ok(())
    }

    /// Asks for WRITABLE only while output waits.
    fn update_interest(&mut self) -> io::Result<()> {
        let want = !self.is_idle();
        if want != self.writable {
            let interest = if want { Interest::READABLE | Interest::WRITABLE } else { Interest::READABLE };
            self.poll.registry().reregister(self.transport.socket(), SOCKET, interest)?;
            self.writable = want;
        }
        Ok(())
    }

    /// Reads until WouldBlock, passing every whole line to the window.
    fn read_all(&mut self, decoder: &mut LineDecoder, buf: &mut [u8]) -> Option<CloseReason> {
        loop {
            let n = match self.transport.read(buf) {
                Ok(0) => return Some(CloseReason::Closed),
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return None,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Some(CloseReason::from_io(&err)),
            };
            decoder.push(&buf[..n]);
            while let Some(frame) = decoder.next_frame() {
                let Frame::Line(line) = frame else {
                    log::warn!("skipped a server line longer than {MAX_SERVER_LINE} bytes");
                    continue;
                };
                self.welcome_by = None;
                if self.events.send_blocking(ServerEvent::Line(clean_text(&line).into_owned())).is_err() {
                    // The window is gone.
                    return Some(CloseReason::Closed);
                }
            }
        }
    }
}
