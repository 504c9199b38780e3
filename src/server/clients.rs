//! All open connections, and the lists the event loop works from after
//! each batch of events: sockets with output to flush, connections to
//! close, and congested connections that hold back the senders.
//!
//! Nothing is removed from the slab while a message fans out: `close` only
//! marks and lists, so keys stay valid until the loop reaps them.

use std::time::Instant;

use log::warn;
use slab::Slab;

use crate::connection::Connection;

/// The slab of connections plus the deferred work on them.
pub struct Clients {
    pub slab: Slab<Connection>,
    /// Keys with freshly queued output, each listed once.
    pub dirty: Vec<usize>,
    /// Keys marked closing, each listed once.
    pub closing: Vec<usize>,
    /// Bytes queued since the event loop last looked, to notice busy spells.
    pub queued: usize,
    /// Keys whose pending output passed the congestion mark, each listed once.
    pub congested: Vec<usize>,
    /// Per-connection output cap in bytes.
    max_queue: usize,
}

impl Clients {
    pub fn new(max_queue: usize) -> Self {
        Clients {
            slab: Slab::new(),
            dirty: Vec::new(),
            closing: Vec::new(),
            congested: Vec::new(),
            queued: 0,
            max_queue,
        }
    }

    /// Queues `bytes` for `key`. A client that cannot take them within the
    /// cap is closed as too slow; nobody else waits for it.
    pub fn send(&mut self, key: usize, bytes: &[u8]) {
        let mark = self.congestion_mark();
        let Some(conn) = self.slab.get_mut(key) else { return };
        if conn.closing.is_some() {
            return;
        }
        self.queued += bytes.len();
        if !conn.queue(bytes, self.max_queue) {
            warn!(
                "dropping {} ({}): {} bytes of output pending",
                conn.name().unwrap_or("unnamed client"),
                conn.peer,
                conn.pending_output()
            );
            self.close(key, "too slow");
            return;
        }
        if !conn.dirty {
            conn.dirty = true;
            self.dirty.push(key);
        }
        if conn.congested_since.is_none() && conn.pending_output() > mark {
            // The stall clock starts now, not at the last write, which may
            // be long ago for a client that simply had nothing to receive.
            let now = Instant::now();
            conn.congested_since = Some(now);
            conn.last_progress = now;
            self.congested.push(key);
        }
    }

    /// Lists `key` for a flush this turn.
    pub fn mark_dirty(&mut self, key: usize) {
        if let Some(conn) = self.slab.get_mut(key) {
            if !conn.dirty {
                conn.dirty = true;
                self.dirty.push(key);
            }
        }
    }

    /// Pending output past which a client holds back the senders.
    pub fn congestion_mark(&self) -> usize {
        self.max_queue / 2
    }

    /// Marks `key` for closing with the reason the others will see.
    /// Closing twice is harmless; the first reason wins.
    pub fn close(&mut self, key: usize, reason: &str) {
        if let Some(conn) = self.slab.get_mut(key) {
            if conn.closing.is_none() {
                conn.closing = Some(reason.to_owned());
                self.closing.push(key);
            }
        }
    }
}
