//! One client's socket and TLS session: reading, writing and closing it.
//!
//! The protocol state (name, framer, output queue) is in
//! [`Session`](crate::session::Session), so that everything above the
//! socket can be tested without one. A `Connection` only moves bytes: it
//! reads into the loop's buffer and writes from a session's outbox, never
//! blocking.

use std::io::{self, ErrorKind, Read, Write};
use std::net::Shutdown;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Interest, Registry, Token};

use crate::outbox::Outbox;

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

/// Result of one non-blocking read.
pub enum ReadOutcome {
    /// This many bytes landed in the caller's buffer.
    Data(usize),
    /// Nothing more to read now.
    WouldBlock,
    /// The peer closed its side cleanly (FIN, or a TLS close_notify).
    Closed,
    /// The socket failed (a reset, a keepalive timeout).
    Failed(io::Error),
}

/// One client's socket, and its TLS session for a client of the TLS listener.
pub struct Connection {
    socket: TcpStream,
    /// Boxed so plain clients stay small.
    tls: Option<Box<rustls::ServerConnection>>,
    /// Whether the poll registration currently includes WRITABLE.
    write_interest: bool,
}

impl Connection {
    /// A plain or TLS client socket, not yet registered.
    pub fn new(socket: TcpStream, tls: Option<Box<rustls::ServerConnection>>) -> Self {
        Connection { socket, tls, write_interest: false }
    }

    /// Whether this is a client of the TLS listener.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Registers the socket with `token`, readable only.
    pub fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        registry.register(&mut self.socket, token, Interest::READABLE)
    }

    /// Asks for WRITABLE exactly while `want_write`; a no-op when the
    /// registration already says so.
    pub fn set_write_interest(&mut self, registry: &Registry, token: Token, want_write: bool) -> io::Result<()> {
        if want_write == self.write_interest {
            return Ok(());
        }
        let interest = if want_write { Interest::READABLE | Interest::WRITABLE } else { Interest::READABLE };
        registry.reregister(&mut self.socket, token, interest)?;
        self.write_interest = want_write;
        Ok(())
    }

    /// Takes the socket out of the poll before it is closed.
    pub fn deregister(&mut self, registry: &Registry) {
        let _ = registry.deregister(&mut self.socket);
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

    /// Whether anything waits to go out, queued text in `out` or TLS
    /// records (handshake messages included).
    pub fn wants_write(&self, out: &Outbox) -> bool {
        out.pending() > 0 || self.tls.as_ref().is_some_and(|t| t.wants_write())
    }

    /// Writes as much of `out` as the socket takes now. Keeps the
    /// remainder for the next writable event.
    pub fn flush(&mut self, out: &mut Outbox) -> io::Result<()> {
        match self.tls.as_deref_mut() {
            Some(tls) => loop {
                if out.pending() > 0 {
                    // rustls takes plaintext up to its own buffer limit.
                    let n = tls.writer().write(out.unwritten())?;
                    out.consumed(n);
                }
                if !tls.wants_write() {
                    break;
                }
                match tls.write_tls(&mut self.socket) {
                    Ok(0) => return Err(ErrorKind::WriteZero.into()),
                    Ok(_) => out.progress(Instant::now()),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            },
            None => {
                while out.pending() > 0 {
                    match self.socket.write(out.unwritten()) {
                        Ok(0) => return Err(ErrorKind::WriteZero.into()),
                        Ok(n) => out.written(n),
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        out.tidy();
        Ok(())
    }

    /// Last chance to deliver queued output (an error line, say), then a
    /// FIN so the peer reads everything before the close.
    pub fn finish(&mut self, out: &mut Outbox) {
        if let Some(tls) = self.tls.as_deref_mut() {
            tls.send_close_notify();
        }
        let _ = self.flush(out);
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
