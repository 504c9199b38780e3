//! Who online has which look-alike keys, so that no two names that look
//! the same are online at once (`alice` and `аlice` with a Cyrillic `а`).
//! The keys themselves come from `natter::protocol::look_alike`.

use std::collections::HashMap;

use natter::protocol::look_alike_keys;

/// Look-alike key to the slab key of the client holding it.
#[derive(Default)]
pub struct LookAlikes {
    holders: HashMap<String, usize>,
}

impl LookAlikes {
    /// The client other than `key` whose name looks like `name`.
    pub fn holder(&self, name: &str, key: usize) -> Option<usize> {
        look_alike_keys(name).iter().filter_map(|k| self.holders.get(k)).copied().find(|&h| h != key)
    }

    /// Notes that `key` is online as `name`.
    pub fn add(&mut self, name: &str, key: usize) {
        for k in look_alike_keys(name) {
            self.holders.insert(k, key);
        }
    }

    /// Forgets `name`'s keys held by `key`.
    pub fn remove(&mut self, name: &str, key: usize) {
        for k in look_alike_keys(name) {
            if self.holders.get(&k) == Some(&key) {
                self.holders.remove(&k);
            }
        }
    }
}
