//! When to try again after the server went away.
//!
//! Delays double from one second up to half a minute: 1 s, 2 s, 4 s, 8 s,
//! 16 s, 30 s, 30 s … A successful rejoin starts the sequence over.

use std::time::Duration;

/// The first delay.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);
/// The longest delay.
pub const MAX_DELAY: Duration = Duration::from_secs(30);

/// The reconnect schedule of one window.
#[derive(Debug, Default, Clone)]
pub struct Backoff {
    attempts: u32,
}

impl Backoff {
    /// A schedule that starts at [`FIRST_DELAY`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The wait before the next attempt; each call moves the schedule on.
    pub fn next_delay(&mut self) -> Duration {
        let doubled = FIRST_DELAY.saturating_mul(1u32 << self.attempts.min(16));
        self.attempts = self.attempts.saturating_add(1);
        doubled.min(MAX_DELAY)
    }

    /// How many attempts have been scheduled since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Starts over, after a successful join.
    pub fn reset(&mut self) {
        self.attempts = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_thirty_seconds() {
        let mut b = Backoff::new();
        let secs: Vec<u64> = (0..8).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(b.attempts(), 8);
    }

    #[test]
    fn reset_starts_over_and_many_attempts_do_not_overflow() {
        let mut b = Backoff::new();
        for _ in 0..100 {
            assert!(b.next_delay() <= MAX_DELAY);
        }
        b.reset();
        assert_eq!(b.next_delay(), FIRST_DELAY);
    }
}
