//! All open connections, and the two lists the event loop works from after
//! each batch of events: sockets with output to flush, and connections to
//! close.
//!
//! Nothing is removed from the slab while a message fans out: `close` only
//! marks and lists, so keys stay valid until the loop reaps them.

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
    /// Per-connection output cap in bytes.
    max_queue: usize,
}

impl Clients {
    pub fn new(max_queue: usize) -> Self {
        Clients { slab: Slab::new(), dirty: Vec::new(), closing: Vec::new(), max_queue }
    }

    /// Queues `bytes` for `key`. A client that cannot take them within the
    /// cap is closed as too slow; nobody else waits for it.
    pub fn send(&mut self, key: usize, bytes: &[u8]) {
        let Some(conn) = self.slab.get_mut(key) else { return };
        if conn.closing.is_some() {
            return;
        }
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
