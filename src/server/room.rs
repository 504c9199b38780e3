//! One room: its name as first created, its topic, and its members by
//! folded name, so the who-list comes sorted and a lookup ignores case.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use natter::protocol::fold_name;

use crate::pool::Pool;

/// A room and who is in it.
pub struct Room {
    name: String,
    /// The folded name: the room's key in the store.
    key: String,
    topic: Option<String>,
    /// Outlives its members: it has stored history or a topic.
    kept: bool,
    /// When it was last used, on [`Rooms`](crate::rooms::Rooms)' clock.
    used: u64,
    /// Folded member name to slab key.
    members: BTreeMap<String, usize>,
}

impl Room {
    /// An empty room called `name` (already checked and in NFC).
    pub fn new(name: &str) -> Self {
        Room {
            name: name.to_owned(),
            key: fold_name(name),
            topic: None,
            kept: false,
            used: 0,
            members: BTreeMap::new(),
        }
    }

    /// The folded name, the same for every spelling of the room.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Does the room stay when its last member leaves?
    pub fn is_kept(&self) -> bool {
        self.kept
    }

    pub fn keep(&mut self) {
        self.kept = true;
    }

    pub fn used(&self) -> u64 {
        self.used
    }

    pub fn set_used(&mut self, at: u64) {
        self.used = at;
    }

    /// The name as it was first written.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn topic(&self) -> Option<&str> {
        self.topic.as_deref()
    }

    pub fn set_topic(&mut self, topic: String) {
        self.topic = Some(topic);
    }

    /// The member called `name` (any case).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.members.get(&fold_name(name)).copied()
    }

    /// Adds `key` as `name`; `false` if the name (any case) is taken.
    pub fn add(&mut self, name: &str, key: usize) -> bool {
        match self.members.entry(fold_name(name)) {
            Entry::Occupied(_) => false,
            Entry::Vacant(v) => {
                v.insert(key);
                true
            }
        }
    }

    /// Removes `name` (any case).
    pub fn remove(&mut self, name: &str) {
        self.members.remove(&fold_name(name));
    }

    /// Moves `key` from `old` to `new`; `false` if `new` belongs to someone
    /// else. Changing only the case of one's own name is allowed.
    pub fn rename(&mut self, old: &str, new: &str, key: usize) -> bool {
        match self.find(new) {
            Some(holder) if holder != key => false,
            _ => {
                self.remove(old);
                self.add(new, key)
            }
        }
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Member names in case-insensitive order.
    pub fn names<'c>(&self, pool: &'c Pool) -> Vec<&'c str> {
        self.members.values().filter_map(|&k| pool.get(k)?.name()).collect()
    }

    /// The members' slab keys.
    pub fn keys(&self) -> impl Iterator<Item = usize> + '_ {
        self.members.values().copied()
    }
}
