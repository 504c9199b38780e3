//! Progress lines on stderr for the long phases, at most one every two
//! seconds, so a 10,000-client setup or a long fan-out visibly moves while
//! stdout keeps only the tables.

use std::time::{Duration, Instant};

/// Rate-limited progress reporting for one phase.
pub struct Progress {
    label: String,
    last: Instant,
    every: Duration,
}

impl Progress {
    pub fn new(label: impl Into<String>) -> Progress {
        Progress { label: label.into(), last: Instant::now(), every: Duration::from_secs(2) }
    }

    /// Prints `what()` if the last line is old enough.
    pub fn tick(&mut self, what: impl FnOnce() -> String) {
        if self.last.elapsed() >= self.every {
            self.last = Instant::now();
            eprintln!("    {}: {}", self.label, what());
        }
    }
}
