//! The socket of one connection, plain or encrypted, behind one interface.
//!
//! [`Transport::establish`] does the blocking part on the connection
//! thread: connect with a timeout, the TLS handshake (where the
//! certificate is checked, before a single byte of chat is sent) and the
//! name. After that the socket is non-blocking and the
//! [`io_thread`](super::io_thread) moves bytes through [`Transport::read`],
//! [`Transport::send`] and [`Transport::flush`]. A rustls session keeps
//! state for both directions, so only that one thread ever touches it.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream as StdTcpStream, ToSocketAddrs};
use std::path::Path;

use mio::net::TcpStream;
use rustls::pki_types::ServerName;
use rustls::ClientConnection;

use super::cert_verifier::{client_config, TrustProblem};
use super::known_servers::KnownServers;
use super::{CloseReason, Security, CONNECT_TIMEOUT, WRITE_TIMEOUT};
use crate::model::address::ServerAddress;

/// A connected socket, with TLS on it or not.
#[derive(Debug)]
pub enum Transport {
    /// Lines as they are, as `nc` would send them.
    Plain(TcpStream),
    /// Lines inside a TLS session.
    Tls(Box<ClientConnection>, TcpStream),
}

impl Transport {
    /// Connects to `address`, sets up TLS if `security` asks for it and
    /// sends `name`. Blocks, each step bounded by a timeout.
    pub fn establish(address: &ServerAddress, name: &str, security: &Security) -> Result<Transport, CloseReason> {
        let mut stream = connect(address)?;
        let _ = stream.set_nodelay(true);
        let line = format!("{name}\n");
        let transport = match security {
            Security::Plain => {
                stream.set_write_timeout(Some(WRITE_TIMEOUT)).map_err(|e| CloseReason::from_io(&e))?;
                stream.write_all(line.as_bytes()).map_err(|e| CloseReason::from_io(&e))?;
                Transport::Plain(into_mio(stream)?)
            }
            Security::Tls { known_servers } => {
                let mut session = handshake(address, known_servers, &mut stream)?;
                stream.set_write_timeout(Some(WRITE_TIMEOUT)).map_err(|e| CloseReason::from_io(&e))?;
                let sent = session.writer().write_all(line.as_bytes()).and_then(|()| {
                    while session.wants_write() {
                        session.write_tls(&mut stream)?;
                    }
                    Ok(())
                });
                sent.map_err(|e| CloseReason::from_io(&e))?;
                Transport::Tls(Box::new(session), into_mio(stream)?)
            }
        };
        Ok(transport)
    }

    /// The socket, to register with the poll.
    pub fn socket(&mut self) -> &mut TcpStream {
        match self {
            Transport::Plain(socket) | Transport::Tls(_, socket) => socket,
        }
    }

    /// Reads what arrived: `Ok(0)` when the server closed, `WouldBlock`
    /// when there is nothing more for now.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let (session, socket) = match self {
            Transport::Plain(socket) => return socket.read(buf),
            Transport::Tls(session, socket) => (session, socket),
        };
        loop {
            // Plaintext already decrypted first; WouldBlock means "none yet".
            match session.reader().read(buf) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                done => return done,
            }
            // Ok(0) here (the peer closed) makes the reader above answer
            // with Ok(0) or UnexpectedEof on the next turn.
            session.read_tls(socket)?;
            session.process_new_packets().map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?;
        }
    }

    /// Takes as much of `buf` as it can without blocking; `Ok(0)` when it
    /// is full for now.
    pub fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = match self {
            Transport::Plain(socket) => socket.write(buf),
            Transport::Tls(session, _) => session.writer().write(buf),
        };
        match result {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(0),
            other => other,
        }
    }

    /// Writes the TLS records waiting inside the session; returns how
    /// many bytes reached the socket.
    pub fn flush(&mut self) -> io::Result<usize> {
        let Transport::Tls(session, socket) = self else {
            return Ok(0);
        };
        let mut written = 0;
        while session.wants_write() {
            match session.write_tls(socket) {
                Ok(0) => break,
                Ok(n) => written += n,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(written)
    }

    /// True when nothing waits inside the session to be written.
    pub fn is_flushed(&self) -> bool {
        match self {
            Transport::Plain(_) => true,
            Transport::Tls(session, _) => !session.wants_write(),
        }
    }

    /// Ends the sending side once all is written (TLS: close_notify
    /// first), so the server reads everything and then end of stream.
    pub fn shutdown_write(&mut self) {
        if let Transport::Tls(session, _) = self {
            session.send_close_notify();
            let _ = self.flush();
        }
        let _ = self.socket().shutdown(std::net::Shutdown::Write);
    }

    /// Says goodbye to the TLS session (best effort) and shuts the socket down.
    pub fn close(&mut self) {
        if let Transport::Tls(session, _) = self {
            session.send_close_notify();
            let _ = self.flush();
        }
        let _ = self.socket().shutdown(std::net::Shutdown::Both);
    }
}

fn connect(address: &ServerAddress) -> Result<StdTcpStream, CloseReason> {
    let addrs: Vec<SocketAddr> = match (address.host.as_str(), address.port).to_socket_addrs() {
        Ok(addrs) => addrs.collect(),
        Err(err) => return Err(CloseReason::Unresolved(err.to_string())),
    };
    if addrs.is_empty() {
        return Err(CloseReason::Unresolved(address.to_string()));
    }
    let mut last = CloseReason::Refused;
    for addr in addrs {
        match StdTcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(err) => last = CloseReason::from_io(&err),
        }
    }
    Err(last)
}

/// Runs the TLS handshake to its end, the certificate check included.
fn handshake(
    address: &ServerAddress,
    known_servers: &Path,
    stream: &mut StdTcpStream,
) -> Result<ClientConnection, CloseReason> {
    let tls_failed = |err: &dyn std::fmt::Display| CloseReason::TlsFailed(err.to_string());
    let server_name = ServerName::try_from(address.host.clone()).map_err(|e| tls_failed(&e))?;
    let pinned = match KnownServers::load_from(known_servers) {
        Ok(known) => known.get(&address.to_string()),
        Err(err) => {
            // Without the pins nothing self-signed is trusted, which is safe;
            // the dialog that follows says so in its own way.
            log::warn!("cannot read {}: {err}", known_servers.display());
            None
        }
    };
    let config = client_config(pinned).map_err(|e| tls_failed(&e))?;
    let mut session = ClientConnection::new(config, server_name).map_err(|e| tls_failed(&e))?;
    // A plain-TCP server never answers a ClientHello: give up in time.
    stream.set_read_timeout(Some(CONNECT_TIMEOUT)).map_err(|e| CloseReason::from_io(&e))?;
    stream.set_write_timeout(Some(CONNECT_TIMEOUT)).map_err(|e| CloseReason::from_io(&e))?;
    while session.is_handshaking() {
        if let Err(err) = session.complete_io(stream) {
            return Err(match TrustProblem::from_io(&err) {
                Some(TrustProblem::Unknown { presented }) => CloseReason::Untrusted { fingerprint: presented },
                Some(TrustProblem::Changed { pinned, presented }) => {
                    CloseReason::CertificateChanged { pinned, presented }
                }
                None => match err.kind() {
                    io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset => CloseReason::from_io(&err),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                        CloseReason::TlsFailed("no answer to the TLS handshake".into())
                    }
                    io::ErrorKind::UnexpectedEof => CloseReason::TlsFailed("the server hung up".into()),
                    _ => tls_failed(&err),
                },
            });
        }
    }
    Ok(session)
}

fn into_mio(stream: StdTcpStream) -> Result<TcpStream, CloseReason> {
    stream.set_read_timeout(None).and_then(|()| stream.set_nonblocking(true)).map_err(|e| CloseReason::from_io(&e))?;
    Ok(TcpStream::from_std(stream))
}
