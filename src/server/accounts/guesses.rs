//! Slowing down password guessing: failed logins are counted per account
//! and per address. Five failures within a minute are free; each one after
//! that blocks further attempts for twice as long as the last (5 s, 10 s,
//! 20 s, …), up to a cap: 10 minutes for an account, an hour for an
//! address. A quiet minute clears the count, so the real owner, from any
//! address, is never locked out for longer than the account's cap; a
//! correct password clears the account's count.
//!
//! Both maps are bounded: past [`MAX_TRACKED`] entries, stale ones are
//! swept, and if none is stale the oldest is dropped.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::addresses::address_of;

/// Failures allowed in a [`WINDOW`] before attempts are delayed.
const FREE_FAILURES: u32 = 5;
const WINDOW: Duration = Duration::from_secs(60);
const FIRST_DELAY: Duration = Duration::from_secs(5);
const ACCOUNT_CAP: Duration = Duration::from_secs(600);
const ADDRESS_CAP: Duration = Duration::from_secs(3600);
/// Accounts and addresses tracked at most (each).
pub const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Tally {
    failures: u32,
    last: Instant,
    blocked_until: Option<Instant>,
}

/// Failure counts for one kind of key.
struct Tallies<K> {
    map: HashMap<K, Tally>,
    cap: Duration,
}

impl<K: Hash + Eq + Clone> Tallies<K> {
    fn new(cap: Duration) -> Self {
        Tallies { map: HashMap::new(), cap }
    }

    /// How long `key` must still wait, if it must.
    fn wait(&self, key: &K, now: Instant) -> Option<Duration> {
        let until = self.map.get(key)?.blocked_until?;
        (until > now).then(|| until - now)
    }

    fn fail(&mut self, key: K, now: Instant) {
        if !self.map.contains_key(&key) && self.map.len() >= MAX_TRACKED {
            self.sweep(now);
        }
        let cap = self.cap;
        let tally = self.map.entry(key).or_insert(Tally { failures: 0, last: now, blocked_until: None });
        if now.duration_since(tally.last) > WINDOW && tally.blocked_until.is_none_or(|u| u <= now) {
            tally.failures = 0;
        }
        tally.failures += 1;
        tally.last = now;
        if tally.failures > FREE_FAILURES {
            let doublings = (tally.failures - FREE_FAILURES - 1).min(20);
            let delay = FIRST_DELAY.saturating_mul(1 << doublings).min(cap);
            tally.blocked_until = Some(now + delay);
        }
    }

    fn clear(&mut self, key: &K) {
        self.map.remove(key);
    }

    /// Drops what is stale; if nothing is, the least recent entry.
    fn sweep(&mut self, now: Instant) {
        self.map.retain(|_, t| now.duration_since(t.last) <= WINDOW || t.blocked_until.is_some_and(|u| u > now));
        if self.map.len() >= MAX_TRACKED {
            if let Some(oldest) = self.map.iter().min_by_key(|(_, t)| t.last).map(|(k, _)| k.clone()) {
                self.map.remove(&oldest);
            }
        }
    }
}

/// Failed logins per account (folded name) and per address.
pub struct Guesses {
    accounts: Tallies<String>,
    addresses: Tallies<IpAddr>,
}

impl Default for Guesses {
    fn default() -> Self {
        Guesses { accounts: Tallies::new(ACCOUNT_CAP), addresses: Tallies::new(ADDRESS_CAP) }
    }
}

impl Guesses {
    /// How long a login to `account` from `ip` must wait, in whole
    /// seconds (at least 1); `None` if it may go ahead.
    pub fn wait(&self, account: &str, ip: IpAddr, now: Instant) -> Option<u64> {
        let account = self.accounts.wait(&account.to_owned(), now);
        let address = self.addresses.wait(&address_of(ip), now);
        account.max(address).map(|d| d.as_secs_f64().ceil().max(1.0) as u64)
    }

    pub fn failed(&mut self, account: &str, ip: IpAddr, now: Instant) {
        self.accounts.fail(account.to_owned(), now);
        self.addresses.fail(address_of(ip), now);
    }

    /// The right password: the account's count starts again (the
    /// address's stays, or one could guess other accounts between logins
    /// to one's own).
    pub fn succeeded(&mut self, account: &str) {
        self.accounts.clear(&account.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));

    #[test]
    fn five_free_then_a_growing_delay_capped_per_account() {
        let mut g = Guesses::default();
        let t = Instant::now();
        for _ in 0..5 {
            assert_eq!(g.wait("alice", A, t), None);
            g.failed("alice", A, t);
        }
        assert_eq!(g.wait("alice", A, t), None);
        g.failed("alice", A, t);
        assert_eq!(g.wait("alice", A, t), Some(5));
        // The account is held from everywhere, and so is the address for
        // every account.
        assert_eq!(g.wait("alice", B, t), Some(5));
        assert_eq!(g.wait("bob", A, t), Some(5));
        assert_eq!(g.wait("bob", B, t), None);
        let t = t + Duration::from_secs(5);
        g.failed("alice", B, t);
        assert_eq!(g.wait("alice", B, t), Some(10));
        let mut now = t;
        for _ in 0..30 {
            now += Duration::from_secs(3600);
            g.failed("alice", B, now);
        }
        // A quiet minute after a block clears the count... but these came
        // every hour, each after the block ended: the count restarted.
        assert_eq!(g.wait("alice", B, now), None);
    }

    #[test]
    fn a_persistent_guesser_is_capped_and_the_owner_gets_in() {
        let mut g = Guesses::default();
        let mut now = Instant::now();
        for _ in 0..40 {
            g.failed("alice", A, now);
        }
        assert_eq!(g.wait("alice", B, now), Some(600));
        assert_eq!(g.wait("carol", A, now), Some(3600));
        now += Duration::from_secs(601);
        assert_eq!(g.wait("alice", B, now), None);
        g.succeeded("alice");
        assert_eq!(g.wait("alice", B, now), None);
        assert_eq!(g.wait("carol", A, now), Some(2999));
    }

    #[test]
    fn ipv6_counts_by_prefix() {
        let mut g = Guesses::default();
        let now = Instant::now();
        for i in 0..6u16 {
            let ip = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, i, 0, 0, i));
            g.failed(&format!("user{i}"), ip, now);
        }
        let other = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 9, 9, 9, 9));
        assert_eq!(g.wait("dave", other, now), Some(5));
    }

    #[test]
    fn tracking_is_bounded() {
        let mut g = Guesses::default();
        let now = Instant::now();
        for i in 0..(MAX_TRACKED + 50) {
            g.failed(&format!("u{i}"), A, now);
        }
        assert!(g.accounts.map.len() <= MAX_TRACKED);
    }
}
