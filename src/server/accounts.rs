//! Registered names, held in memory (they are few, and every name a client
//! picks is checked against them) and written through to the store.
//!
//! A registered name can only be used by logging in, and it blocks its
//! look-alikes: `аlice` with a Cyrillic `а` is refused while `alice` is
//! registered, online or not. The password work itself is done by
//! [`hasher`], the counting of failures by [`guesses`].

pub mod guesses;
pub mod hasher;
pub mod registrations;

use std::collections::HashMap;
use std::sync::Arc;

use natter::protocol::{fold_name, look_alike_keys};

use crate::pool::Handle;
use crate::store::Account;
use guesses::Guesses;
use hasher::Hasher;
use registrations::Registrations;

/// What a client waits for from the password worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// Its first line was `NAME PASSWORD`.
    FirstLine { name: String },
    /// `/login NAME PASSWORD`.
    Login { name: String },
    /// `/register`: the hash of the new password.
    Register { name: String },
    /// `/password`: the old one checked, the new one is hashed next.
    CheckOld { new: String },
    /// `/password`: the new one's hash.
    SetNew,
    /// `/unregister`: the password checked.
    Unregister,
}

/// Accounts as the event loop uses them: the names, the guess counts and
/// the password worker.
pub struct Accounts {
    pub names: Registry,
    pub guesses: Guesses,
    pub registrations: Registrations,
    pub hasher: Hasher<(Handle, Purpose)>,
}

impl Accounts {
    /// `per_hour`: names one address may register in an hour (0: no limit).
    pub fn new(names: Registry, waker: Arc<mio::Waker>, per_hour: usize) -> Self {
        Accounts {
            names,
            guesses: Guesses::default(),
            registrations: Registrations::new(per_hour),
            hasher: Hasher::new(waker),
        }
    }
}

/// What a name is, as far as accounts go.
#[derive(Debug, PartialEq, Eq)]
pub enum Standing<'a> {
    /// Free to use.
    Free,
    /// Registered: usable only logged in.
    Registered(&'a Account),
    /// Looks like this registered name.
    LooksLike(&'a str),
}

/// Every registered name.
#[derive(Default)]
pub struct Registry {
    by_key: HashMap<String, Account>,
    /// Look-alike key to the folded name registered with it.
    look_alikes: HashMap<String, String>,
}

impl Registry {
    /// Starts from what the store held.
    pub fn load(accounts: Vec<Account>) -> Self {
        let mut all = Registry::default();
        for account in accounts {
            all.insert(account);
        }
        all
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Whether `name` is registered, or looks like a registered name.
    pub fn standing(&self, name: &str) -> Standing<'_> {
        let key = fold_name(name);
        if let Some(account) = self.by_key.get(&key) {
            return Standing::Registered(account);
        }
        look_alike_keys(name)
            .iter()
            .filter_map(|k| self.look_alikes.get(k))
            .find_map(|other| self.by_key.get(other))
            .map_or(Standing::Free, |a| Standing::LooksLike(&a.name))
    }

    /// Adds or replaces an account (after the store took it).
    pub fn insert(&mut self, account: Account) {
        for k in look_alike_keys(&account.name) {
            self.look_alikes.insert(k, account.key.clone());
        }
        self.by_key.insert(account.key.clone(), account);
    }

    /// Forgets an account (after the store deleted it).
    pub fn remove(&mut self, key: &str) {
        if let Some(account) = self.by_key.remove(key) {
            for k in look_alike_keys(&account.name) {
                if self.look_alikes.get(&k).is_some_and(|owner| owner == key) {
                    self.look_alikes.remove(&k);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str) -> Account {
        Account { key: fold_name(name), name: name.into(), phc: String::new(), created: 0 }
    }

    #[test]
    fn registered_names_and_their_look_alikes() {
        let mut all = Registry::load(vec![account("alice"), account("철수")]);
        assert!(matches!(all.standing("ALICE"), Standing::Registered(a) if a.name == "alice"));
        assert_eq!(all.standing("\u{0430}lice"), Standing::LooksLike("alice"));
        assert_eq!(all.standing("ａｌｉｃｅ"), Standing::LooksLike("alice"));
        // The decomposed form of 철수 is the same name.
        assert!(matches!(all.standing("\u{110E}\u{1165}\u{11AF}\u{1109}\u{116E}"), Standing::Registered(_)));
        assert!(matches!(all.standing("철수"), Standing::Registered(_)));
        assert_eq!(all.standing("bob"), Standing::Free);
        all.remove("alice");
        assert_eq!(all.standing("\u{0430}lice"), Standing::Free);
        assert!(!all.is_empty());
    }
}
