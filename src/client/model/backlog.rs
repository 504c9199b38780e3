//! One conversation's stored lines as the client knows them: the ids shown,
//! in order, and where paging through older history stands.
//!
//! natterd stamps every stored line with an id that grows with time (see
//! docs/protocol.md, "History"). The same line can reach the client more
//! than once: replayed on joining, echoed after `/stamps`, in a
//! `/history` page, again after a reconnect. [`Backlog::admit`] lets each
//! id in once and says where it goes among the others, so the view stays
//! in id order whatever order the lines arrived in. Scrolling to the top
//! asks for the page before [`Backlog::oldest`]; after a reconnect the
//! conversation asks for what came after the newest id seen before it.

use std::collections::BTreeSet;

/// Where an admitted line goes in the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// After everything: newer than every line with an id.
    End,
    /// Just before the line with this id (the next newer one).
    Before(u64),
    /// Already shown: not again.
    Duplicate,
}

/// Paging through older history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paging {
    /// Nothing asked for.
    #[default]
    Idle,
    /// A page of older lines is on its way.
    Loading,
    /// The server has nothing older (or cannot page now).
    Exhausted,
}

/// What showing one line (a search result) takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seek {
    /// It is in the conversation already.
    Shown,
    /// Older pages first: ask for the one before this cursor.
    Load(u64),
    /// A page is already on its way; it will be looked for after it.
    Wait,
    /// It cannot be reached (no history, or nothing older).
    Unreachable,
}

/// What a private conversation asks for once per connection: it has no
/// replay on joining, so its stored lines are asked for when it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// Its newest page (`before now`): nothing of it was seen yet.
    Newest,
    /// What came after this id, the newest seen before a reconnect.
    After(u64),
}

/// The ids of one conversation and its paging state.
#[derive(Debug, Clone, Default)]
pub struct Backlog {
    ids: BTreeSet<u64>,
    paging: Paging,
    /// The newest id before the connection dropped: what to catch up after.
    resume_after: Option<u64>,
    /// A line the user wants to see (a search result), still to be loaded.
    target: Option<u64>,
    /// [`Backlog::load`] was asked on this connection.
    loaded: bool,
    /// New lines were replayed since the last welcome: the session puts
    /// the "New messages" divider after them.
    pub replayed: bool,
}

impl Backlog {
    /// Lets line `id` in, once, and says where it goes.
    pub fn admit(&mut self, id: u64) -> Place {
        if !self.ids.insert(id) {
            return Place::Duplicate;
        }
        match self.ids.range(id + 1..).next() {
            Some(&next) => Place::Before(next),
            None => Place::End,
        }
    }

    /// True when line `id` is shown.
    pub fn contains(&self, id: u64) -> bool {
        self.ids.contains(&id)
    }

    /// The oldest id shown: the cursor of the next older page.
    pub fn oldest(&self) -> Option<u64> {
        self.ids.first().copied()
    }

    /// The newest id shown.
    pub fn newest(&self) -> Option<u64> {
        self.ids.last().copied()
    }

    /// Where paging stands.
    pub fn paging(&self) -> Paging {
        self.paging
    }

    /// The cursor for the next older page, when one may be asked for now
    /// (none on its way, more to come, and something shown to page from).
    /// Paging is then [`Paging::Loading`].
    pub fn ask_older(&mut self) -> Option<u64> {
        let cursor = self.oldest().filter(|_| self.paging == Paging::Idle)?;
        self.paging = Paging::Loading;
        Some(cursor)
    }

    /// An older page came: `count` lines of the `asked`. Fewer means the
    /// server has no more.
    pub fn older_done(&mut self, count: usize, asked: usize) {
        self.paging = if count < asked { Paging::Exhausted } else { Paging::Idle };
    }

    /// The server could not page: stop asking until the next connection.
    pub fn unavailable(&mut self) {
        self.paging = Paging::Exhausted;
        self.target = None;
    }

    /// The connection dropped: remember where to catch up from; a page on
    /// its way will not come.
    pub fn disconnected(&mut self) {
        if self.newest().is_some() {
            self.resume_after = self.newest();
        }
        if self.paging == Paging::Loading {
            self.paging = Paging::Idle;
        }
        self.target = None;
        self.loaded = false;
    }

    /// Once per connection, what a private conversation asks for: what it
    /// missed after a reconnect, else its newest page (then paging is
    /// [`Paging::Loading`], as for an older page).
    pub fn load(&mut self) -> Option<Load> {
        if std::mem::replace(&mut self.loaded, true) {
            return None;
        }
        if let Some(after) = self.rejoined() {
            return Some(Load::After(after));
        }
        (self.paging == Paging::Idle).then(|| {
            self.paging = Paging::Loading;
            Load::Newest
        })
    }

    /// Joined again: the cursor to ask `/history … after` with, once.
    /// Paging may try again on a new connection.
    pub fn rejoined(&mut self) -> Option<u64> {
        if self.paging == Paging::Exhausted {
            // An unavailable store may be back; a room with nothing older
            // costs one empty page to find out again.
            self.paging = Paging::Idle;
        }
        self.resume_after.take()
    }

    /// The user wants line `id` (older ones are loaded until it is there).
    pub fn seek(&mut self, id: u64) -> Seek {
        if self.contains(id) {
            self.target = None;
            return Seek::Shown;
        }
        if self.oldest().is_none_or(|oldest| id > oldest) {
            // Newer than the oldest shown and not shown: not a stored line
            // of this conversation.
            return Seek::Unreachable;
        }
        self.target = Some(id);
        match self.paging {
            Paging::Loading => Seek::Wait,
            Paging::Exhausted => {
                self.target = None;
                Seek::Unreachable
            }
            Paging::Idle => self.ask_older().map_or(Seek::Unreachable, Seek::Load),
        }
    }

    /// The line being sought, if any.
    pub fn target(&self) -> Option<u64> {
        self.target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_once_in_order() {
        let mut b = Backlog::default();
        assert_eq!(b.admit(10), Place::End);
        assert_eq!(b.admit(12), Place::End);
        assert_eq!(b.admit(10), Place::Duplicate);
        // A gap filled after a reconnect goes before the next newer line.
        assert_eq!(b.admit(11), Place::Before(12));
        assert_eq!(b.admit(3), Place::Before(10));
        assert_eq!((b.oldest(), b.newest()), (Some(3), Some(12)));
        assert!(b.contains(11) && !b.contains(4));
    }

    #[test]
    fn pages_older_until_the_server_has_no_more() {
        let mut b = Backlog::default();
        assert_eq!(b.ask_older(), None, "nothing to page from");
        b.admit(100);
        assert_eq!(b.ask_older(), Some(100));
        assert_eq!(b.paging(), Paging::Loading);
        assert_eq!(b.ask_older(), None, "one page at a time");
        for id in 50..100 {
            b.admit(id);
        }
        b.older_done(50, 50);
        assert_eq!(b.ask_older(), Some(50));
        b.older_done(7, 50);
        assert_eq!(b.paging(), Paging::Exhausted);
        assert_eq!(b.ask_older(), None);
    }

    #[test]
    fn a_reconnect_resumes_after_the_newest_seen() {
        let mut b = Backlog::default();
        assert_eq!(b.rejoined(), None);
        b.admit(5);
        b.admit(9);
        assert_eq!(b.ask_older(), Some(5));
        b.disconnected();
        assert_eq!(b.paging(), Paging::Idle, "the page on its way is lost");
        // The replay on rejoining adds newer lines: the cursor stays.
        b.admit(20);
        assert_eq!(b.rejoined(), Some(9));
        assert_eq!(b.rejoined(), None, "asked once");
        b.unavailable();
        b.disconnected();
        b.rejoined();
        assert_eq!(b.paging(), Paging::Idle, "a new connection may page again");
    }

    #[test]
    fn a_private_conversation_loads_once_per_connection() {
        let mut b = Backlog::default();
        assert_eq!(b.load(), Some(Load::Newest));
        assert_eq!(b.paging(), Paging::Loading, "the newest page is on its way");
        assert_eq!(b.load(), None, "once");
        b.admit(7);
        b.admit(8);
        b.older_done(2, 50);
        b.disconnected();
        assert_eq!(b.load(), Some(Load::After(8)), "after a reconnect: what was missed");
        assert_eq!(b.paging(), Paging::Idle, "older pages may be asked again");
        assert_eq!(b.load(), None);
    }

    #[test]
    fn seeking_an_older_line_loads_pages_until_it_is_there() {
        let mut b = Backlog::default();
        assert_eq!(b.seek(3), Seek::Unreachable, "nothing shown");
        b.admit(40);
        b.admit(41);
        assert_eq!(b.seek(41), Seek::Shown);
        assert_eq!(b.seek(45), Seek::Unreachable);
        assert_eq!(b.seek(3), Seek::Load(40));
        assert_eq!(b.target(), Some(3));
        assert_eq!(b.seek(3), Seek::Wait);
        b.admit(3);
        b.older_done(50, 50);
        assert_eq!(b.seek(3), Seek::Shown);
        assert_eq!(b.target(), None);
    }
}
