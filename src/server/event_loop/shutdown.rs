//! Shutdown: on SIGINT or SIGTERM stop accepting, tell everyone, keep
//! looping only to flush, and exit once output has drained or the grace
//! period is over. A second signal exits at once.

use std::time::{Duration, Instant};

use log::{debug, info, warn};
use natter::protocol::Reply;

use super::Server;

/// How long shutdown waits for output to drain.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

impl Server {
    /// Handles pending signals; `true` means exit now (a second signal).
    pub(super) fn on_signals(&mut self) -> bool {
        let mut got = false;
        for signal in self.signals.pending() {
            debug!("signal {signal}");
            got = true;
        }
        if !got {
            return false;
        }
        if self.shutdown_deadline.is_some() {
            warn!("second signal: exiting without waiting for output");
            return true;
        }
        info!("shutting down: telling {} clients", self.pool.len());
        for mut listener in [self.listener.take(), self.tls_listener.take()].into_iter().flatten() {
            let _ = self.poll.registry().deregister(&mut listener);
        }
        self.shutdown_deadline = Some(Instant::now() + SHUTDOWN_GRACE);
        let line = Reply::ShuttingDown.to_bytes();
        for key in self.pool.keys() {
            self.pool.send(key, &line);
        }
        false
    }

    /// During shutdown: closes everyone once output has drained or the
    /// grace period is over.
    pub(super) fn shutdown_done(&mut self) -> bool {
        let sockets = &self.sockets;
        let pending = |key: usize, out| sockets.get(key).and_then(Option::as_ref).is_some_and(|c| c.wants_write(out));
        let drained = self.pool.iter().all(|(key, s)| !pending(key, s.outbox()));
        let late = self.shutdown_deadline.is_some_and(|d| Instant::now() >= d);
        if !(drained || late) {
            return false;
        }
        if late && !drained {
            warn!("shutdown grace period over; some output was not delivered");
        }
        for (key, session) in self.pool.iter_mut() {
            if let Some(Some(conn)) = self.sockets.get_mut(key) {
                conn.finish(session.outbox_mut());
            }
        }
        true
    }
}
