//! The connection pool: every open client's [`Session`] by slab key, and
//! the lists the event loop works from after each batch of events: sessions
//! with output to flush and sessions to close.
//!
//! Nothing is removed from the slab while a message fans out: `close` only
//! marks and lists, so keys stay valid until the loop reaps them. Work
//! deferred past the current turn (timers, paused reads) names a session by
//! [`Handle`], which stops matching once the key is reused.

use std::time::Instant;

use log::warn;
use slab::Slab;

use crate::budget::{self, OutputBudget};
use crate::congestion::Congestion;
use crate::session::{Leaving, Session};

/// A session named across turns: its slab key plus its connection id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Handle {
    key: usize,
    id: u64,
}

impl Handle {
    /// The handle of the session with `id` at `key`.
    pub fn new(key: usize, id: u64) -> Self {
        Handle { key, id }
    }

    /// The slab key, valid only while the session is live.
    pub fn key(self) -> usize {
        self.key
    }

    /// The session this handle names, if it is still the one at its key.
    pub fn find(self, sessions: &Slab<Session>) -> Option<&Session> {
        sessions.get(self.key).filter(|s| s.id() == self.id)
    }

    /// [`Handle::find`], mutable.
    pub fn find_mut(self, sessions: &mut Slab<Session>) -> Option<&mut Session> {
        sessions.get_mut(self.key).filter(|s| s.id() == self.id)
    }
}

/// The slab of sessions plus the deferred work on them.
pub struct Pool {
    sessions: Slab<Session>,
    /// Keys with freshly queued output, each listed once.
    dirty: Vec<usize>,
    /// Keys marked closing, each listed once.
    closing: Vec<usize>,
    /// Bytes queued since the event loop last looked, to notice busy spells.
    queued: usize,
    /// Who is congested, and whose reads wait for them.
    pub congestion: Congestion,
    /// Per-session output cap in bytes.
    max_queue: usize,
    /// All sessions' queued output, against `--max-output-total`.
    budget: OutputBudget,
    last_id: u64,
}

impl Pool {
    /// An empty pool whose sessions may queue `max_queue` bytes each and
    /// `max_total` bytes all together.
    pub fn new(max_queue: usize, max_total: usize) -> Self {
        Pool {
            sessions: Slab::new(),
            dirty: Vec::new(),
            closing: Vec::new(),
            queued: 0,
            congestion: Congestion::new(max_queue),
            max_queue,
            budget: OutputBudget::new(max_total),
            last_id: 0,
        }
    }

    /// The key the next [`insert`](Self::insert) will use.
    pub fn vacant_key(&self) -> usize {
        self.sessions.vacant_key()
    }

    /// Adds a session under a fresh connection id.
    pub fn insert(&mut self, mut session: Session) -> Handle {
        self.last_id += 1;
        session.set_id(self.last_id);
        let id = self.last_id;
        Handle { key: self.sessions.insert(session), id }
    }

    /// Removes a session for good (the loop's reaping).
    pub fn remove(&mut self, key: usize) -> Option<Session> {
        self.sessions.try_remove(key)
    }

    /// Open sessions, closing ones included.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// The session at `key`, if open.
    pub fn get(&self, key: usize) -> Option<&Session> {
        self.sessions.get(key)
    }

    /// The session at `key`, if open.
    pub fn get_mut(&mut self, key: usize) -> Option<&mut Session> {
        self.sessions.get_mut(key)
    }

    /// The session `handle` names, if it is still open.
    pub fn live(&mut self, handle: Handle) -> Option<&mut Session> {
        handle.find_mut(&mut self.sessions)
    }

    /// Every session with its key.
    pub fn iter(&self) -> slab::Iter<'_, Session> {
        self.sessions.iter()
    }

    /// Every session with its key.
    pub fn iter_mut(&mut self) -> slab::IterMut<'_, Session> {
        self.sessions.iter_mut()
    }

    /// Every key, collected so the pool can be changed while walking them.
    pub fn keys(&self) -> Vec<usize> {
        self.sessions.iter().map(|(k, _)| k).collect()
    }

    /// Did `key` ask for stamped lines (`/stamps`)?
    pub fn wants_stamps(&self, key: usize) -> bool {
        self.sessions.get(key).is_some_and(Session::wants_stamps)
    }

    /// Queues `bytes` for `key`. A client that cannot take them within the
    /// cap is closed as too slow; nobody else waits for it.
    pub fn send(&mut self, key: usize, bytes: &[u8]) {
        let Some(session) = self.sessions.get_mut(key) else { return };
        if session.is_closing() {
            return;
        }
        if self.budget.is_spent() && budget::is_hoarding(session, Instant::now()) {
            // Over the output budget: a client that is not reading gets
            // no more memory; it goes, as it would at the turn's review.
            self.close(key, "too slow");
            return;
        }
        self.queued += bytes.len();
        let held = session.outbox().capacity();
        if !session.outbox_mut().queue(bytes, self.max_queue) {
            warn!(
                "dropping {} ({}): {} bytes of output pending",
                session.name().unwrap_or("unnamed client"),
                session.peer(),
                session.pending_output()
            );
            self.close(key, "too slow");
            return;
        }
        if session.mark_dirty() {
            self.dirty.push(key);
        }
        self.congestion.on_queued(key, session);
        self.budget.held(session.outbox().capacity().saturating_sub(held));
    }

    /// Whether all output buffers together hold more than the budget.
    pub fn budget_spent(&self) -> bool {
        self.budget.is_spent()
    }

    /// Once a turn: if the output budget is spent, drops the largest,
    /// longest-stalled queues as too slow.
    pub fn review_budget(&mut self) {
        if !self.budget.is_spent() {
            return;
        }
        let drop = self.budget.pick(&self.sessions, std::time::Instant::now());
        if !drop.is_empty() {
            warn!("output budget spent ({} bytes held): dropping {} stalled clients", self.budget.total(), drop.len());
        }
        for key in drop {
            self.close(key, "too slow");
        }
    }

    /// A flush gave `n` bytes of output buffer back.
    pub fn released(&mut self, n: usize) {
        self.budget.released(n);
    }

    /// Lists `key` for a flush this turn.
    pub fn mark_dirty(&mut self, key: usize) {
        if let Some(session) = self.sessions.get_mut(key) {
            if session.mark_dirty() {
                self.dirty.push(key);
            }
        }
    }

    /// The keys to flush this turn, each cleared of its mark.
    pub fn take_dirty(&mut self) -> Vec<usize> {
        let dirty = std::mem::take(&mut self.dirty);
        for &key in &dirty {
            if let Some(session) = self.sessions.get_mut(key) {
                session.clear_dirty();
            }
        }
        dirty
    }

    /// Marks `key` for closing with one of the server's reasons, which the
    /// others read as `*** NAME quit [REASON]`. Closing twice is harmless;
    /// the first reason wins.
    pub fn close(&mut self, key: usize, reason: &'static str) {
        self.leave(key, Leaving::Server(reason));
    }

    /// Marks `key` for closing at its own word: `/quit REASON` or a clean
    /// close (empty reason), read as `*** NAME quit (REASON)`.
    pub fn quit(&mut self, key: usize, reason: &str) {
        self.leave(key, Leaving::User(reason.to_owned()));
    }

    fn leave(&mut self, key: usize, reason: Leaving) {
        if let Some(session) = self.sessions.get_mut(key) {
            if session.close(reason) {
                // A closing client's output no longer counts: it is
                // freed when the client is reaped, this turn.
                self.budget.released(session.outbox().capacity());
                self.closing.push(key);
            }
        }
    }

    /// The keys marked closing since the last call.
    pub fn take_closing(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.closing)
    }

    /// Whether sessions wait to be reaped.
    pub fn has_closing(&self) -> bool {
        !self.closing.is_empty()
    }

    /// Bytes queued since the last call.
    pub fn take_queued(&mut self) -> usize {
        std::mem::take(&mut self.queued)
    }

    /// Counts `n` bytes read from `key`, for the congestion policy.
    pub fn note_input(&mut self, key: usize, n: usize) {
        if let Some(session) = self.sessions.get_mut(key) {
            self.congestion.on_input(session, n);
        }
    }

    /// After `sender` sent a private message to `target`: if `target` is
    /// congested, `sender`'s input waits until it drains or is dropped.
    pub fn after_private(&mut self, sender: usize, target: usize) {
        let hold =
            self.sessions.get(target).filter(|t| t.congested_since().is_some()).map(|t| Handle::new(target, t.id()));
        if let Some(session) = self.sessions.get_mut(sender) {
            session.set_waits_for(hold);
        }
    }

    /// Whether `key`'s input must wait for someone's congestion; if so it
    /// is listed to be read again once the hold is over.
    pub fn hold_input(&mut self, key: usize) -> bool {
        let Some(session) = self.sessions.get(key) else { return false };
        if !self.congestion.holds(session, &self.sessions, &[]) {
            return false;
        }
        self.congestion.pause(Handle::new(key, session.id()));
        true
    }

    /// Applies the congestion rules: drops those that stopped reading or
    /// stayed congested too long; returns the held readers to resume.
    pub fn review_congestion(&mut self) -> Vec<Handle> {
        let review = self.congestion.review(&mut self.sessions);
        for key in review.too_slow {
            self.close(key, "too slow");
        }
        review.resume
    }
}
