//! Accepting: draining the listeners, refusing over the limits, and
//! backing off when accept itself fails (EMFILE) instead of spinning.

use std::io::{ErrorKind, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::{debug, error, warn};
use mio::net::TcpStream;
use natter::protocol::{ErrorKind as ReplyError, Reply};

use super::{token, Server};
use crate::connection::{tune_socket, Connection};
use crate::session::Session;

/// How long to pause accepting after a failure such as EMFILE.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

impl Server {
    /// Accepts until the listener would block.
    pub(super) fn accept_all(&mut self, tls: bool) {
        if self.accept_paused_until.is_some() {
            return;
        }
        loop {
            let listener = if tls { &self.tls_listener } else { &self.listener };
            let Some(listener) = listener else { return };
            match listener.accept() {
                Ok((socket, peer)) => self.admit(socket, peer, tls),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // The peer gave up before we got to it: nothing to retry.
                Err(e) if matches!(e.kind(), ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset) => continue,
                Err(e) => {
                    // EMFILE and friends: the connection stays in the
                    // backlog. Retry from a timer instead of spinning.
                    let now = Instant::now();
                    if let Some(more) = self.accept_failures_log.due(now) {
                        error!("accept failed: {e}; retrying{}", more_since(more));
                    }
                    self.accept_paused_until = Some(now + ACCEPT_RETRY);
                    return;
                }
            }
        }
    }

    /// Takes one new client in, or tells it why not and closes it.
    fn admit(&mut self, mut socket: TcpStream, peer: SocketAddr, tls: bool) {
        let now = Instant::now();
        let refusal = if self.pool.len() >= self.options.max_clients {
            Some(ReplyError::ServerFull)
        } else {
            // Too many open, or too many opened this minute: to the user
            // both mean their address is over its limit.
            self.addresses.admit(peer.ip(), now).err().map(|_| ReplyError::TooManyFromAddress)
        };
        if let Some(why) = refusal {
            if let Some(more) = self.refusals_log.due(now) {
                warn!("refusing {peer}: {why}{}", more_since(more));
            }
            let _ = socket.write(&Reply::Error(why).to_bytes());
            let _ = socket.shutdown(std::net::Shutdown::Write);
            return;
        }
        if let Err(e) = tune_socket(&socket) {
            debug!("cannot tune the socket of {peer}: {e}");
        }
        // Counted from here on: every way out below gives the count back.
        let session = match (tls, &self.tls_config) {
            (true, Some(config)) => match rustls::ServerConnection::new(Arc::clone(config)) {
                Ok(session) => Some(Box::new(session)),
                Err(e) => {
                    error!("cannot start TLS for {peer}: {e}");
                    self.addresses.release(peer.ip());
                    return;
                }
            },
            _ => None,
        };
        let key = self.pool.vacant_key();
        let mut conn = Connection::new(socket, session);
        if let Err(e) = conn.register(self.poll.registry(), token(key)) {
            error!("cannot register {peer}: {e}");
            self.addresses.release(peer.ip());
            return;
        }
        debug!("connection from {peer}");
        let mut session = Session::new(peer, self.options.max_line, now);
        session.account.secure = conn.is_tls();
        let handle = self.pool.insert(session);
        let key = handle.key();
        if self.sockets.len() <= key {
            self.sockets.resize_with(key + 1, || None);
        }
        self.sockets[key] = Some(conn);
        self.trim.churn();
        if self.name_sweep_at.is_none() {
            self.name_sweep_at = Some(now + self.name_timeout());
        }
    }
}

/// Lets a message through at most once a second and counts the ones it
/// held back in between.
#[derive(Debug, Default)]
pub(super) struct OncePerSecond {
    last: Option<Instant>,
    held_back: u64,
}

impl OncePerSecond {
    /// `Some(held back since the last one)` when a message may be logged now.
    pub(super) fn due(&mut self, now: Instant) -> Option<u64> {
        if self.last.is_some_and(|t| now.duration_since(t) < Duration::from_secs(1)) {
            self.held_back += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.held_back))
    }
}

fn more_since(held_back: u64) -> String {
    if held_back == 0 {
        String::new()
    } else {
        format!(" ({held_back} more since the last report)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_second_counts_what_it_holds_back() {
        let mut log = OncePerSecond::default();
        let t = Instant::now();
        assert_eq!(log.due(t), Some(0));
        assert_eq!(log.due(t + Duration::from_millis(10)), None);
        assert_eq!(log.due(t + Duration::from_millis(900)), None);
        assert_eq!(log.due(t + Duration::from_millis(1000)), Some(2));
        assert_eq!(log.due(t + Duration::from_millis(2500)), Some(0));
    }
}
