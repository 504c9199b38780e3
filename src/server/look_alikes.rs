//! Who online has which look-alike keys, so that no two names that look
//! the same are online at once (`alice` and `аlice` with a Cyrillic `а`).
//! The keys themselves come from `natter::protocol::look_alike`.
//!
//! Each key is kept as a 64-bit hash, keyed afresh per run (std's
//! `RandomState`), so an idle connection costs a few bytes here rather
//! than two strings, and nobody can craft names whose hashes collide.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;

use natter::protocol::look_alike_keys;

/// Hashed look-alike key to the slab key of the client holding it.
#[derive(Default)]
pub struct LookAlikes {
    holders: HashMap<u64, usize>,
    seed: RandomState,
}

impl LookAlikes {
    fn hashes(&self, name: &str) -> impl Iterator<Item = u64> + '_ {
        look_alike_keys(name).into_iter().map(|k| self.seed.hash_one(k))
    }

    /// The client other than `key` whose name looks like `name`.
    pub fn holder(&self, name: &str, key: usize) -> Option<usize> {
        self.hashes(name).filter_map(|h| self.holders.get(&h)).copied().find(|&h| h != key)
    }

    /// Notes that `key` is online as `name`.
    pub fn add(&mut self, name: &str, key: usize) {
        let hashes: Vec<u64> = self.hashes(name).collect();
        for h in hashes {
            self.holders.insert(h, key);
        }
    }

    /// Forgets `name`'s keys held by `key`.
    pub fn remove(&mut self, name: &str, key: usize) {
        let hashes: Vec<u64> = self.hashes(name).collect();
        for h in hashes {
            if self.holders.get(&h) == Some(&key) {
                self.holders.remove(&h);
            }
        }
    }
}
