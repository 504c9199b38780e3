//! One connection's conversations as the client understands them.
//!
//! Every server line goes through [`Reply::parse`] once, here, and comes out
//! as an [`Entry`] to show, the conversation it belongs to ([`Route`]) and
//! what changed (members, topic, own name, joined or refused). Lines tagged
//! with a room go to that room; private messages to a conversation with
//! their sender; errors to the conversation on screen. What the user types
//! is read in `session/sending.rs`; `/history` and `/search` requests and
//! their answers in `session/requests.rs`; private conversations' stored
//! lines (tagged `@bob`) in `session/privates.rs`.

use natter::protocol::account::AccountReply;
use natter::protocol::moderation::ModNotice;
use natter::protocol::{fold_name, ErrorKind, Reply, Tagged};

use super::backlog::Place;
use super::delivery::{Sent, SentLine};
use super::members::unmarked;
use super::rooms::{ConvId, Rooms};
use super::text::mentions;

mod default_room;
mod entry;
mod marks;
mod privates;
mod requests;
mod sending;

pub use self::entry::{AccountNews, ChatLine, Entry, ServerError, REPLACED};
pub use self::requests::{Ask, Done, Source, BIG_PAGE, OLDER_PAGE};
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
    /// A stored line's id.
    pub id: Option<u64>,
    /// Where a stamped line comes from (live, replayed, a page, a search).
    pub source: Source,
    /// Where a stored line goes among the conversation's others.
    pub place: Option<Place>,
    /// This user's own line echoed back stamped: it takes the place of
    /// the local echo.
    pub own_echo: bool,
    /// A welcome after replayed history: the live stream starts here.
    pub divider: bool,
    /// A `/history` or `/search` request was answered.
    pub done: Option<Done>,
    /// Lines to send now (`/stamps`, catching up after a reconnect, the
    /// next page).
    pub send: Vec<String>,
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
    /// Rooms welcomed on this connection: their stamped lines are live,
    /// the ones before a welcome replayed history.
    live: Vec<ConvId>,
    /// `*** stamps on` answers still to come, which are not shown.
    quiet_stamps: u32,
    /// `/history` and `/search` requests out (`session/requests.rs`).
    requests: requests::Requests,
    /// Logged in to a registered name on this connection: private
    /// conversations are kept (`session/privates.rs`).
    logged_in: bool,
    /// Marked member lists and quiet `/who` requests (`session/marks.rs`).
    marks: marks::Marks,
    /// A `/default` answer naming the default room is to come, not shown
    /// (`session/default_room.rs`).
    quiet_room: bool,
    /// Rooms to rejoin once that answer has come.
    rejoin_later: Option<Vec<String>>,
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
            live: Vec::new(),
            quiet_stamps: 0,
            requests: requests::Requests::default(),
            logged_in: false,
            marks: marks::Marks::default(),
            quiet_room: false,
            rejoin_later: None,
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

    /// Reads one server line on its own (see [`Session::read`] for a
    /// stream of them).
    pub fn receive(&mut self, line: &str) -> Outcome {
        self.receive_as(line, None)
    }

    /// Reads one server line; a stamped one comes from `source`, or, when
    /// not known, is live once its room was welcomed and replayed before.
    fn receive_as(&mut self, line: &str, source: Option<Source>) -> Outcome {
        let mut out = Outcome::default();
        let tagged = Tagged::parse(line);
        let id = conv_of(&tagged);
        let Tagged { room, stamp, reply } = tagged;
        if let Some(stamp) = stamp {
            out.said_at = Some(stamp.time.to_owned());
            out.id = Some(stamp.id);
            // A private conversation has no replay: what is not asked for
            // is said now (or kept for this user while offline).
            let live = id.is_private() || self.live.contains(&id);
            out.source = source.unwrap_or(if live { Source::Live } else { Source::Replay });
            if self.rooms.get(&id).is_none() {
                self.open_conversation(&id, &mut out);
            }
            if out.source != Source::Search {
                let backlog = &mut self.rooms.open(&id).backlog;
                let place = backlog.admit(stamp.id);
                if out.source == Source::Replay && place != Place::Duplicate {
                    backlog.replayed = true;
                }
                out.place = Some(place);
            }
        }
        out.route = Route::To(vec![id.clone()]);
        // Names as shown in a line: the member list shows the marks.
        let owned = |v: &[&str]| v.iter().map(|s| unmarked(s).to_owned()).collect::<Vec<_>>();
        out.entry = Some(match reply {
            Reply::Error(kind) if !self.joined => {
                out.refused = Some(ServerError::from(kind));
                return out;
            }
            Reply::Error(kind)
                if self.quiet_error(&kind, &mut out) || self.default_room_unsupported(&kind, &mut out) =>
            {
                return out
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
                out.divider = std::mem::take(&mut conv.backlog.replayed);
                self.catch_up(&id, &mut out);
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
                out.divider = std::mem::take(&mut self.rooms.open(&ConvId::Default).backlog.replayed);
                // Every stored line stamped from now on, own ones echoed:
                // each line shown has an id to page and catch up from.
                out.send.push("/stamps".to_owned());
                self.quiet_stamps += 1;
                // The default room's name before any request names it.
                self.ask_default_room(&mut out);
                self.ask_for_marks(&mut out);
                self.catch_up(&ConvId::Default, &mut out);
                // Logged in with the first line: private conversations too.
                out.send.extend(self.load_privates());
                out.members_changed = true;
                Entry::Welcome { name: name.to_owned(), online: owned(&online) }
            }
            Reply::Joined(name) => {
                out.members_changed = self.rooms.get_mut(&id).is_some_and(|c| c.members.add(name));
                if out.members_changed {
                    // Unmarked until the room is asked again.
                    self.ask_marks(&id, &mut out);
                }
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
                let rooms = self.rooms.person_renamed(old, new);
                // A login renames too, and may change the marks.
                for room in &rooms {
                    self.ask_marks(room, &mut out);
                }
                out.route = Route::To(rooms);
                out.members_changed = true;
                Entry::Renamed { old: old.to_owned(), new: new.to_owned(), own }
            }
            Reply::Online(names) => {
                if let Some(conv) = self.rooms.get_mut(&id) {
                    conv.members.set(names.iter().copied());
                }
                out.members_changed = true;
                if self.answered_quietly(&id, &mut out) {
                    return out;
                }
                Entry::Online(owned(&names))
            }
            // From history, this user's own lines come back too, and live
            // ones are echoed stamped.
            Reply::Chat { from, text } if self.is_me(from) => {
                out.own_echo = out.id.is_some() && out.source == Source::Live;
                Entry::OwnChat { from: from.to_owned(), text: text.to_owned() }
            }
            Reply::Action { from, text } if self.is_me(from) => {
                out.own_echo = out.id.is_some() && out.source == Source::Live;
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
            Reply::Private { from, text } => self.private(&id, room.is_some(), from, text, &mut out),
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
                Entry::Notice(crate::model::render::account_text(&AccountReply::Stored(to)))
            }
            Reply::Account(reply) => {
                out.account = match reply {
                    AccountReply::Registered(_) => Some(AccountNews::Registered),
                    AccountReply::LoggedIn(_) => Some(AccountNews::LoggedIn),
                    AccountReply::PasswordChanged => Some(AccountNews::PasswordChanged),
                    AccountReply::Unregistered(_) => Some(AccountNews::Unregistered),
                    AccountReply::Unencrypted | AccountReply::Stored(_) => None,
                };
                if let Some(news) = out.account.clone() {
                    self.account_changed(news, &mut out);
                }
                if matches!(
                    out.account,
                    Some(AccountNews::Registered | AccountNews::LoggedIn | AccountNews::Unregistered)
                ) {
                    // This user's own mark changed in every room.
                    self.ask_marks_everywhere(&mut out);
                }
                out.route = Route::Shown;
                Entry::Notice(crate::model::render::account_text(&reply))
            }
            Reply::ShuttingDown => {
                out.route = Route::Shown;
                Entry::ShuttingDown
            }
            Reply::Moderation(ModNotice::MarksOn) if self.marks_on(&mut out) => return out,
            // A mark changed: the member list shows it, the chat does not.
            Reply::Moderation(notice @ ModNotice::Mark(_)) => {
                self.mark_notice(&id, &notice, &mut out);
                return out;
            }
            Reply::Moderation(notice) => {
                self.mark_notice(&id, &notice, &mut out);
                // Someone removed from the room leaves its member list; if
                // it is this user, the room closes.
                let gone = match notice {
                    ModNotice::Kicked { name, .. } => Some(name),
                    ModNotice::Banned { target, .. } => Some(target),
                    _ => None,
                };
                if let Some(name) = gone.filter(|_| id != ConvId::Default) {
                    if self.is_me(name) {
                        if self.rooms.close(&id) {
                            out.closed = Some(id.clone());
                        }
                    } else if self.rooms.open(&id).members.remove(name) {
                        out.members_changed = true;
                    }
                }
                Entry::Notice(crate::model::render::moderation_text(&notice))
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
                    self.live.retain(|l| *l != id);
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
            Reply::DefaultRoom(room) if self.default_room_named(room, &mut out) => return out,
            Reply::Talking(room) => {
                self.server_room = self.rooms.conv(room);
                if self.quiet_talking > 0 {
                    // The answer to the client's own switch.
                    self.quiet_talking -= 1;
                    return out;
                }
                out.route = Route::Shown;
                Entry::Notice(rest_of(line).to_owned())
            }
            Reply::StampsOn if self.quiet_stamps > 0 => {
                self.quiet_stamps -= 1;
                return out;
            }
            // On joining (in place of the replay): a quiet word in the room.
            Reply::HistoryUnavailable => Entry::HistoryUnavailable,
            Reply::RoomList(_)
            | Reply::RoomInfo { .. }
            | Reply::HistoryEnd(_)
            | Reply::SearchEnd(_)
            | Reply::StampsOn
            | Reply::DefaultRoom(_) => {
                // Answers to /rooms, /history, /search, /stamps, /default: where the user asked.
                out.route = Route::Shown;
                Entry::Notice(rest_of(line).to_owned())
            }
            Reply::Other(text) => Entry::Raw(text.to_owned()),
        });
        if out.place == Some(Place::Duplicate) {
            out.entry = None;
        }
        out
    }

    /// The welcome of room `id`: live from now on, and, after a reconnect,
    /// the request for what was missed.
    fn catch_up(&mut self, id: &ConvId, out: &mut Outcome) {
        if !self.live.contains(id) {
            self.live.push(id.clone());
        }
        let Some(conv) = self.rooms.get_mut(id) else { return };
        if let Some(after) = conv.backlog.rejoined() {
            out.send.push(self.history_line(id, Ask::Newer { asked: BIG_PAGE }, after));
        }
    }

    /// A message from someone else in `id`: unread there unless from
    /// history, and an alert when it names this user.
    fn message(&mut self, id: &ConvId, mention: bool, out: &mut Outcome) {
        if out.source == Source::Live && out.place != Some(Place::Duplicate) {
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
        self.live.clear();
        self.quiet_stamps = 0;
        self.requests.clear();
        self.logged_in = false;
        self.marks.clear();
        self.quiet_room = false;
        self.rejoin_later = None;
        self.rooms.disconnected();
        Entry::Disconnected
    }
}

/// The conversation a server line belongs to: its tag's, or for an
/// untagged private message the conversation with its sender.
fn conv_of(tagged: &Tagged<'_>) -> ConvId {
    match (tagged.room, &tagged.reply) {
        (Some(tag), _) => ConvId::of_tag(tag),
        (None, Reply::Private { from, .. }) => ConvId::Private((*from).to_owned()),
        (None, _) => ConvId::Default,
    }
}

/// A notice as shown: the line without its tag and `*** `.
fn rest_of(line: &str) -> &str {
    let line = natter::protocol::room::split_tag(line).1;
    line.strip_prefix("*** ").unwrap_or(line)
}

#[cfg(test)]
mod history_tests;
#[cfg(test)]
mod marks_tests;
#[cfg(test)]
mod private_tests;
#[cfg(test)]
mod room_tests;
#[cfg(test)]
mod tests;
