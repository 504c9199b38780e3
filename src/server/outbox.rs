//! One client's pending output: bytes queued for the socket, written as the
//! socket takes them.
//!
//! Output is only ever appended here and consumed from the front, never by
//! blocking. The buffer is given back when drained and compacted when a
//! lagging reader would otherwise keep all the traffic it was ever sent.

use std::time::Instant;

/// Written bytes kept at the front of the output buffer before it is compacted.
const COMPACT_AFTER: usize = 64 * 1024;

/// Bytes waiting to be written, and when writing last made progress.
#[derive(Debug)]
pub struct Outbox {
    /// Bytes queued for the socket; `pos` of them are already written.
    buf: Vec<u8>,
    pos: usize,
    /// When the last write made progress; a congested client whose output
    /// stops moving has stopped reading.
    last_progress: Instant,
    /// When everything queued was last written: a reader that keeps up
    /// drains often, one that does not read never does, however long the
    /// kernel keeps taking bytes for it.
    drained_at: Instant,
}

impl Outbox {
    /// An empty outbox; `now` counts as the last progress.
    pub fn new(now: Instant) -> Self {
        Outbox { buf: Vec::new(), pos: 0, last_progress: now, drained_at: now }
    }

    /// Bytes waiting to be written.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Bytes the buffer holds room for, for the heap trimming.
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// The unwritten bytes.
    pub fn unwritten(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Appends `bytes` unless that would pass `cap`; `false` means the
    /// client is too slow and should be dropped.
    pub fn queue(&mut self, bytes: &[u8], cap: usize) -> bool {
        if self.pending() + bytes.len() > cap {
            return false;
        }
        self.buf.extend_from_slice(bytes);
        true
    }

    /// Marks `n` bytes as taken by rustls, which buffers them itself.
    pub fn consumed(&mut self, n: usize) {
        self.pos += n;
    }

    /// Marks `n` bytes as written to the socket: progress.
    pub fn written(&mut self, n: usize) {
        self.pos += n;
        self.progress(Instant::now());
    }

    /// Records that output moved (TLS records went out).
    pub fn progress(&mut self, now: Instant) {
        self.last_progress = now;
    }

    /// When output last moved.
    pub fn last_progress(&self) -> Instant {
        self.last_progress
    }

    /// When everything queued was last written.
    pub fn drained_at(&self) -> Instant {
        self.drained_at
    }

    /// After a flush: frees a drained buffer, compacts a lagging one.
    pub fn tidy(&mut self) {
        if self.pos == self.buf.len() {
            // The write that drained it was the last progress.
            self.drained_at = self.last_progress;
            // Drained: give the memory back. Idle clients then cost no
            // output buffer at all; a busy one allocates once per turn,
            // not once per line.
            self.buf = Vec::new();
            self.pos = 0;
        } else if self.pos >= COMPACT_AFTER && self.pos * 2 >= self.buf.len() {
            // Drop what is written, so a reader that always lags a little
            // holds only its backlog, never all the traffic it was sent.
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }

    /// Everything unwritten, as if written (for in-process tests).
    #[cfg(test)]
    pub fn take_all(&mut self) -> Vec<u8> {
        let out = self.unwritten().to_vec();
        self.buf.clear();
        self.pos = 0;
        out
    }
}
