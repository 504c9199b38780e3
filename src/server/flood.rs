//! Flood control: a token bucket of lines, one per address (see
//! [`Addresses`](crate::addresses::Addresses)), shared by all of the
//! address's connections.
//!
//! A client over its rate is slowed down, never cut off: the event loop
//! stops taking its lines (and stops reading its socket, so TCP pushes
//! back) until its turn comes. Nothing it sent is lost. A client that finds
//! the bucket empty reserves the next token rather than racing the others
//! for it: the balance goes below zero and the client's line waits until
//! the balance is back at zero. So the connections of one address take
//! turns in the order they ran out, and none can starve another.
//!
//! A private message costs one more token per [`PRIVATE_BYTES_PER_TOKEN`]
//! bytes of text, charged after it was sent: its bytes land in one
//! reader's queue, which the line count alone would not bound.

use std::time::{Duration, Instant};

/// Text bytes of a private message that cost one extra token.
pub const PRIVATE_BYTES_PER_TOKEN: usize = 512;

/// Longest wait the debt may build up to, in seconds of refill: so that
/// extra charges never hold an address back for more than a minute.
const MAX_DEBT_SECS: f64 = 60.0;

/// Lines an address may send: `burst` at once, then `rate` per second.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    /// Below zero while tokens are reserved or owed.
    tokens: f64,
    last: Instant,
}

/// A bucket setting; `rate == 0` turns it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodLimit {
    pub rate: u32,
    pub burst: u32,
}

impl FloodLimit {
    fn capacity(self) -> f64 {
        f64::from(self.burst.max(1))
    }
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(limit: FloodLimit, now: Instant) -> Self {
        TokenBucket { tokens: limit.capacity(), last: now }
    }

    fn refill(&mut self, limit: FloodLimit, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * f64::from(limit.rate)).min(limit.capacity());
        self.last = now;
    }

    /// Takes one line's token. `Err(when)`: the token is reserved and may
    /// be used at `when`; the caller must not take another for that line.
    pub fn take(&mut self, limit: FloodLimit, now: Instant) -> Result<(), Instant> {
        if limit.rate == 0 {
            return Ok(());
        }
        self.refill(limit, now);
        let had = self.tokens;
        self.tokens = (self.tokens - 1.0).max(-self.max_debt(limit));
        if had >= 1.0 {
            return Ok(());
        }
        Err(self.last + Duration::from_secs_f64(-self.tokens / f64::from(limit.rate)))
    }

    /// Spends `cost` tokens if there are that many; never goes into debt.
    pub fn try_spend(&mut self, limit: FloodLimit, cost: f64, now: Instant) -> bool {
        self.refill(limit, now);
        if self.tokens < cost {
            return false;
        }
        self.tokens -= cost;
        true
    }

    /// Charges `extra` tokens for what a line turned out to cost.
    pub fn charge(&mut self, limit: FloodLimit, extra: u32, now: Instant) {
        if limit.rate == 0 || extra == 0 {
            return;
        }
        self.refill(limit, now);
        self.tokens = (self.tokens - f64::from(extra)).max(-self.max_debt(limit));
    }

    fn max_debt(&self, limit: FloodLimit) -> f64 {
        f64::from(limit.rate) * MAX_DEBT_SECS
    }

    /// Whether the bucket is as full as a fresh one, so forgetting it
    /// loses nothing.
    pub fn is_full(&self, limit: FloodLimit, now: Instant) -> bool {
        if limit.rate == 0 {
            return true;
        }
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens + elapsed * f64::from(limit.rate) >= limit.capacity()
    }

    /// Tokens left now (negative while reserved or owed), for sorting.
    pub fn level(&self) -> f64 {
        self.tokens
    }
}

/// Extra tokens a private message of `text_len` bytes costs.
pub fn private_message_cost(text_len: usize) -> u32 {
    u32::try_from(text_len / PRIVATE_BYTES_PER_TOKEN).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_rate() {
        let limit = FloodLimit { rate: 10, burst: 3 };
        let t0 = Instant::now();
        let mut b = TokenBucket::new(limit, t0);
        assert!((0..3).all(|_| b.take(limit, t0).is_ok()));
        let ready = b.take(limit, t0).expect_err("the fourth line waits");
        assert_eq!(ready.duration_since(t0).as_millis(), 100);
        // The next one queues behind the reserved token.
        let second = b.take(limit, t0 + Duration::from_millis(50)).expect_err("reserved");
        assert_eq!(second.duration_since(t0).as_millis(), 200);
        assert!(b.take(limit, t0 + Duration::from_millis(500)).is_ok());
    }

    #[test]
    fn reservations_take_turns() {
        // Two connections of one address, out of tokens: each gets the
        // next free slot in turn, so neither starves the other.
        let limit = FloodLimit { rate: 100, burst: 1 };
        let t0 = Instant::now();
        let mut b = TokenBucket::new(limit, t0);
        assert!(b.take(limit, t0).is_ok());
        let a = b.take(limit, t0).expect_err("a waits");
        let c = b.take(limit, t0).expect_err("c waits");
        assert!(a < c);
        assert_eq!((c - a).as_millis(), 10);
    }

    #[test]
    fn never_more_than_burst() {
        let limit = FloodLimit { rate: 1000, burst: 2 };
        let t0 = Instant::now();
        let mut b = TokenBucket::new(limit, t0);
        let later = t0 + Duration::from_secs(60);
        assert!(b.take(limit, later).is_ok() && b.take(limit, later).is_ok());
        assert!(b.take(limit, later).is_err());
    }

    #[test]
    fn charges_delay_later_lines_and_the_debt_is_bounded() {
        let limit = FloodLimit { rate: 10, burst: 5 };
        let t0 = Instant::now();
        let mut b = TokenBucket::new(limit, t0);
        assert!(b.take(limit, t0).is_ok());
        b.charge(limit, private_message_cost(4000), t0);
        let wait = b.take(limit, t0).expect_err("owes tokens");
        assert_eq!(wait.duration_since(t0).as_millis(), 400);
        b.charge(limit, u32::MAX, t0);
        let wait = b.take(limit, t0).expect_err("deep in debt");
        assert!(wait.duration_since(t0) <= Duration::from_secs(60));
        assert!(!b.is_full(limit, t0 + Duration::from_secs(60)));
        assert!(b.is_full(limit, t0 + Duration::from_secs(61)));
    }

    #[test]
    fn rate_zero_is_off() {
        let limit = FloodLimit { rate: 0, burst: 0 };
        let t0 = Instant::now();
        let mut b = TokenBucket::new(limit, t0);
        assert!((0..10_000).all(|_| b.take(limit, t0).is_ok()));
        assert!(b.is_full(limit, t0));
    }
}
