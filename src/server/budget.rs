//! The total output budget: how much queued output all clients together
//! may hold, and who is dropped first when it is spent.
//!
//! Each client's queue is capped (`--max-queue`), but a client that never
//! reads can hold just under the congestion mark forever without being
//! dropped; a thousand of them would pin half a gigabyte. natterd counts
//! the memory every output buffer holds (its capacity, as it is what the
//! process pays for, not only the bytes waiting), and once the total passes
//! `--max-output-total` it drops the worst offenders as too slow until the
//! total is back under half the budget, so one spell of
//! shedding buys room for a while. The worst offender has the most bytes
//! waiting for the longest time: its score is pending bytes times how long
//! since its output was last all written. A reader that drained its queue
//! in the last 50 ms is keeping up and never dropped for the budget, so
//! a busy room of readers lagging a little loses nobody (each one's cap
//! still holds). Output that merely moves is no sign of reading: the
//! kernel takes megabytes for a peer that never reads.
//! The budget is reviewed once a turn; in between, while it is spent, a
//! line for a stalled client drops that client instead of growing its
//! queue, so one line fanned out to thousands cannot overshoot it. Their memory goes back to the system
//! through `trim.rs` once they are reaped. Shaped like `congestion.rs`:
//! the pool asks, this module decides.

use std::time::{Duration, Instant};

use slab::Slab;

use crate::session::Session;

/// Longest stall that still raises a client's score: past it, only the
/// size of the queue decides.
const STALL_CAP: Duration = Duration::from_secs(10);
/// A client whose output was all written more recently than this is
/// keeping up and is never dropped for the budget (its own cap still
/// applies): a busy room of readers that lag a little must not lose
/// members.
const MIN_STALL: Duration = Duration::from_millis(50);

/// Has `session` had output waiting, never all written, for
/// [`MIN_STALL`] or more? Only such a client is dropped for the budget.
pub fn is_stalled(session: &Session, now: Instant) -> bool {
    session.pending_output() > 0 && now.saturating_duration_since(session.outbox().drained_at()) >= MIN_STALL
}

/// Output one stalled client may hold before, with the budget spent, a
/// further line drops it at once rather than at the turn's review: large
/// enough that a client idle until this turn's burst is not mistaken for
/// one that stopped reading.
const HOARD: usize = 64 * 1024;

/// Is `session` stalled with [`HOARD`] bytes or more waiting?
pub fn is_hoarding(session: &Session, now: Instant) -> bool {
    session.pending_output() >= HOARD && is_stalled(session, now)
}

/// Queued output of all clients, against the budget.
pub struct OutputBudget {
    /// Bytes held by the output buffers of the sessions not closing.
    total: usize,
    limit: usize,
}

impl OutputBudget {
    /// A budget of `limit` bytes, none used.
    pub fn new(limit: usize) -> Self {
        OutputBudget { total: 0, limit }
    }

    /// Bytes held by output buffers, all clients together.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Output buffers grew by `n` bytes.
    pub fn held(&mut self, n: usize) {
        self.total += n;
    }

    /// Output buffers gave `n` bytes back, or left with a closing client.
    pub fn released(&mut self, n: usize) {
        self.total = self.total.saturating_sub(n);
    }

    /// Whether the budget is spent.
    pub fn is_spent(&self) -> bool {
        self.total > self.limit
    }

    /// The clients to drop, worst first, to bring the total back under
    /// half the budget.
    pub fn pick(&self, sessions: &Slab<Session>, now: Instant) -> Vec<usize> {
        let mut worst: Vec<(u128, usize, usize)> = sessions
            .iter()
            .filter(|(_, s)| !s.is_closing() && is_stalled(s, now))
            .map(|(key, s)| (key, s, now.saturating_duration_since(s.outbox().drained_at())))
            .map(|(key, s, stalled)| {
                let stalled = stalled.min(STALL_CAP);
                let score = s.pending_output() as u128 * (stalled.as_millis() + 1);
                (score, key, s.outbox().capacity())
            })
            .collect();
        worst.sort_unstable_by_key(|w| std::cmp::Reverse(w.0));
        let goal = self.limit / 2;
        let mut total = self.total;
        let mut drop = Vec::new();
        for (_, key, held) in worst {
            if total <= goal {
                break;
            }
            total = total.saturating_sub(held);
            drop.push(key);
        }
        drop
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_spends() {
        let mut b = OutputBudget::new(100);
        b.held(80);
        assert!(!b.is_spent());
        b.held(30);
        assert!(b.is_spent());
        b.released(200);
        assert_eq!(b.total(), 0);
    }
}
