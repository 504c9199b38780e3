//! One client socket: its input framer, its pending output and its state.
//!
//! A `Connection` knows nothing about other clients; the room and the
//! event loop decide what to send it. Output is only ever appended here and
//! written when the socket takes it, never by blocking.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use natter::protocol::LineDecoder;

use crate::flood::{FloodLimit, TokenBucket};

/// Written bytes kept at the front of the output buffer before it is compacted.
const COMPACT_AFTER: usize = 64 * 1024;

/// TCP keepalive: probe after a minute of silence, every 10 s, 6 times, so a
/// vanished peer's quit goes out within about two minutes.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
const KEEPALIVE_PROBES: u32 = 6;

/// Sets what every client socket needs: no Nagle delay (chat lines are
/// small and latency matters more than packet count) and keepalive, so a
/// peer that vanished without a FIN is noticed.
pub fn tune_socket(socket: &TcpStream) -> io::Result<()> {
    socket.set_nodelay(true)?;
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL)
        .with_retries(KEEPALIVE_PROBES);
    socket2::SockRef::from(socket).set_tcp_keepalive(&keepalive)
}

/// Where a client is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Connected at `since`, no name yet. `first_bytes` is when
    /// unterminated input first arrived, for spotting clients that never
    /// send a newline.
    AwaitingName { since: Instant, first_bytes: Option<Instant> },
    /// In the room under this name.
    Joined { name: String },
}

/// How input is split into messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Newline-terminated lines (netcat, telnet, natter).
    Lines,
    /// Every read is one message: the classic course client sends no newlines.
    Raw,
}

/// Result of one non-blocking read.
pub enum ReadOutcome {
    /// This many bytes landed in the caller's buffer.
    Data(usize),
    /// Nothing more to read now.
    WouldBlock,
    /// The peer closed its side.
    Closed,
    /// The socket failed.
    Failed(io::Error),
}

/// One client.
pub struct Connection {
    pub socket: TcpStream,
    pub peer: SocketAddr,
    /// Distinguishes this client from a later one that reuses its slab key.
    pub id: u64,
    pub decoder: LineDecoder,
    pub state: State,
    pub mode: Mode,
    /// Bytes queued for the socket; `out_pos` of them are already written.
    out: Vec<u8>,
    out_pos: usize,
    /// Whether the poll registration currently includes WRITABLE.
    pub write_interest: bool,
    /// Already in the event loop's list of sockets to flush.
    pub dirty: bool,
    /// When the last write made progress; a congested client whose output
    /// stops moving has stopped reading.
    pub last_progress: Instant,
    /// Since when pending output has been over the congestion mark.
    pub congested_since: Option<Instant>,
    /// The TLS session for a client of the TLS listener; boxed so plain
    /// clients stay small.
    pub tls: Option<Box<rustls::ServerConnection>>,
    /// Lines this client may still send before flood control slows it.
    pub bucket: TokenBucket,
    /// Out of tokens: its lines wait in the decoder and its socket is not
    /// read until the flood timer fires.
    pub throttled: bool,
    /// Set once the connection is on its way out, with the reason others
    /// see in `*** NAME quit (REASON)`; empty for a plain `/quit`.
    pub closing: Option<String>,
}

impl Connection {
    pub fn new(socket: TcpStream, peer: SocketAddr, id: u64, max_line: usize, flood: FloodLimit) -> Self {
        let now = Instant::now();
        Connection {
            socket,
            peer,
            id,
            decoder: LineDecoder::new(max_line),
            state: State::AwaitingName { since: now, first_bytes: None },
            mode: Mode::Lines,
            out: Vec::new(),
            out_pos: 0,
            write_interest: false,
            dirty: false,
            last_progress: now,
            congested_since: None,
            tls: None,
            bucket: TokenBucket::new(flood, now),
            throttled: false,
            closing: None,
        }
    }

    /// The joined name, if any.
    pub fn name(&self) -> Option<&str> {
        match &self.state {
            State::Joined { name } => Some(name),
            State::AwaitingName { .. } => None,
        }
    }

    /// Bytes waiting to be written.
    pub fn pending_output(&self) -> usize {
        self.out.len() - self.out_pos
    }

    /// Appends `bytes` unless that would pass `cap`; `false` means the
    /// client is too slow and should be dropped.
    pub fn queue(&mut self, bytes: &[u8], cap: usize) -> bool {
        if self.pending_output() + bytes.len() > cap {
            return false;
        }
        self.out.extend_from_slice(bytes);
        true
    }

    /// Reads once into `buf`, retrying on EINTR. For TLS clients this
    /// feeds records to rustls and returns decrypted bytes.
    pub fn read(&mut self, buf: &mut [u8]) -> ReadOutcome {
        if let Some(tls) = self.tls.as_deref_mut() {
            return read_tls(tls, &mut self.socket, buf);
        }
        loop {
            return match self.socket.read(buf) {
                Ok(0) => ReadOutcome::Closed,
                Ok(n) => ReadOutcome::Data(n),
                Err(e) if e.kind() == ErrorKind::WouldBlock => ReadOutcome::WouldBlock,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => ReadOutcome::Failed(e),
            };
        }
    }

    /// Whether anything waits to go out, queued text or TLS records
    /// (handshake messages included).
    pub fn wants_write(&self) -> bool {
        self.pending_output() > 0 || self.tls.as_ref().is_some_and(|t| t.wants_write())
    }

    /// Writes as much pending output as the socket takes now. Keeps the
    /// remainder for the next writable event.
    pub fn flush(&mut self) -> io::Result<()> {
        match self.tls.as_deref_mut() {
            Some(tls) => {
                loop {
                    if self.out_pos < self.out.len() {
                        // rustls takes plaintext up to its own buffer limit.
                        self.out_pos += tls.writer().write(&self.out[self.out_pos..])?;
                    }
                    if !tls.wants_write() {
                        break;
                    }
                    match tls.write_tls(&mut self.socket) {
                        Ok(0) => return Err(ErrorKind::WriteZero.into()),
                        Ok(_) => self.last_progress = Instant::now(),
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                }
            }
            None => {
                while self.out_pos < self.out.len() {
                    match self.socket.write(&self.out[self.out_pos..]) {
                        Ok(0) => return Err(ErrorKind::WriteZero.into()),
                        Ok(n) => {
                            self.out_pos += n;
                            self.last_progress = Instant::now();
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        if self.out_pos == self.out.len() {
            // Drained: give the memory back. Idle clients then cost no
            // output buffer at all; a busy one allocates once per turn,
            // not once per line.
            self.out = Vec::new();
            self.out_pos = 0;
        } else if self.out_pos >= COMPACT_AFTER && self.out_pos * 2 >= self.out.len() {
            // Drop what is written, so a reader that always lags a little
            // holds only its backlog, never all the traffic it was sent.
            self.out.drain(..self.out_pos);
            self.out_pos = 0;
        }
        Ok(())
    }

    /// Last chance to deliver queued output (an error line, say), then a
    /// FIN so the peer reads everything before the close.
    pub fn finish(&mut self) {
        if let Some(tls) = self.tls.as_deref_mut() {
            tls.send_close_notify();
        }
        let _ = self.flush();
        let _ = self.socket.shutdown(Shutdown::Write);
    }
}

/// One TLS read: decrypted bytes if rustls has some, else more records
/// from the socket, until data, WouldBlock, close or failure.
fn read_tls(tls: &mut rustls::ServerConnection, socket: &mut TcpStream, buf: &mut [u8]) -> ReadOutcome {
    loop {
        match tls.reader().read(buf) {
            Ok(0) => return ReadOutcome::Closed,
            Ok(n) => return ReadOutcome::Data(n),
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return ReadOutcome::Failed(e),
        }
        match tls.read_tls(socket) {
            Ok(0) => return ReadOutcome::Closed,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => return ReadOutcome::WouldBlock,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return ReadOutcome::Failed(e),
        }
        if let Err(e) = tls.process_new_packets() {
            // Best effort: tell the peer why (an alert) before closing.
            let _ = tls.write_tls(socket);
            return ReadOutcome::Failed(io::Error::new(ErrorKind::InvalidData, e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_get_nodelay_and_keepalive() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let client = std::net::TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (accepted, _) = listener.accept().expect("accept");
        let socket = TcpStream::from_std(accepted);
        tune_socket(&socket).expect("tune");
        let sock = socket2::SockRef::from(&socket);
        assert!(socket.nodelay().expect("nodelay"));
        assert!(sock.keepalive().expect("SO_KEEPALIVE"));
        assert_eq!(sock.tcp_keepalive_time().expect("TCP_KEEPIDLE"), KEEPALIVE_IDLE);
        assert_eq!(sock.tcp_keepalive_interval().expect("TCP_KEEPINTVL"), KEEPALIVE_INTERVAL);
        assert_eq!(sock.tcp_keepalive_retries().expect("TCP_KEEPCNT"), KEEPALIVE_PROBES);
        drop(client);
    }
}
