//! One connection's conversations as the client understands them.
//!
//! Every server line goes through [`Reply::parse`] once, here, and comes out
//! as an [`Entry`] to show, the conversation it belongs to ([`Route`]) and
//! what changed (members, topic, own name, joined or refused). Lines tagged
//! with a room go to that room; private messages to a conversation with
//! their sender; errors to the conversation on screen. What the user types
//! is read in `session/sending.rs`.

use natter::protocol::account::AccountReply;
use natter::protocol::{fold_name, ErrorKind, Reply, Tagged};

use super::delivery::{Sent, SentLine};
use super::rooms::{ConvId, Rooms};
use super::text::mentions;

mod entry;
mod sending;

pub use self::entry::{AccountNews, ChatLine, Entry, ServerError, REPLACED};
pub use self::sending::Outgoing;

/// Where a received line goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// To these conversations (a quit goes to every room the person was in).
    To(Vec<ConvId>),
    /// To the conversation on screen: errors and answers to commands.
    Shown,
}

impl Default for Route {
    fn default() -> Self {
        Route::To(vec![ConvId::Default])
    }
}

/// What one received line changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The line to show, if any.
    pub entry: Option<Entry>,
    /// Where it goes.
    pub route: Route,
    /// The member list changed.
    pub members_changed: bool,
    /// The server accepted the name: the chat screen can open.
    pub welcomed: bool,
    /// The server refused the join (before any welcome).
    pub refused: Option<ServerError>,
    /// Worth a desktop notification: a private message or a mention.
    pub alert: bool,
    /// This user's name changed.
    pub renamed_me: bool,
    /// The shown line of this user's that this error refuses.
    pub undelivered: Option<SentLine>,
    /// A conversation was added (a room joined, a private message).
    pub opened: Option<ConvId>,
    /// This user left a room: its conversation is gone.
    pub closed: Option<ConvId>,
    /// The user asked for this room (typed `/join`): show it.
    pub show: Option<ConvId>,
    /// A room's topic changed (the header shows the shown room's).
    pub topic_changed: bool,
    /// A line from history: when it was said (UTC, `YYYY-MM-DDTHH:MM:SSZ`).
    /// Already seen or not, it is neither unread nor an alert.
    pub said_at: Option<String>,
    /// An account answer (registered, logged in …).
    pub account: Option<AccountNews>,
    /// This user logged in elsewhere: this connection is replaced and
    /// must not reconnect (it would take the name back, and so on).
    pub replaced: bool,
}

/// The state of one connection's conversations.
#[derive(Debug, Clone)]
pub struct Session {
    me: String,
    rooms: Rooms,
    joined: bool,
    /// The last lines written, for matching refusals to them.
    sent: Sent,
    /// The room the server sends plain lines and `/me` to: the last one
    /// joined (`/join` also makes a room one is in current).
    server_room: ConvId,
    /// `*** now talking in #room` answers to the client's own switches,
    /// which are not shown.
    quiet_talking: u32,
    /// Rooms the user asked to join, shown once joined.
    wanted: Vec<ConvId>,
    /// Where the last `/msg` to each person was typed, newest last: a
    /// "stored until they log in" answer is shown there.
    private_typed_in: Vec<(String, ConvId)>,
}

impl Session {
    /// A session that will join as `name`.
    pub fn new(name: &str) -> Self {
        Session {
            me: name.to_owned(),
            rooms: Rooms::new(),
            joined: false,
            sent: Sent::default(),
            server_room: ConvId::Default,
            quiet_talking: 0,
            wanted: Vec::new(),
            private_typed_in: Vec::new(),
        }
    }

    /// This user's current name.
    pub fn me(&self) -> &str {
        &self.me
    }

    /// The conversations.
    pub fn rooms(&self) -> &Rooms {
        &self.rooms
    }

    /// Shows `id` (see [`Rooms::show`]).
    pub fn show(&mut self, id: &ConvId) -> bool {
        self.rooms.show(id)
    }

    /// Shows `id`, keeping `draft` for the conversation left (see
    /// [`Rooms::switch`]).
    pub fn switch(&mut self, id: &ConvId, draft: &str) -> Option<String> {
        self.rooms.switch(id, draft)
    }

    /// Opens (or finds) a private conversation with `name`.
    pub fn open_private(&mut self, name: &str) -> ConvId {
        let id = ConvId::Private(name.to_owned());
        let me = self.me.clone();
        let conv = self.rooms.open(&id);
        conv.members.add(&me);
        conv.members.add(name);
        conv.id.clone()
    }

    /// Who is in the shown conversation.
    pub fn members(&self) -> Vec<String> {
        self.rooms.get(self.rooms.shown()).map(|c| c.members.to_vec()).unwrap_or_default()
    }

    /// True between the welcome and the disconnect.
    pub fn is_joined(&self) -> bool {
        self.joined
    }

    fn is_me(&self, name: &str) -> bool {
        self.is_same(name, &self.me)
    }

    fn is_same(&self, a: &str, b: &str) -> bool {
        fold_name(a) == fold_name(b)
    }

    /// Reads one server line.
    pub fn receive(&mut self, line: &str) -> Outcome {
        let mut out = Outcome::default();
        let Tagged { room, stamp, reply } = Tagged::parse(line);
        let id = room.map_or(ConvId::Default, ConvId::room);
        if let Some(stamp) = stamp {
            // History: replayed before a room's welcome, or asked for.
            out.said_at = Some(stamp.time.to_owned());
            if self.rooms.get(&id).is_none() {
                self.rooms.open(&id);
                out.opened = Some(id.clone());
            }
        }
        out.route = Route::To(vec![id.clone()]);
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        out.entry = Some(match reply {
            Reply::Error(kind) if !self.joined => {
                out.refused = Some(ServerError::from(kind));
                return out;
            }
            Reply::Error(kind) => {
                out.replaced = kind == ErrorKind::Other(REPLACED);
                out.undelivered = self.sent.refused(&kind);
                out.route = Route::Shown;
                Entry::Error(ServerError::from(kind))
            }
            Reply::Welcome { name, online } if id != ConvId::Default => {
                // Joined a room: it becomes the server's current room.
                let conv = self.rooms.open(&id);
                conv.members.set(online.iter().copied());
                conv.members.add(name);
                let id = conv.id.clone();
                self.server_room = id.clone();
                if let Some(at) = self.wanted.iter().position(|w| *w == id) {
                    self.wanted.remove(at);
                    out.show = Some(id.clone());
                }
                out.opened = Some(id);
                out.members_changed = true;
                Entry::Welcome { name: name.to_owned(), online: owned(&online) }
            }
            Reply::Welcome { name, online } => {
                self.joined = true;
                self.me = name.to_owned();
                self.server_room = ConvId::Default;
                self.quiet_talking = 0;
                let members = &mut self.rooms.open(&ConvId::Default).members;
                members.set(online.iter().copied());
                // The welcome list may predate our own entry; we are online.
                members.add(name);
                out.welcomed = true;
                out.members_changed = true;
                Entry::Welcome { name: name.to_owned(), online: owned(&online) }
            }
            Reply::Joined(name) => {
                out.members_changed = self.rooms.get_mut(&id).is_some_and(|c| c.members.add(name));
                Entry::Joined(name.to_owned())
            }
            Reply::Quit { name, reason } => {
                out.route = Route::To(self.rooms.person_left(name));
                out.members_changed = true;
                // The server's reasons and a user's look alike here: the
                // protocol keeps them apart, the window shows both as said.
                Entry::Quit { name: name.to_owned(), reason: reason.map(|r| r.text().to_owned()) }
            }
            Reply::Renamed { old, new } => {
                let own = self.is_me(old);
                if own {
                    self.me = new.to_owned();
                    out.renamed_me = true;
                }
                out.route = Route::To(self.rooms.person_renamed(old, new));
                out.members_changed = true;
                Entry::Renamed { old: old.to_owned(), new: new.to_owned(), own }
            }
            Reply::Online(names) => {
                if let Some(conv) = self.rooms.get_mut(&id) {
                    conv.members.set(names.iter().copied());
                }
                out.members_changed = true;
                Entry::Online(owned(&names))
            }
            // From history, this user's own lines come back too.
            Reply::Chat { from, text } if self.is_me(from) => {
                Entry::OwnChat { from: from.to_owned(), text: text.to_owned() }
            }
            Reply::Action { from, text } if self.is_me(from) => {
                Entry::Action { from: from.to_owned(), text: text.to_owned(), own: true, mention: false }
            }
            Reply::Chat { from, text } => {
                let mention = mentions(text, &self.me);
                self.message(&id, mention, &mut out);
                Entry::Chat { from: from.to_owned(), text: text.to_owned(), mention }
            }
            Reply::Action { from, text } => {
                let mention = mentions(text, &self.me);
                self.message(&id, mention, &mut out);
                Entry::Action { from: from.to_owned(), text: text.to_owned(), own: false, mention }
            }
            Reply::Private { from, text } => {
                out.alert = true;
                let private = ConvId::Private(from.to_owned());
                if self.rooms.get(&private).is_none() {
                    out.opened = Some(self.open_private(from));
                }
                self.rooms.arrived(&private, true);
                // Also where the user is, as before there were rooms: a
                // private message is never missed, and is answered in its
                // own conversation.
                let shown = self.rooms.shown().clone();
                out.route = Route::To(if shown == private { vec![private] } else { vec![private, shown] });
                Entry::PrivateIn { from: from.to_owned(), text: text.to_owned() }
            }
            Reply::Account(AccountReply::Stored(to)) => {
                // Where the message was typed, and its private
                // conversation, as its echo was.
                let typed_in = self.private_typed_in.iter().rev().find(|(name, _)| self.is_same(name, to));
                let mut ids: Vec<ConvId> = typed_in.map(|(_, id)| id.clone()).into_iter().collect();
                let private = ConvId::Private(to.to_owned());
                if !ids.contains(&private) {
                    ids.push(private);
                }
                ids.retain(|id| self.rooms.get(id).is_some());
                out.route = if ids.is_empty() { Route::Shown } else { Route::To(ids) };
                Entry::Notice(rest_of(line).to_owned())
            }
            Reply::Account(reply) => {
                out.account = match reply {
                    AccountReply::Registered(_) => Some(AccountNews::Registered),
                    AccountReply::LoggedIn(_) => Some(AccountNews::LoggedIn),
                    AccountReply::PasswordChanged => Some(AccountNews::PasswordChanged),
                    AccountReply::Unregistered(_) => Some(AccountNews::Unregistered),
                    AccountReply::Unencrypted | AccountReply::Stored(_) => None,
                };
                out.route = Route::Shown;
                Entry::Notice(rest_of(line).to_owned())
            }
            Reply::ShuttingDown => {
                out.route = Route::Shown;
                Entry::ShuttingDown
            }
            Reply::Notice(text) => {
                // Answers to commands (/help): where the user asked.
                out.route = Route::Shown;
                Entry::Notice(text.to_owned())
            }
            Reply::Left { name, reason } => {
                if self.is_me(name) {
                    // Usually closed already, when the user left.
                    if self.rooms.close(&id) {
                        out.closed = Some(id.clone());
                    }
                    if id == self.server_room {
                        self.server_room = ConvId::Default;
                    }
                    return out;
                }
                out.members_changed = self.rooms.get_mut(&id).is_some_and(|c| c.members.remove(name));
                Entry::Left { name: name.to_owned(), reason: reason.map(str::to_owned) }
            }
            Reply::Topic(topic) => {
                out.topic_changed = self.set_topic(&id, Some(topic));
                Entry::Topic(topic.to_owned())
            }
            Reply::NoTopic => {
                out.topic_changed = self.set_topic(&id, None);
                Entry::NoTopic
            }
            Reply::TopicSet { by, topic } => {
                out.topic_changed = self.set_topic(&id, Some(topic).filter(|t| !t.is_empty()));
                Entry::TopicSet { by: by.to_owned(), topic: topic.to_owned() }
            }
            Reply::Talking(room) => {
                self.server_room = ConvId::room(room);
                if self.quiet_talking > 0 {
                    // The answer to the client's own switch.
                    self.quiet_talking -= 1;
                    return out;
                }
                out.route = Route::Shown;
                Entry::Notice(rest_of(line).to_owned())
            }
            Reply::RoomList(_)
            | Reply::RoomInfo { .. }
            | Reply::HistoryEnd(_)
            | Reply::SearchEnd(_)
            | Reply::HistoryUnavailable
            | Reply::StampsOn => {
                // Answers to /rooms, /history, /search, /stamps: where the user asked.
                out.route = Route::Shown;
                Entry::Notice(rest_of(line).to_owned())
            }
            Reply::Other(text) => Entry::Raw(text.to_owned()),
        });
        out
    }

    /// A message from someone else in `id`: unread there unless from
    /// history, and an alert when it names this user.
    fn message(&mut self, id: &ConvId, mention: bool, out: &mut Outcome) {
        if out.said_at.is_none() {
            out.alert = mention;
            self.rooms.arrived(id, mention);
        }
    }

    fn set_topic(&mut self, id: &ConvId, topic: Option<&str>) -> bool {
        match self.rooms.get_mut(id) {
            Some(conv) => {
                conv.topic = topic.map(str::to_owned);
                true
            }
            None => false,
        }
    }

    /// The connection is gone: nobody is known to be online any more. The
    /// conversations stay, to be rejoined.
    pub fn disconnected(&mut self) -> Entry {
        self.sent.clear();
        self.joined = false;
        self.rooms.clear_members();
        self.server_room = ConvId::Default;
        Entry::Disconnected
    }
}

/// A notice as shown: the line without its room tag and `*** `.
fn rest_of(line: &str) -> &str {
    let line = match line.split_once(' ') {
        Some((tag, rest)) if tag.starts_with('#') => rest,
        _ => line,
    };
    line.strip_prefix("*** ").unwrap_or(line)
}

#[cfg(test)]
mod room_tests;
#[cfg(test)]
mod tests;
