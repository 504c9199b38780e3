//! Output and closing: flushing what was queued, reaping what was marked
//! closing and telling the room, until a turn leaves neither.

use log::{debug, error, info};
use natter::protocol::Reply;

use super::{token, Server};
use crate::commands;
use crate::session::Leaving;

impl Server {
    /// Closes what is marked and flushes what is queued, until neither
    /// produces more work (a quit notice can overflow a slow client).
    pub(super) fn settle(&mut self) {
        loop {
            let closing = self.pool.take_closing();
            self.history.commit();
            if !closing.is_empty() {
                // Take the whole batch out of the room before telling
                // anyone, so quits reach survivors only: when thousands
                // drop at once they are not told of each other.
                let left: Vec<_> = closing.into_iter().filter_map(|key| self.reap(key)).collect();
                if self.shutdown_deadline.is_none() {
                    for (name, leaving) in &left {
                        let reason = leaving.as_reason();
                        self.rooms.broadcast(&mut self.pool, None, None, &Reply::Quit { name, reason });
                    }
                }
            }
            for key in self.pool.take_dirty() {
                self.flush_client(key);
            }
            self.pool.review_budget();
            let resume = self.pool.review_congestion();
            self.read_again.extend(resume);
            if !self.pool.has_closing() {
                break;
            }
        }
        let queued = self.pool.take_queued();
        self.trim.end_turn(queued);
    }

    /// Writes what `key` has queued and asks for WRITABLE while some is left.
    pub(super) fn flush_client(&mut self, key: usize) {
        // Stored lines reach the WAL before any client can read them.
        self.history.commit();
        let (Some(Some(conn)), Some(session)) = (self.sockets.get_mut(key), self.pool.get_mut(key)) else {
            return;
        };
        if session.is_closing() {
            return;
        }
        let peer = session.peer();
        let held = session.outbox().capacity();
        let flushed = conn.flush(session.outbox_mut());
        let released = held.saturating_sub(session.outbox().capacity());
        let want_write = conn.wants_write(session.outbox());
        self.pool.released(released);
        if let Err(e) = flushed {
            debug!("write to {peer} failed: {e}");
            self.pool.close(key, "connection lost");
            return;
        }
        if let Err(e) = conn.set_write_interest(self.poll.registry(), token(key), want_write) {
            error!("cannot reregister {peer}: {e}");
            self.pool.close(key, "connection lost");
        }
    }

    /// Removes a closed connection; returns its name and reason if it had
    /// joined, for the quit notice.
    fn reap(&mut self, key: usize) -> Option<(String, Leaving)> {
        let mut session = self.pool.remove(key)?;
        self.trim.churn();
        self.trim.freed(session.outbox().capacity());
        if let Some(mut conn) = self.sockets.get_mut(key).and_then(Option::take) {
            conn.deregister(self.poll.registry());
            conn.finish(session.outbox_mut());
        }
        let peer = session.peer();
        self.addresses.release(peer.ip());
        let reason = session.take_closing();
        let joined = session.rooms().joined().to_vec();
        let Some(name) = session.into_name() else {
            debug!("closed unnamed connection from {peer}");
            return None;
        };
        commands::leave_all(&mut self.rooms, key, &joined, &name);
        match reason.as_reason() {
            None => info!("{name} quit"),
            Some(r) => info!("{name} quit ({})", r.text()),
        }
        Some((name, reason))
    }
}
