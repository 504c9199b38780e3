//! Who is online, as the member list shows it.
//!
//! Names are kept sorted the way a person scans a list: case-insensitively,
//! with the server's case folding deciding when two names are the same user.

use natter::protocol::fold_name;

/// The people in the room, sorted, without duplicates.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Members {
    /// `(fold_name(name), name)`, sorted by the folded key.
    names: Vec<(String, String)>,
}

impl Members {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the whole list (welcome and `/who` answers are authoritative).
    pub fn set<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        self.names.clear();
        for name in names {
            self.add(name);
        }
    }

    /// Adds `name`; returns false if someone by that name is already there.
    pub fn add(&mut self, name: &str) -> bool {
        let key = fold_name(name);
        match self.position(&key) {
            Ok(_) => false,
            Err(at) => {
                self.names.insert(at, (key, name.to_owned()));
                true
            }
        }
    }

    /// Removes `name`; returns false if nobody by that name was there.
    pub fn remove(&mut self, name: &str) -> bool {
        match self.position(&fold_name(name)) {
            Ok(at) => {
                self.names.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    /// `old` is now called `new`. Adds `new` even if `old` was unknown, since
    /// the server has just told us that `new` is online.
    pub fn rename(&mut self, old: &str, new: &str) {
        self.remove(old);
        self.add(new);
    }

    /// Empties the list (after a disconnect).
    pub fn clear(&mut self) {
        self.names.clear();
    }

    /// Is `name` online (case-insensitively)?
    pub fn contains(&self, name: &str) -> bool {
        self.position(&fold_name(name)).is_ok()
    }

    /// How many people are online.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when nobody is listed.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names in display order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|(_, name)| name.as_str())
    }

    /// The names in display order, owned (for the list widget).
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        // Ties on the folded key cannot happen: the server keeps folded names unique.
        self.names.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(m: &Members) -> Vec<&str> {
        m.iter().collect()
    }

    #[test]
    fn sorted_case_insensitively_without_duplicates() {
        let mut m = Members::new();
        m.set(["bob", "Alice", "철수", "carol"]);
        assert_eq!(names(&m), ["Alice", "bob", "carol", "철수"]);
        assert!(!m.add("alice"));
        assert!(m.add("dave"));
        assert_eq!(m.len(), 5);
        assert!(m.contains("BOB"));
    }

    #[test]
    fn follows_joins_quits_and_renames() {
        let mut m = Members::new();
        m.set(["alice"]);
        m.add("bob");
        m.rename("bob", "rob");
        assert_eq!(names(&m), ["alice", "rob"]);
        assert!(m.remove("ROB"));
        assert!(!m.remove("rob"));
        m.rename("ghost", "zed");
        assert_eq!(names(&m), ["alice", "zed"]);
        m.clear();
        assert!(m.is_empty());
    }

    #[test]
    fn rename_that_only_changes_case() {
        let mut m = Members::new();
        m.set(["bob"]);
        m.rename("bob", "Bob");
        assert_eq!(names(&m), ["Bob"]);
    }
}
