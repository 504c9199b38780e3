//! Who is online, as the member list shows it, with each person's mark.
//!
//! Names are kept sorted the way a person scans a list: case-insensitively,
//! with the server's case folding deciding when two names are the same user.
//! After `/marks` natterd prefixes operators with `@` and other logged-in
//! names with `+` in welcomes and `/who` lists (docs/protocol.md,
//! Moderation); [`Mark::split`] reads that prefix and the list shows
//! operators first.

use natter::protocol::fold_name;

/// What a member's list entry says about them besides their name.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mark {
    /// A room operator (`@`): may kick, mute and ban there.
    Operator,
    /// Logged in to a registered name (`+`).
    Registered,
    /// Neither, or not known (a server without marks).
    #[default]
    None,
}

impl Mark {
    /// Splits a listed name into its mark and the name. Names never start
    /// with `@` or `+`, so an unmarked list reads the same.
    pub fn split(listed: &str) -> (Mark, &str) {
        if let Some(name) = listed.strip_prefix('@') {
            (Mark::Operator, name)
        } else if let Some(name) = listed.strip_prefix('+') {
            (Mark::Registered, name)
        } else {
            (Mark::None, listed)
        }
    }
}

/// The name of a listed entry without its mark.
pub fn unmarked(listed: &str) -> &str {
    Mark::split(listed).1
}

/// One person in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Member {
    /// `fold_name(name)`, the sort and lookup key.
    key: String,
    name: String,
    mark: Mark,
}

/// The people in the room, sorted, without duplicates.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Members {
    /// Sorted by the folded key.
    names: Vec<Member>,
}

impl Members {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the whole list (welcome and `/who` answers are
    /// authoritative), reading the marks of a marked list.
    pub fn set<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        self.names.clear();
        for listed in names {
            let (mark, name) = Mark::split(listed);
            self.add(name);
            self.set_mark(name, mark);
        }
    }

    /// Adds `name`, unmarked; returns false if someone by that name is
    /// already there.
    pub fn add(&mut self, name: &str) -> bool {
        let key = fold_name(name);
        match self.position(&key) {
            Ok(_) => false,
            Err(at) => {
                self.names.insert(at, Member { key, name: name.to_owned(), mark: Mark::None });
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

    /// `old` is now called `new`, with the mark `old` had until the server
    /// says otherwise. Adds `new` even if `old` was unknown, since the
    /// server has just told us that `new` is online.
    pub fn rename(&mut self, old: &str, new: &str) {
        let mark = self.mark(old);
        self.remove(old);
        self.add(new);
        self.set_mark(new, mark);
    }

    /// Marks `name`; returns false if it is not listed or already so.
    pub fn set_mark(&mut self, name: &str, mark: Mark) -> bool {
        match self.position(&fold_name(name)) {
            Ok(at) if self.names[at].mark != mark => {
                self.names[at].mark = mark;
                true
            }
            _ => false,
        }
    }

    /// `name`'s mark ([`Mark::None`] when not listed).
    pub fn mark(&self, name: &str) -> Mark {
        self.position(&fold_name(name)).map_or(Mark::None, |at| self.names[at].mark)
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

    /// The names in display order: operators first, then everyone else,
    /// each alphabetically.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.ordered().map(|m| m.name.as_str())
    }

    /// The names in display order, owned (for the list widget).
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }

    /// The names with their marks, in display order.
    pub fn marked(&self) -> Vec<(String, Mark)> {
        self.ordered().map(|m| (m.name.clone(), m.mark)).collect()
    }

    fn ordered(&self) -> impl Iterator<Item = &Member> {
        let ops = self.names.iter().filter(|m| m.mark == Mark::Operator);
        ops.chain(self.names.iter().filter(|m| m.mark != Mark::Operator))
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        // Ties on the folded key cannot happen: the server keeps folded names unique.
        self.names.binary_search_by(|m| m.key.as_str().cmp(key))
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

    #[test]
    fn marks_are_read_and_operators_listed_first() {
        let mut m = Members::new();
        m.set(["+bob", "carol", "@zed", "@Alice", "+철수"]);
        assert_eq!(names(&m), ["Alice", "zed", "bob", "carol", "철수"]);
        assert_eq!(m.mark("ALICE"), Mark::Operator);
        assert_eq!(m.mark("bob"), Mark::Registered);
        assert_eq!(m.mark("carol"), Mark::None);
        assert_eq!(m.mark("nobody"), Mark::None);
        assert!(m.contains("zed") && !m.contains("@zed"));
        assert_eq!(m.marked()[2], ("bob".to_owned(), Mark::Registered));
    }

    #[test]
    fn marks_change_and_follow_renames() {
        let mut m = Members::new();
        m.set(["alice", "+bob"]);
        assert!(m.set_mark("bob", Mark::Operator));
        assert!(!m.set_mark("bob", Mark::Operator), "no change");
        assert!(!m.set_mark("ghost", Mark::Operator), "not listed");
        assert_eq!(names(&m), ["bob", "alice"]);
        m.rename("bob", "rob");
        assert_eq!(m.mark("rob"), Mark::Operator);
        assert!(m.add("carol"));
        assert_eq!(m.mark("carol"), Mark::None, "a joiner arrives unmarked");
    }

    #[test]
    fn split_reads_one_mark() {
        assert_eq!(Mark::split("@alice"), (Mark::Operator, "alice"));
        assert_eq!(Mark::split("+철수"), (Mark::Registered, "철수"));
        assert_eq!(Mark::split("bob"), (Mark::None, "bob"));
        assert_eq!(unmarked("@bob"), "bob");
    }
}
