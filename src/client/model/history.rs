//! Up/Down recall of earlier input, like a shell.
//!
//! Up walks back through what was sent, Down walks forward again, and going
//! past the newest entry gives back the text that was being typed before
//! the walk started, so recall never loses a draft.

/// How many sent lines are remembered.
pub const CAPACITY: usize = 200;

/// Sent lines and the position of an ongoing walk through them.
#[derive(Debug, Default, Clone)]
pub struct History {
    items: Vec<String>,
    /// Index into `items` while walking; `None` when editing fresh text.
    cursor: Option<usize>,
    /// The text that was in the entry when the walk started.
    draft: String,
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a sent line and ends any walk. Blank lines and a repeat of
    /// the newest line are not recorded.
    pub fn push(&mut self, line: &str) {
        self.cursor = None;
        self.draft.clear();
        if line.trim().is_empty() || self.items.last().map(String::as_str) == Some(line) {
            return;
        }
        if self.items.len() == CAPACITY {
            self.items.remove(0);
        }
        self.items.push(line.to_owned());
    }

    /// The entry for Up, given the text now in the entry; `None` at the
    /// oldest line (or with no history), where the entry stays as it is.
    pub fn older(&mut self, current: &str) -> Option<String> {
        let next = match self.cursor {
            None if self.items.is_empty() => return None,
            None => {
                self.draft = current.to_owned();
                self.items.len() - 1
            }
            Some(0) => return None,
            Some(i) => i - 1,
        };
        self.cursor = Some(next);
        Some(self.items[next].clone())
    }

    /// The entry for Down; past the newest line it is the saved draft.
    /// `None` when no walk is going on.
    pub fn newer(&mut self) -> Option<String> {
        let i = self.cursor?;
        if i + 1 < self.items.len() {
            self.cursor = Some(i + 1);
            Some(self.items[i + 1].clone())
        } else {
            self.cursor = None;
            Some(std::mem::take(&mut self.draft))
        }
    }

    /// Ends a walk without changing the entry (the user edited the text).
    pub fn stop_walking(&mut self) {
        self.cursor = None;
    }

    /// Number of remembered lines.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing was sent yet.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_back_and_forth_keeping_the_draft() {
        let mut h = History::new();
        h.push("one");
        h.push("two");
        h.push("three");
        assert_eq!(h.older("dra").as_deref(), Some("three"));
        assert_eq!(h.older("three").as_deref(), Some("two"));
        assert_eq!(h.older("two").as_deref(), Some("one"));
        assert_eq!(h.older("one"), None);
        assert_eq!(h.newer().as_deref(), Some("two"));
        assert_eq!(h.newer().as_deref(), Some("three"));
        assert_eq!(h.newer().as_deref(), Some("dra"));
        assert_eq!(h.newer(), None);
    }

    #[test]
    fn empty_history_and_skipped_lines() {
        let mut h = History::new();
        assert_eq!(h.older("x"), None);
        assert_eq!(h.newer(), None);
        h.push("  ");
        h.push("same");
        h.push("same");
        assert_eq!(h.len(), 1);
        assert_eq!(h.older("").as_deref(), Some("same"));
        h.stop_walking();
        assert_eq!(h.newer(), None);
    }

    #[test]
    fn keeps_only_the_newest() {
        let mut h = History::new();
        for i in 0..CAPACITY + 5 {
            h.push(&i.to_string());
        }
        assert_eq!(h.len(), CAPACITY);
        let mut oldest = None;
        while let Some(line) = h.older("") {
            oldest = Some(line);
        }
        assert_eq!(oldest.as_deref(), Some("5"));
    }
}
