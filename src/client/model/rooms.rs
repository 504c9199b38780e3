//! The conversations of one connection: the default room, the other rooms
//! joined, and private conversations, in the order the sidebar lists them.
//!
//! Each keeps its own member list, topic, and what the user has not read
//! yet (a count, and a highlight for a mention or a private message). The
//! [`Session`](super::session::Session) routes every server line to one of
//! these; the window shows whichever [`Rooms::shown`] names.

use natter::protocol::room::{peer_of, PEER_SIGIL};
use natter::protocol::{fold_name, fold_room, DEFAULT_ROOM};

use super::backlog::Backlog;
use super::members::Members;

/// Which conversation: compared the way the server compares names.
#[derive(Debug, Clone, Eq)]
pub enum ConvId {
    /// The server's default room: everyone is in it, its lines are untagged.
    Default,
    /// Another room, as the server spells it (`#dev`).
    Room(String),
    /// A private conversation with one person.
    Private(String),
}

impl ConvId {
    /// The conversation of `room`, the default one when it is [`DEFAULT_ROOM`].
    pub fn room(room: &str) -> ConvId {
        if fold_room(room) == fold_room(DEFAULT_ROOM) {
            ConvId::Default
        } else {
            ConvId::Room(room.to_owned())
        }
    }

    /// The conversation a server line's tag names: a room, or a private
    /// conversation for `@bob`.
    pub fn of_tag(tag: &str) -> ConvId {
        match peer_of(tag) {
            Some(name) => ConvId::Private(name.to_owned()),
            // natterd never tags the default room's lines, whatever its name.
            None => ConvId::Room(tag.to_owned()),
        }
    }

    /// A key that is the same for two ids of the same conversation, and
    /// names its page in the window.
    pub fn key(&self) -> String {
        match self {
            // Not a room's key: on a server whose default room is another,
            // `#lobby` is an ordinary room.
            ConvId::Default => "default".to_owned(),
            ConvId::Room(room) => "room:".to_owned() + &fold_room(room),
            ConvId::Private(name) => "private:".to_owned() + &fold_name(name),
        }
    }

    /// The name shown for it: `#dev`, or the other person's name
    /// ([`DEFAULT_ROOM`] for the default room; see [`ConvId::title_in`]).
    pub fn title(&self) -> &str {
        self.title_in(DEFAULT_ROOM)
    }

    /// The name shown for it on a server whose default room is
    /// `default_name`.
    pub fn title_in<'a>(&'a self, default_name: &'a str) -> &'a str {
        match self {
            ConvId::Default => default_name,
            ConvId::Room(name) | ConvId::Private(name) => name,
        }
    }

    /// True for a private conversation.
    pub fn is_private(&self) -> bool {
        matches!(self, ConvId::Private(_))
    }
}

impl PartialEq for ConvId {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

/// One conversation's state.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: ConvId,
    /// Never changes, even when a private conversation follows a rename:
    /// the window finds the conversation's page by it.
    pub uid: u64,
    /// Messages that arrived while another conversation was shown.
    pub unread: u32,
    /// One of those named this user, or it is a private conversation.
    pub highlight: bool,
    /// The room's topic, when it has one.
    pub topic: Option<String>,
    /// Who is in it (for a private conversation: the two people).
    pub members: Members,
    /// What was typed and not sent when another conversation was shown.
    pub draft: String,
    /// The ids of its stored lines shown, and paging through older ones.
    pub backlog: Backlog,
}

impl Conversation {
    fn new(id: ConvId, uid: u64) -> Self {
        Conversation {
            id,
            uid,
            unread: 0,
            highlight: false,
            topic: None,
            members: Members::new(),
            draft: String::new(),
            backlog: Backlog::default(),
        }
    }
}

/// All conversations, the default room first, then rooms, then private ones.
#[derive(Debug, Clone)]
pub struct Rooms {
    list: Vec<Conversation>,
    shown: ConvId,
    /// The next [`Conversation::uid`].
    next_uid: u64,
    /// The server's name for its default room: [`DEFAULT_ROOM`] until
    /// `/room` says otherwise (`natterd --default-room`).
    default_name: String,
}

impl Default for Rooms {
    fn default() -> Self {
        Rooms {
            list: vec![Conversation::new(ConvId::Default, 0)],
            shown: ConvId::Default,
            next_uid: 1,
            default_name: DEFAULT_ROOM.to_owned(),
        }
    }
}

impl Rooms {
    /// Just the default room, shown.
    pub fn new() -> Self {
        Self::default()
    }

    /// The server's name for its default room.
    pub fn default_name(&self) -> &str {
        &self.default_name
    }

    /// The server named its default room `room`.
    pub fn set_default_name(&mut self, room: &str) -> bool {
        let changed = self.default_name != room;
        self.default_name = room.to_owned();
        changed
    }

    /// The conversation of a room the server or the user named: the
    /// default one when it is the server's default room.
    pub fn conv(&self, room: &str) -> ConvId {
        if fold_room(room) == fold_room(&self.default_name) {
            ConvId::Default
        } else {
            ConvId::Room(room.to_owned())
        }
    }

    /// The room `id` is, as the server names it; `None` for a private
    /// conversation.
    pub fn room_name<'a>(&'a self, id: &'a ConvId) -> Option<&'a str> {
        (!id.is_private()).then(|| self.title(id))
    }

    /// The name shown for `id`: the room, or the other person.
    pub fn title<'a>(&'a self, id: &'a ConvId) -> &'a str {
        id.title_in(&self.default_name)
    }

    /// What `/history` and `/search` name `id` by: `#dev`, or `@bob`.
    pub fn target(&self, id: &ConvId) -> String {
        match id {
            ConvId::Private(name) => format!("{PEER_SIGIL}{name}"),
            _ => self.title(id).to_owned(),
        }
    }

    /// Every conversation, in sidebar order.
    pub fn list(&self) -> &[Conversation] {
        &self.list
    }

    /// The conversation shown in the window.
    pub fn shown(&self) -> &ConvId {
        &self.shown
    }

    pub fn get(&self, id: &ConvId) -> Option<&Conversation> {
        self.list.iter().find(|c| c.id == *id)
    }

    pub fn get_mut(&mut self, id: &ConvId) -> Option<&mut Conversation> {
        self.list.iter_mut().find(|c| c.id == *id)
    }

    /// The conversation `id`, made (in its place in the order) when new.
    pub fn open(&mut self, id: &ConvId) -> &mut Conversation {
        let at = match self.list.iter().position(|c| c.id == *id) {
            Some(at) => at,
            None => {
                // Rooms before private conversations, each in arrival order.
                let at = if id.is_private() {
                    self.list.len()
                } else {
                    self.list.iter().position(|c| c.id.is_private()).unwrap_or(self.list.len())
                };
                self.list.insert(at, Conversation::new(id.clone(), self.next_uid));
                self.next_uid += 1;
                at
            }
        };
        &mut self.list[at]
    }

    /// Forgets `id` (a room left, a conversation closed); the default room
    /// stays. When it was shown, the default room is shown instead.
    pub fn close(&mut self, id: &ConvId) -> bool {
        if *id == ConvId::Default {
            return false;
        }
        let before = self.list.len();
        self.list.retain(|c| c.id != *id);
        if self.shown == *id {
            self.show(&ConvId::Default);
        }
        self.list.len() != before
    }

    /// Shows `id`, which is read from now on. False when there is no such
    /// conversation.
    pub fn show(&mut self, id: &ConvId) -> bool {
        let Some(conv) = self.get_mut(id) else { return false };
        conv.unread = 0;
        conv.highlight = false;
        self.shown = conv.id.clone();
        true
    }

    /// Shows `id` with `draft` kept for the conversation shown until now;
    /// returns the draft kept for `id` (`None`: no such conversation).
    pub fn switch(&mut self, id: &ConvId, draft: &str) -> Option<String> {
        self.get(id)?;
        let shown = self.shown.clone();
        if let Some(conv) = self.get_mut(&shown) {
            conv.draft = draft.to_owned();
        }
        self.show(id);
        self.get_mut(id).map(|c| std::mem::take(&mut c.draft))
    }

    /// A message arrived in `id`: unread unless shown, highlighted too
    /// when it names this user or is private.
    pub fn arrived(&mut self, id: &ConvId, highlight: bool) {
        if *id == self.shown {
            return;
        }
        if let Some(conv) = self.get_mut(id) {
            conv.unread = conv.unread.saturating_add(1);
            conv.highlight |= highlight;
        }
    }

    /// The conversation `step` places after (negative: before) the shown
    /// one, going round at the ends.
    pub fn neighbour(&self, step: isize) -> ConvId {
        let len = self.list.len() as isize;
        let at = self.list.iter().position(|c| c.id == self.shown).unwrap_or(0) as isize;
        self.list[(at + step).rem_euclid(len) as usize].id.clone()
    }

    /// The rooms other than the default one, to rejoin and to remember.
    pub fn joined_rooms(&self) -> Vec<String> {
        self.list.iter().filter_map(|c| if let ConvId::Room(r) = &c.id { Some(r.clone()) } else { None }).collect()
    }

    /// The people of the private conversations the server keeps (they
    /// hold a stored line), to open again on the next start.
    pub fn kept_privates(&self) -> Vec<String> {
        self.list
            .iter()
            .filter_map(|c| match &c.id {
                ConvId::Private(name) if c.backlog.newest().is_some() => Some(name.clone()),
                _ => None,
            })
            .collect()
    }

    /// `name` went offline: gone from every member list. Returns the
    /// conversations they were in (private ones included).
    pub fn person_left(&mut self, name: &str) -> Vec<ConvId> {
        let key = fold_name(name);
        let mut were_in = Vec::new();
        for conv in &mut self.list {
            let private = matches!(&conv.id, ConvId::Private(p) if fold_name(p) == key);
            if conv.members.remove(name) || private {
                were_in.push(conv.id.clone());
            }
        }
        were_in
    }

    /// `old` is now `new`, everywhere; a private conversation with them
    /// follows the new name. Returns the conversations they are in.
    pub fn person_renamed(&mut self, old: &str, new: &str) -> Vec<ConvId> {
        let key = fold_name(old);
        let mut were_in = Vec::new();
        for conv in &mut self.list {
            if let ConvId::Private(p) = &conv.id {
                if fold_name(p) == key {
                    let renamed = ConvId::Private(new.to_owned());
                    if self.shown == conv.id {
                        self.shown = renamed.clone();
                    }
                    conv.id = renamed;
                    conv.members.rename(old, new);
                    were_in.push(conv.id.clone());
                    continue;
                }
            }
            if conv.id == ConvId::Default || conv.members.contains(old) {
                conv.members.rename(old, new);
                were_in.push(conv.id.clone());
            }
        }
        were_in
    }

    /// The connection is gone: each backlog remembers where to catch up.
    pub fn disconnected(&mut self) {
        for conv in &mut self.list {
            conv.backlog.disconnected();
        }
    }

    /// The connection is gone: nobody is known to be anywhere.
    pub fn clear_members(&mut self) {
        for conv in &mut self.list {
            conv.members.clear();
        }
    }
}

#[cfg(test)]
mod tests;
