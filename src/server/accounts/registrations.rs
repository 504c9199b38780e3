//! How many names one address may register in an hour (`natterd
//! --max-registrations-per-hour`): without a limit one address could
//! register thousands of names a minute, squatting them and growing the
//! database. Each address keeps the times of its registrations within
//! the last hour; the map is bounded like the guessing counts.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::guesses::MAX_TRACKED;
use crate::addresses::address_of;

const HOUR: Duration = Duration::from_secs(3600);

/// Registrations per address in the last hour.
pub struct Registrations {
    per_hour: usize,
    map: HashMap<IpAddr, VecDeque<Instant>>,
}

impl Registrations {
    /// At most `per_hour` registrations an hour from one address; 0: no limit.
    pub fn new(per_hour: usize) -> Self {
        Registrations { per_hour, map: HashMap::new() }
    }

    /// How long `ip` must wait before it may register again, in whole
    /// minutes (at least 1); `None` if it may now.
    pub fn wait(&self, ip: IpAddr, now: Instant) -> Option<u64> {
        if self.per_hour == 0 {
            return None;
        }
        let times = self.map.get(&address_of(ip))?;
        let recent: Vec<&Instant> = times.iter().filter(|t| now.duration_since(**t) < HOUR).collect();
        if recent.len() < self.per_hour {
            return None;
        }
        // Free again when the oldest of the last `per_hour` is an hour old.
        let oldest = recent[recent.len() - self.per_hour];
        let left = HOUR.saturating_sub(now.duration_since(*oldest));
        Some(left.as_secs().div_ceil(60).max(1))
    }

    /// `ip` registered a name at `now`.
    pub fn registered(&mut self, ip: IpAddr, now: Instant) {
        if self.per_hour == 0 {
            return;
        }
        let key = address_of(ip);
        if !self.map.contains_key(&key) && self.map.len() >= MAX_TRACKED {
            self.map.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < HOUR));
            if self.map.len() >= MAX_TRACKED {
                let oldest = self.map.iter().min_by_key(|(_, times)| times.back().copied()).map(|(k, _)| *k);
                if let Some(oldest) = oldest {
                    self.map.remove(&oldest);
                }
            }
        }
        let times = self.map.entry(key).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= HOUR) {
            times.pop_front();
        }
        times.push_back(now);
        // Only the newest `per_hour` can matter.
        while times.len() > self.per_hour {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));

    #[test]
    fn the_limit_holds_for_an_hour_per_address() {
        let mut r = Registrations::new(3);
        let t = Instant::now();
        for i in 0..3 {
            assert_eq!(r.wait(A, t + Duration::from_secs(i)), None);
            r.registered(A, t + Duration::from_secs(i * 60));
        }
        let now = t + Duration::from_secs(180);
        // The first of the three is an hour old at t + 60 min.
        assert_eq!(r.wait(A, now), Some(57));
        assert_eq!(r.wait(B, now), None, "another address is not held back");
        assert_eq!(r.wait(A, t + HOUR), None);
    }

    #[test]
    fn an_ipv6_host_counts_by_its_64_and_zero_means_no_limit() {
        let mut r = Registrations::new(1);
        let t = Instant::now();
        r.registered("2001:db8::1".parse().unwrap(), t);
        assert!(r.wait("2001:db8::ffff".parse().unwrap(), t).is_some());
        assert!(r.wait("2001:db8:0:1::1".parse().unwrap(), t).is_none());
        let mut off = Registrations::new(0);
        for _ in 0..100 {
            off.registered(A, t);
        }
        assert_eq!(off.wait(A, t), None);
    }
}
