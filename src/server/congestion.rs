//! Congestion policy: what happens when a client cannot keep up.
//!
//! A client whose pending output passes half the output cap is congested.
//! While anyone is congested, natterd stops reading from senders (their
//! bytes stay in the kernel, so TCP slows them down) rather than queue
//! more than a reader can take. A congested client whose output stops
//! moving has stopped reading and is dropped; so is one that stays
//! congested too long even reading a trickle, as one slow reader must not
//! throttle everyone for long. Shaped like `flood.rs`: the pool and the
//! loop ask, this module decides.

use std::time::{Duration, Instant};

use log::warn;
use slab::Slab;

use crate::pool::Handle;
use crate::session::Session;

/// A congested client whose output has not moved for this long has stopped
/// reading: it is dropped rather than allowed to hold back the room.
const STALL: Duration = Duration::from_millis(500);
/// Longest a client may stay congested, even reading a trickle, before it
/// is dropped: one slow reader must not throttle everyone for long.
const CONGESTED_MAX: Duration = Duration::from_secs(5);
/// How often congestion is rechecked while any client is congested.
const TICK: Duration = Duration::from_millis(50);

/// The congested sessions and the reads held back for them.
pub struct Congestion {
    /// Keys whose pending output passed the mark, each listed once.
    congested: Vec<usize>,
    /// Sockets not read because someone was congested. Edge-triggered
    /// polling will not report them again, so they are resumed by hand
    /// once congestion clears.
    paused: Vec<Handle>,
    /// Pending output past which a client holds back the senders.
    mark: usize,
}

/// What a review decided.
pub struct Review {
    /// Keys to close as too slow.
    pub too_slow: Vec<usize>,
    /// Paused readers to read again: nobody is congested any more.
    pub resume: Vec<Handle>,
}

impl Congestion {
    /// Congestion starts at half of `max_queue`.
    pub fn new(max_queue: usize) -> Self {
        Congestion { congested: Vec::new(), paused: Vec::new(), mark: max_queue / 2 }
    }

    /// Whether nobody is congested, so senders may be read.
    pub fn is_clear(&self) -> bool {
        self.congested.is_empty()
    }

    /// Notes a session whose output just grew; it becomes congested when
    /// it passes the mark.
    pub fn on_queued(&mut self, key: usize, session: &mut Session) {
        if session.congested_since().is_none() && session.pending_output() > self.mark {
            // The stall clock starts now, not at the last write, which may
            // be long ago for a client that simply had nothing to receive.
            let now = Instant::now();
            session.set_congested_since(Some(now));
            session.outbox_mut().progress(now);
            self.congested.push(key);
        }
    }

    /// Holds back a sender's read until congestion clears.
    pub fn pause(&mut self, reader: Handle) {
        self.paused.push(reader);
    }

    /// When the loop must next call [`review`](Self::review).
    pub fn deadline(&self, now: Instant) -> Option<Instant> {
        (!self.congested.is_empty()).then(|| now + TICK)
    }

    /// Clears sessions that have caught up, picks those to drop, and
    /// releases the paused readers once nobody is congested.
    pub fn review(&mut self, sessions: &mut Slab<Session>) -> Review {
        let mut review = Review { too_slow: Vec::new(), resume: Vec::new() };
        if self.congested.is_empty() {
            return review;
        }
        let now = Instant::now();
        let mut still = Vec::new();
        for key in std::mem::take(&mut self.congested) {
            let Some(session) = sessions.get_mut(key) else { continue };
            if session.is_closing() {
                continue;
            }
            let since = session.congested_since().unwrap_or(now);
            if session.pending_output() <= self.mark {
                session.set_congested_since(None);
            } else if now - session.outbox().last_progress() >= STALL || now - since >= CONGESTED_MAX {
                warn!(
                    "dropping {} ({}): {} bytes pending, not keeping up",
                    session.name().unwrap_or("unnamed client"),
                    session.peer(),
                    session.pending_output()
                );
                session.set_congested_since(None);
                review.too_slow.push(key);
            } else {
                still.push(key);
            }
        }
        self.congested = still;
        if self.congested.is_empty() {
            review.resume = std::mem::take(&mut self.paused);
        }
        review
    }
}
