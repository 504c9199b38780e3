//! Who may moderate which room, and what they have set: bans, mutes,
//! operators and modes, held in memory (they are few and checked on every
//! join and line) and written through to the store by the commands.
//!
//! Server operators (`--admin NAME`) are operators everywhere; a room's
//! operators are its registered creator and whoever was given `/op`. Only
//! a session logged in to the account counts. Bans in the default room
//! are server-wide. Expiry is checked lazily, when a ban or mute is looked
//! at, so no timer runs per ban.

pub mod target;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use std::time::SystemTime;

use natter::protocol::fold_name;

use crate::store::{Ban, Moderated, Modes, Mute};
use target::Target;

/// Most bans one room (or the server) holds.
pub const MAX_BANS: usize = 1000;

/// Seconds since the epoch, now: bans outlive restarts, so wall time.
pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Seconds left until `until` (`None`: permanent), at least one.
pub fn left(until: Option<i64>, now: i64) -> Option<u64> {
    until.map(|u| u.saturating_sub(now).max(1) as u64)
}

fn live(until: Option<i64>, now: i64) -> bool {
    until.is_none_or(|u| u > now)
}

/// One room's moderation state.
#[derive(Debug, Default)]
pub struct RoomRules {
    pub ops: BTreeSet<String>,
    pub bans: Vec<Ban>,
    /// Folded name to when the mute ends.
    pub mutes: HashMap<String, Option<i64>>,
    pub modes: Modes,
}

/// Moderation as the event loop holds it.
#[derive(Debug, Default)]
pub struct Moderation {
    admins: HashSet<String>,
    rooms: HashMap<String, RoomRules>,
}

impl Moderation {
    /// Starts from the `--admin` names and what the store held.
    pub fn load(admins: &[String], stored: Moderated) -> Self {
        let mut m = Moderation { admins: admins.iter().map(|a| fold_name(a)).collect(), rooms: HashMap::new() };
        for ban in stored.bans {
            m.rules_mut(&ban.room.clone()).bans.push(ban);
        }
        for Mute { room, name, until } in stored.mutes {
            m.rules_mut(&room).mutes.insert(name, until);
        }
        for (room, name) in stored.ops {
            m.rules_mut(&room).ops.insert(name);
        }
        for (room, modes) in stored.modes {
            m.rules_mut(&room).modes = modes;
        }
        m
    }

    pub fn rules(&self, room: &str) -> Option<&RoomRules> {
        self.rooms.get(room)
    }

    pub fn rules_mut(&mut self, room: &str) -> &mut RoomRules {
        self.rooms.entry(room.to_owned()).or_default()
    }

    /// Whether the account `account` (folded; `None`: not logged in) is an
    /// operator of `room`.
    pub fn is_op(&self, room: &str, account: Option<&str>) -> bool {
        let Some(account) = account else { return false };
        self.admins.contains(account) || self.rooms.get(room).is_some_and(|r| r.ops.contains(account))
    }

    /// Whether `room` has operators of its own.
    pub fn has_ops(&self, room: &str) -> bool {
        self.rooms.get(room).is_some_and(|r| !r.ops.is_empty())
    }

    /// The live ban in `room` covering `name` (folded) at `ip`, if any.
    pub fn ban_for(&self, room: &str, name: Option<&str>, ip: IpAddr, now: i64) -> Option<&Ban> {
        self.rooms
            .get(room)?
            .bans
            .iter()
            .filter(|b| live(b.until, now))
            .find(|b| Target::from_key(&b.target).is_some_and(|t| t.covers(name, ip)))
    }

    /// `Some(left)` if `name` (folded) is muted in `room` now.
    pub fn muted(&self, room: &str, name: &str, now: i64) -> Option<Option<u64>> {
        let until = *self.rooms.get(room)?.mutes.get(name)?;
        live(until, now).then(|| left(until, now))
    }

    /// The room's live bans, dropping the expired ones; the keys dropped
    /// are returned so the store can forget them too.
    pub fn prune_bans(&mut self, room: &str, now: i64) -> Vec<String> {
        let Some(rules) = self.rooms.get_mut(room) else { return Vec::new() };
        let (keep, gone): (Vec<Ban>, Vec<Ban>) = rules.bans.drain(..).partition(|b| live(b.until, now));
        rules.bans = keep;
        gone.into_iter().map(|b| b.target).collect()
    }

    /// Drops the room's expired mutes; returns their names for the store.
    pub fn prune_mutes(&mut self, room: &str, now: i64) -> Vec<String> {
        let Some(rules) = self.rooms.get_mut(room) else { return Vec::new() };
        let gone: Vec<String> = rules.mutes.iter().filter(|(_, &u)| !live(u, now)).map(|(n, _)| n.clone()).collect();
        for name in &gone {
            rules.mutes.remove(name);
        }
        gone
    }

    pub fn modes(&self, room: &str) -> Modes {
        self.rooms.get(room).map(|r| r.modes.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_bans_and_mutes_expire() {
        let stored = Moderated {
            bans: vec![
                Ban { room: "#dev".into(), target: "bob".into(), by: "a".into(), until: Some(100), reason: None },
                Ban { room: "#dev".into(), target: "10.0.0.0/8".into(), by: "a".into(), until: None, reason: None },
            ],
            mutes: vec![Mute { room: "#dev".into(), name: "carol".into(), until: Some(100) }],
            ops: vec![("#dev".into(), "dave".into())],
            modes: vec![],
        };
        let mut m = Moderation::load(&["Alice".into()], stored);
        let ip = |s: &str| s.parse().unwrap();
        assert!(m.is_op("#anything", Some("alice")));
        assert!(m.is_op("#dev", Some("dave")) && !m.is_op("#ops", Some("dave")));
        assert!(!m.is_op("#dev", None));
        assert!(m.ban_for("#dev", Some("bob"), ip("192.0.2.1"), 99).is_some());
        assert!(m.ban_for("#dev", Some("bob"), ip("192.0.2.1"), 100).is_none());
        assert!(m.ban_for("#dev", None, ip("10.1.2.3"), 1000).is_some());
        assert_eq!(m.muted("#dev", "carol", 40), Some(Some(60)));
        assert_eq!(m.muted("#dev", "carol", 100), None);
        assert_eq!(m.prune_bans("#dev", 100), ["bob"]);
    }
}
