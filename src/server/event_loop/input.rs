//! Input: reading a client's socket within a per-turn budget, framing what
//! arrived and handing each frame to the commands, with flood control and
//! the congestion policy deciding when to stop reading whom.

use std::cmp::Reverse;
use std::time::{Duration, Instant};

use log::debug;
use natter::protocol::AfterRead;

use super::Server;
use crate::connection::ReadOutcome;
use crate::pool::Handle;

/// How long unterminated first bytes wait before the client counts as a
/// classic raw client that never sends newlines.
const RAW_DETECT: Duration = Duration::from_millis(300);
/// Reads per socket per turn, so one fast sender cannot starve the others.
const READS_PER_TURN: usize = 16;

impl Server {
    /// Reads what `key` sent, as far as the budget, flood control and
    /// congestion allow.
    pub(super) fn read_client(&mut self, key: usize) {
        self.read_client_inner(key);
        // A TLS read can produce records to send (handshake, alerts).
        if let (Some(Some(conn)), Some(session)) = (self.sockets.get(key), self.pool.get(key)) {
            if conn.is_tls() && conn.wants_write(session.outbox()) && !session.is_closing() {
                self.pool.mark_dirty(key);
            }
        }
    }

    fn read_client_inner(&mut self, key: usize) {
        let mut buf = std::mem::take(&mut self.read_buf);
        for read in 0..READS_PER_TURN {
            let Some(session) = self.pool.get(key) else { break };
            if !session.can_read() {
                // A throttled client is resumed by its flood timer.
                break;
            }
            if read > 0 && self.pool.budget_spent() {
                // Over the output budget: one read per sender per turn,
                // so a burst cannot queue megabytes before the end of the
                // turn drops the stalled clients holding the memory.
                break;
            }
            if self.pool.hold_input(key) {
                // Leave the bytes in the kernel so TCP slows this sender
                // down, rather than queueing more than its target can take.
                self.read_buf = buf;
                return;
            }
            let Some(conn) = self.socket(key) else { break };
            match conn.read(&mut buf) {
                ReadOutcome::Data(n) => {
                    self.pool.note_input(key, n);
                    if self.shutdown_deadline.is_none() {
                        self.on_bytes(key, &buf[..n]);
                    }
                    continue;
                }
                ReadOutcome::WouldBlock => {
                    self.read_buf = buf;
                    return;
                }
                ReadOutcome::Closed => self.on_eof(key),
                ReadOutcome::Failed(e) => {
                    debug!("read from key {key} failed: {e}");
                    self.pool.close(key, "connection lost");
                }
            }
            self.read_buf = buf;
            return;
        }
        // Budget used up with data possibly left: come back.
        if let Some(session) = self.pool.get(key) {
            if session.can_read() {
                self.read_again.push(Handle::new(key, session.id()));
            }
        }
        self.read_buf = buf;
    }

    /// Frames one read's bytes and handles what they hold.
    fn on_bytes(&mut self, key: usize, data: &[u8]) {
        let Some(session) = self.pool.get_mut(key) else { return };
        session.framer().push(data);
        self.drain_frames(key);
        let Some(session) = self.pool.get_mut(key) else { return };
        if session.is_closing() {
            return;
        }
        let awaiting_name = session.awaiting_since().is_some();
        let reader = Handle::new(key, session.id());
        if session.framer().after_read() == AfterRead::Unterminated && awaiting_name {
            self.raw_checks.push_back((Instant::now() + RAW_DETECT, reader));
        }
    }

    /// Handles waiting frames until none is left or flood control says
    /// wait. Every frame, a line or a raw read, spends a token of its
    /// address's budget; closes a client whose peer left once it is done.
    pub(super) fn drain_frames(&mut self, key: usize) {
        loop {
            let Some(session) = self.pool.get_mut(key) else { return };
            if !session.is_active() {
                return;
            }
            if !session.framer().has_frame() {
                if session.peer_closed() {
                    self.pool.quit(key, "");
                }
                return;
            }
            if !session.take_prepaid() {
                if let Err(when) = self.addresses.take_token(session.peer().ip(), Instant::now()) {
                    session.throttle();
                    self.flood_timers.push(Reverse((when, Handle::new(key, session.id()))));
                    return;
                }
            }
            let Some(frame) = session.framer().next_frame() else { return };
            self.route(key, frame);
        }
    }

    /// The peer closed its side cleanly: what it sent still counts, a
    /// final unterminated line included, and the quit notice carries no
    /// reason, as after `/quit`.
    fn on_eof(&mut self, key: usize) {
        let Some(session) = self.pool.get_mut(key) else { return };
        if session.name().is_some() {
            session.framer().finish();
        }
        session.set_peer_closed();
        self.drain_frames(key);
        if self.pool.get(key).is_some_and(|s| !s.is_active() && !s.is_closing()) {
            // Throttled: its flood timer will drain the rest and close it.
            return;
        }
        self.pool.quit(key, "");
    }
}
