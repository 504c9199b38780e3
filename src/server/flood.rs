//! Per-connection flood control: a token bucket of lines.
//!
//! A client over its rate is slowed down, never cut off: the event loop
//! stops taking its lines (and stops reading its socket, so TCP pushes
//! back) until the bucket has a token again. Nothing it sent is lost.

use std::time::{Duration, Instant};

/// Lines a client may send: `burst` at once, then `rate` per second.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    tokens: f64,
    last: Instant,
}

/// The server-wide flood setting; `rate == 0` turns control off.
#[derive(Debug, Clone, Copy)]
pub struct FloodLimit {
    pub rate: u32,
    pub burst: u32,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(limit: FloodLimit, now: Instant) -> Self {
        TokenBucket { tokens: f64::from(limit.burst.max(1)), last: now }
    }

    fn refill(&mut self, limit: FloodLimit, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * f64::from(limit.rate)).min(f64::from(limit.burst.max(1)));
        self.last = now;
    }

    /// Takes one line's token; `false` means wait until [`ready_at`](Self::ready_at).
    pub fn take(&mut self, limit: FloodLimit, now: Instant) -> bool {
        if limit.rate == 0 {
            return true;
        }
        self.refill(limit, now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// When the next token will be there.
    pub fn ready_at(&self, limit: FloodLimit) -> Instant {
        let missing = (1.0 - self.tokens).max(0.0);
        self.last + Duration::from_secs_f64(missing / f64::from(limit.rate.max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_rate() {
        let limit = FloodLimit { rate: 10, burst: 3 };
        let t0 = Instant::now();
        let mut b = TokenBucket::new(limit, t0);
        assert!((0..3).all(|_| b.take(limit, t0)));
        assert!(!b.take(limit, t0));
        let ready = b.ready_at(limit);
        assert_eq!(ready.duration_since(t0).as_millis(), 100);
        assert!(!b.take(limit, t0 + Duration::from_millis(50)));
        assert!(b.take(limit, ready));
    }

    #[test]
    fn never_more_than_burst() {
        let limit = FloodLimit { rate: 1000, burst: 2 };
        let t0 = Instant::now();
        let mut b = TokenBucket::new(limit, t0);
        let later = t0 + Duration::from_secs(60);
        assert!(b.take(limit, later) && b.take(limit, later));
        assert!(!b.take(limit, later));
    }

    #[test]
    fn rate_zero_is_off() {
        let limit = FloodLimit { rate: 0, burst: 0 };
        let t0 = Instant::now();
        let mut b = TokenBucket::new(limit, t0);
        assert!((0..10_000).all(|_| b.take(limit, t0)));
    }
}
