//! Who is in the chat: a case-insensitive name index over slab keys, and
//! sending a reply to one member or to all but one.

use std::collections::BTreeMap;

use natter::protocol::{fold_name, Reply};

use crate::pool::Pool;

/// The one room every joined client is in.
#[derive(Default)]
pub struct Room {
    /// Folded name to slab key; a BTreeMap so the who-list comes sorted.
    members: BTreeMap<String, usize>,
    /// One encoded line, reused so a broadcast is formatted once.
    scratch: Vec<u8>,
}

impl Room {
    /// The member called `name` (any case).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.members.get(&fold_name(name)).copied()
    }

    /// Adds `key` as `name`; `false` if the name (any case) is taken.
    pub fn join(&mut self, name: &str, key: usize) -> bool {
        match self.members.entry(fold_name(name)) {
            std::collections::btree_map::Entry::Occupied(_) => false,
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(key);
                true
            }
        }
    }

    /// Removes `name` (any case).
    pub fn leave(&mut self, name: &str) {
        self.members.remove(&fold_name(name));
    }

    /// Moves `key` from `old` to `new`; `false` if `new` belongs to someone
    /// else. Changing only the case of one's own name is allowed.
    pub fn rename(&mut self, old: &str, new: &str, key: usize) -> bool {
        match self.find(new) {
            Some(holder) if holder != key => false,
            _ => {
                self.leave(old);
                self.join(new, key)
            }
        }
    }

    /// Member names in case-insensitive order.
    pub fn names<'c>(&self, pool: &'c Pool) -> Vec<&'c str> {
        self.members.values().filter_map(|&k| pool.get(k)?.name()).collect()
    }

    /// Sends `reply` to one client.
    pub fn send_to(&mut self, pool: &mut Pool, key: usize, reply: &Reply<'_>) {
        self.scratch.clear();
        reply.encode(&mut self.scratch);
        pool.send(key, &self.scratch);
    }

    /// Sends `reply` to every member but `except`.
    pub fn broadcast(&mut self, pool: &mut Pool, except: Option<usize>, reply: &Reply<'_>) {
        self.scratch.clear();
        reply.encode(&mut self.scratch);
        for &key in self.members.values() {
            if Some(key) != except {
                pool.send(key, &self.scratch);
            }
        }
    }
}
