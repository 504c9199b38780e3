//! Congestion policy: what happens when a client cannot keep up.
//!
//! A client whose pending output passes half the output cap is congested.
//! One slow reader must never pause anybody else's chat, so being congested
//! holds back only those who feed it beyond what chat needs:
//! - the sender of a private message to a congested client stops being read
//!   until that client drains below the mark or is dropped (TCP then slows
//!   the sender down; nobody else waits);
//! - a heavy sender, one whose input has passed the mark within about a
//!   second (far beyond what flood control lets a chatter send), is slowed
//!   to the mark per second while anyone is congested, so a bulk burst
//!   reaches the clients that keep reading instead of overflowing them.
//!
//! Room lines are queued to a slow reader up to its cap; past it the reader
//! is dropped as too slow (ngIRCd's sendq), and so is one whose output stops
//! moving while congested, or that stays congested too long. Shaped like
//! `flood.rs`: the pool and the loop ask, this module decides.

use std::time::{Duration, Instant};

use log::warn;
use slab::Slab;

use crate::pool::Handle;
use crate::session::Session;

/// A congested client whose output has not moved for this long has stopped
/// reading: it is dropped rather than left holding memory and senders.
const STALL: Duration = Duration::from_millis(500);
/// Longest a client may stay congested, even reading a trickle, before it
/// is dropped.
const CONGESTED_MAX: Duration = Duration::from_secs(5);
/// How often congestion is rechecked while anyone is congested or held.
const TICK: Duration = Duration::from_millis(50);

/// The congested sessions and the readers held back for them.
pub struct Congestion {
    /// Keys whose pending output passed the mark, each listed once.
    congested: Vec<usize>,
    /// Senders not read because of someone's congestion. Edge-triggered
    /// polling will not report them again, so they are resumed by hand
    /// once their hold is over.
    paused: Vec<Handle>,
    /// Pending output past which a client is congested; also the input,
    /// per second, past which a sender counts as heavy.
    mark: usize,
}

/// What a review decided.
pub struct Review {
    /// Keys to close as too slow.
    pub too_slow: Vec<usize>,
    /// Held readers to read again: their hold is over.
    pub resume: Vec<Handle>,
}

/// Bytes a client sent recently, leaking away at a fixed rate.
#[derive(Debug)]
pub struct InputMeter {
    level: u64,
    at: Instant,
}

impl InputMeter {
    /// An empty meter.
    pub fn new(now: Instant) -> Self {
        InputMeter { level: 0, at: now }
    }

    fn level(&self, leak_per_sec: usize, now: Instant) -> u64 {
        let leaked = now.saturating_duration_since(self.at).as_secs_f64() * leak_per_sec as f64;
        self.level.saturating_sub(leaked as u64)
    }

    fn add(&mut self, n: usize, leak_per_sec: usize, now: Instant) {
        self.level = self.level(leak_per_sec, now).saturating_add(n as u64);
        self.at = now;
    }
}

impl Congestion {
    /// Congestion starts at half of `max_queue`.
    pub fn new(max_queue: usize) -> Self {
        Congestion { congested: Vec::new(), paused: Vec::new(), mark: max_queue / 2 }
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

    /// Counts `n` bytes read from `session`.
    pub fn on_input(&self, session: &mut Session, n: usize) {
        session.input_meter_mut().add(n, self.mark, Instant::now());
    }

    /// Whether `sender` must wait before more of its input is read: it
    /// messaged a client that is still congested (and not among
    /// `dropping`), or it is a heavy sender while anyone is congested.
    pub fn holds(&self, sender: &Session, sessions: &Slab<Session>, dropping: &[usize]) -> bool {
        if let Some(target) = sender.waits_for() {
            let live = target.find(sessions).filter(|_| !dropping.contains(&target.key()));
            if live.is_some_and(|t| !t.is_closing() && t.congested_since().is_some()) {
                return true;
            }
        }
        !self.congested.is_empty() && sender.input_meter().level(self.mark, Instant::now()) > self.mark as u64
    }

    /// Holds back a sender's read until [`holds`](Self::holds) says no.
    pub fn pause(&mut self, reader: Handle) {
        if !self.paused.contains(&reader) {
            self.paused.push(reader);
        }
    }

    /// When the loop must next call [`review`](Self::review).
    pub fn deadline(&self, now: Instant) -> Option<Instant> {
        (!self.congested.is_empty() || !self.paused.is_empty()).then(|| now + TICK)
    }

    /// Clears sessions that have caught up, picks those to drop, and
    /// releases the held readers whose hold is over.
    pub fn review(&mut self, sessions: &mut Slab<Session>) -> Review {
        let mut review = Review { too_slow: Vec::new(), resume: Vec::new() };
        if self.congested.is_empty() && self.paused.is_empty() {
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
        let sessions: &Slab<Session> = sessions;
        let mut held = Vec::new();
        for reader in std::mem::take(&mut self.paused) {
            let Some(session) = reader.find(sessions) else { continue };
            if session.is_closing() {
                continue;
            }
            if self.holds(session, sessions, &review.too_slow) {
                held.push(reader);
            } else {
                review.resume.push(reader);
            }
        }
        self.paused = held;
        review
    }
}
