//! Timers: everything that happens because time passed rather than
//! because a socket was ready. Each is a deadline the poll timeout honours.

use std::cmp::Reverse;
use std::time::{Duration, Instant};

use log::debug;
use natter::protocol::{ErrorKind as ReplyError, Frame, Reply};

use super::Server;
use crate::pool::Handle;

impl Server {
    /// Runs whatever is due: resumed reads, raw-client checks, the name
    /// sweep, heap trimming, flood refills and the accept retry.
    pub(super) fn run_timers(&mut self) {
        let now = Instant::now();
        for reader in std::mem::take(&mut self.read_again) {
            if self.pool.live(reader).is_some() {
                self.read_client(reader.key());
            }
        }
        while let Some(&(when, client)) = self.raw_checks.front() {
            if when > now {
                break;
            }
            self.raw_checks.pop_front();
            self.raw_timeout(client);
        }
        if self.name_sweep_at.is_some_and(|t| t <= now) {
            self.sweep_unnamed(now);
        }
        self.trim.run_if_due(now);
        if self.history.deadline().is_some_and(|t| t <= now) {
            let was_open = self.history.existing_store().is_some();
            for room in self.history.tick(now).into_iter().rev() {
                self.rooms.restore(&room.name, room.topic);
            }
            // A store that could not be read at start: its names now.
            if !was_open && self.accounts.names.is_empty() {
                if let Ok(names) = super::load_accounts(&mut self.history) {
                    self.accounts.names = names;
                }
            }
        }
        while let Some(&Reverse((when, client))) = self.flood_timers.peek() {
            if when > now {
                break;
            }
            self.flood_timers.pop();
            self.flood_refilled(client);
        }
        if self.accept_paused_until.is_some_and(|t| t <= now) {
            self.accept_paused_until = None;
            self.accept_all(false);
            self.accept_all(true);
        }
    }

    /// First bytes sat unterminated: take them as the name, and from now on
    /// every read from this client as one message.
    fn raw_timeout(&mut self, client: Handle) {
        let Some(session) = self.pool.live(client) else { return };
        if session.is_closing() || session.name().is_some() {
            return;
        }
        let Some(name) = session.framer().switch_to_raw() else { return };
        debug!("{} sends no newlines; switching to raw mode", session.peer());
        self.route(client.key(), Frame::Line(name));
    }

    /// How long a client may take to send its name.
    pub(super) fn name_timeout(&self) -> Duration {
        Duration::from_secs(self.options.name_timeout)
    }

    /// Closes connections that never named themselves (a stalled TLS
    /// handshake, an idle port scan) so they cannot hold slots forever, and
    /// schedules the next sweep for the earliest remaining deadline.
    fn sweep_unnamed(&mut self, now: Instant) {
        let timeout = self.name_timeout();
        let mut expired = Vec::new();
        let mut earliest: Option<Instant> = None;
        for (key, session) in self.pool.iter() {
            let Some(since) = session.awaiting_since() else { continue };
            if session.is_closing() {
                continue;
            }
            if since + timeout <= now {
                expired.push(key);
            } else {
                earliest = Some(earliest.map_or(since, |e| e.min(since)));
            }
        }
        for key in expired {
            debug!("key {key} sent no name in time");
            self.rooms.send_to(&mut self.pool, key, None, &Reply::Error(ReplyError::NameTimeout));
            self.pool.quit(key, "");
        }
        self.name_sweep_at = earliest.map(|e| (e + timeout).max(now + Duration::from_secs(1)));
    }

    /// A throttled client has a token again: take its waiting lines, then
    /// read its socket, which edge-triggered polling will not report again.
    fn flood_refilled(&mut self, client: Handle) {
        let Some(session) = self.pool.live(client) else { return };
        if !session.unthrottle() {
            return;
        }
        self.drain_frames(client.key());
        if self.pool.get(client.key()).is_some_and(|s| s.can_read()) {
            self.read_again.push(client);
        }
    }
}
