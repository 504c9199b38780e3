//! Per-address state: open connections, the shared flood budget and the
//! connect rate, which all belong to the address rather than to one
//! connection, so reconnecting resets nothing.
//!
//! An address is an IPv4 address or an IPv6 /64 (what one IPv6 host or home
//! network gets). Its entry outlives its connections for as long as it
//! remembers anything a fresh entry would not: a bucket that is not full
//! again. Idle, refilled entries are swept away when the map has doubled
//! since the last sweep, and the map never holds more than `cap` entries:
//! past it, the idle entries with the fullest buckets go first.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::time::Instant;

use crate::flood::{FloodLimit, TokenBucket};

/// The connect bucket counts in sixtieths of a connect, so that a
/// per-minute rate refills in whole units per second.
const CONNECT_COST: f64 = 60.0;
/// Entries at which the first sweep runs.
const FIRST_SWEEP: usize = 1024;

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `--max-per-ip` connections are open already.
    TooMany,
    /// Over `--max-connects-per-ip` new connections a minute.
    TooFast,
}

/// The per-address limits, from the options; 0 turns each off.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_open: usize,
    pub flood: FloodLimit,
    pub connects_per_minute: u32,
}

#[derive(Debug)]
struct Entry {
    open: usize,
    flood: TokenBucket,
    connects: TokenBucket,
}

/// Every address natterd currently remembers.
pub struct Addresses {
    map: HashMap<IpAddr, Entry>,
    limits: Limits,
    /// The connect bucket's setting, in sixtieths of a connect.
    connects: FloodLimit,
    cap: usize,
    sweep_at: usize,
}

/// The address `ip` counts under: IPv4 as is, IPv6 by its /64.
pub fn address_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

impl Addresses {
    /// An empty map holding at most `cap` entries (at least the most
    /// connections that can be open, so an open one is never forgotten).
    pub fn new(limits: Limits, cap: usize) -> Self {
        let per_minute = limits.connects_per_minute;
        let connects = FloodLimit { rate: per_minute, burst: per_minute.saturating_mul(CONNECT_COST as u32) };
        Addresses { map: HashMap::new(), limits, connects, cap: cap.max(FIRST_SWEEP), sweep_at: FIRST_SWEEP }
    }

    /// Counts a new connection from `ip`, or says why it is refused.
    pub fn admit(&mut self, ip: IpAddr, now: Instant) -> Result<(), Refusal> {
        if self.map.len() >= self.sweep_at {
            self.sweep(now);
        }
        let (max_open, connects) = (self.limits.max_open, self.connects);
        let entry = self.entry(ip, now);
        if max_open > 0 && entry.open >= max_open {
            return Err(Refusal::TooMany);
        }
        if connects.rate > 0 && !entry.connects.try_spend(connects, CONNECT_COST, now) {
            return Err(Refusal::TooFast);
        }
        entry.open += 1;
        Ok(())
    }

    /// A connection from `ip` closed; its address keeps its budget.
    pub fn release(&mut self, ip: IpAddr) {
        if let Some(entry) = self.map.get_mut(&address_of(ip)) {
            entry.open = entry.open.saturating_sub(1);
        }
    }

    /// Takes a line's token from `ip`'s budget (see [`TokenBucket::take`]).
    pub fn take_token(&mut self, ip: IpAddr, now: Instant) -> Result<(), Instant> {
        let flood = self.limits.flood;
        if flood.rate == 0 {
            return Ok(());
        }
        self.entry(ip, now).flood.take(flood, now)
    }

    /// Charges `extra` tokens to `ip`'s budget.
    pub fn charge(&mut self, ip: IpAddr, extra: u32, now: Instant) {
        let flood = self.limits.flood;
        if flood.rate > 0 && extra > 0 {
            self.entry(ip, now).flood.charge(flood, extra, now);
        }
    }

    fn entry(&mut self, ip: IpAddr, now: Instant) -> &mut Entry {
        let (flood, connects) = (self.limits.flood, self.connects);
        self.map.entry(address_of(ip)).or_insert_with(|| Entry {
            open: 0,
            flood: TokenBucket::new(flood, now),
            connects: TokenBucket::new(connects, now),
        })
    }

    /// Forgets what a fresh entry would know anyway, then, if still at the
    /// cap, the idle entries that owe least.
    fn sweep(&mut self, now: Instant) {
        let (flood, connects) = (self.limits.flood, self.connects);
        self.map.retain(|_, e| e.open > 0 || !e.flood.is_full(flood, now) || !e.connects.is_full(connects, now));
        if self.map.len() >= self.cap {
            let mut idle: Vec<(f64, IpAddr)> =
                self.map.iter().filter(|(_, e)| e.open == 0).map(|(ip, e)| (e.flood.level(), *ip)).collect();
            idle.sort_by(|a, b| b.0.total_cmp(&a.0));
            let excess = self.map.len() - self.cap * 3 / 4;
            for (_, ip) in idle.into_iter().take(excess) {
                self.map.remove(&ip);
            }
        }
        self.sweep_at = (self.map.len() * 2).clamp(FIRST_SWEEP, self.cap);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limits(max_open: usize, rate: u32, burst: u32, per_minute: u32) -> Limits {
        Limits { max_open, flood: FloodLimit { rate, burst }, connects_per_minute: per_minute }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(address_of(ip("2001:db8:1:2:aaaa::1")), address_of(ip("2001:db8:1:2:bbbb::9")));
        assert_ne!(address_of(ip("2001:db8:1:2::1")), address_of(ip("2001:db8:1:3::1")));
        assert_eq!(address_of(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
    }

    #[test]
    fn the_budget_is_shared_and_outlives_the_connections() {
        let t0 = Instant::now();
        let mut a = Addresses::new(limits(0, 10, 3, 0), 0);
        let me = ip("10.0.0.1");
        for _ in 0..3 {
            a.admit(me, t0).expect("no connection limits");
            assert!(a.take_token(me, t0).is_ok());
            a.release(me);
        }
        // A fourth connection finds the budget spent by the first three.
        a.admit(me, t0).expect("admitted");
        assert!(a.take_token(me, t0).is_err());
        // Someone else is not affected.
        assert!(a.take_token(ip("10.0.0.2"), t0).is_ok());
        a.charge(me, 5, t0);
        assert!(a.take_token(me, t0 + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn open_connections_and_connect_rate_are_limited() {
        let t0 = Instant::now();
        let mut a = Addresses::new(limits(2, 0, 0, 3), 0);
        let me = ip("10.0.0.1");
        assert_eq!(a.admit(me, t0), Ok(()));
        assert_eq!(a.admit(me, t0), Ok(()));
        assert_eq!(a.admit(me, t0), Err(Refusal::TooMany));
        a.release(me);
        assert_eq!(a.admit(me, t0), Ok(()));
        a.release(me);
        // Three connects a minute, all used: the next waits 20 s.
        assert_eq!(a.admit(me, t0), Err(Refusal::TooFast));
        assert_eq!(a.admit(me, t0 + Duration::from_secs(19)), Err(Refusal::TooFast));
        assert_eq!(a.admit(me, t0 + Duration::from_secs(20)), Ok(()));
    }

    #[test]
    fn the_map_stays_bounded_and_forgets_only_refilled_or_idle_entries() {
        let t0 = Instant::now();
        let mut a = Addresses::new(limits(0, 10, 1, 0), 2048);
        for i in 0..10_000u32 {
            let peer = IpAddr::from(i.to_be_bytes());
            a.admit(peer, t0).expect("admitted");
            let _ = a.take_token(peer, t0);
            a.release(peer);
            assert!(a.map.len() <= 2048, "{} entries", a.map.len());
        }
        // Once refilled, idle entries are swept away on the next admits.
        let later = t0 + Duration::from_secs(1);
        for i in 0..FIRST_SWEEP as u32 {
            a.admit(IpAddr::from((i + 20_000).to_be_bytes()), later).expect("admitted");
        }
        assert!(a.map.len() <= 2 * FIRST_SWEEP, "{} entries", a.map.len());
    }
}
