//! One conversation as the client understands it.
//!
//! Every server line goes through [`Reply::parse`] once, here, and comes out
//! as an [`Entry`] to show plus what changed (members, own name, joined or
//! refused). What the user types goes through [`Command::parse`], the same
//! reading the server applies, to decide what to show locally: the server
//! does not echo a sender's own lines.

use natter::protocol::{fold_name, Command, ErrorKind, Reply};

use super::delivery::{Sent, SentLine};
use super::members::Members;
use super::text::mentions;

/// One line of the conversation, in the client's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Someone else's message; `mention` when it names this user.
    Chat { from: String, text: String, mention: bool },
    /// A message this user sent, shown locally.
    OwnChat { from: String, text: String },
    /// `/me` from someone (`own` for this user's, shown locally).
    Action { from: String, text: String, own: bool, mention: bool },
    /// A private message to this user.
    PrivateIn { from: String, text: String },
    /// A private message this user sent, shown locally.
    PrivateOut { to: String, text: String },
    /// This user joined; `online` includes them.
    Welcome { name: String, online: Vec<String> },
    /// Someone joined.
    Joined(String),
    /// Someone left.
    Quit { name: String, reason: Option<String> },
    /// Someone changed name; `own` when it was this user.
    Renamed { old: String, new: String, own: bool },
    /// The answer to `/who`.
    Online(Vec<String>),
    /// An error the server reported.
    Error(ServerError),
    /// Any other server notice (such as the `/help` text), shown as received.
    Notice(String),
    /// The server announced it is shutting down.
    ShuttingDown,
    /// The connection was lost ("Server disconnected.").
    Disconnected,
    /// A line could not be written ("Failed to send message.").
    SendFailed,
    /// A line of this user's that the server refused, shown as it was and
    /// marked as not delivered; `input` is what was typed, to give back.
    Undelivered { echo: Box<Entry>, input: String },
    /// A server line of no known kind, shown as received.
    Raw(String),
}

/// An entry with the local time it arrived at, as the conversation keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLine {
    /// `HH:MM`, local time.
    pub time: String,
    /// What happened.
    pub entry: Entry,
}

/// An error the server reported, kept as the line it sent.
///
/// Not a copy of the protocol's [`ErrorKind`]: [`ServerError::kind`] reads
/// the line back as that very type, so a kind added to the protocol reaches
/// the client's exhaustive match (`render::error_text`) and fails to
/// compile there until it has the client's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// The wire form, `*** error: …`, without the newline.
    line: String,
}

impl ServerError {
    /// What the server reported, in the protocol's terms.
    pub fn kind(&self) -> ErrorKind<'_> {
        match Reply::parse(&self.line) {
            Reply::Error(kind) => kind,
            // Unreachable: `line` was formatted from an error reply, and
            // the protocol's tests hold that every error reply round-trips.
            _ => ErrorKind::Other(&self.line),
        }
    }
}

impl From<ErrorKind<'_>> for ServerError {
    fn from(kind: ErrorKind<'_>) -> Self {
        ServerError { line: Reply::Error(kind).to_string() }
    }
}

/// What one received line changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The line to show, if any.
    pub entry: Option<Entry>,
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
}

/// What to send for a line the user typed, and what to show for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The line for the wire, without the newline.
    pub line: String,
    /// The local echo, shown once the line is written.
    pub echo: Option<Entry>,
    /// The user is leaving (`/quit`): do not reconnect.
    pub quits: bool,
}

/// The state of one connection's conversation.
#[derive(Debug, Clone)]
pub struct Session {
    me: String,
    members: Members,
    joined: bool,
    /// The last lines written, for matching refusals to them.
    sent: Sent,
}

impl Session {
    /// A session that will join as `name`.
    pub fn new(name: &str) -> Self {
        Session { me: name.to_owned(), members: Members::new(), joined: false, sent: Sent::default() }
    }

    /// This user's current name.
    pub fn me(&self) -> &str {
        &self.me
    }

    /// Who is online.
    pub fn members(&self) -> &Members {
        &self.members
    }

    /// True between the welcome and the disconnect.
    pub fn is_joined(&self) -> bool {
        self.joined
    }

    fn is_me(&self, name: &str) -> bool {
        fold_name(name) == fold_name(&self.me)
    }

    /// Reads one server line.
    pub fn receive(&mut self, line: &str) -> Outcome {
        let mut out = Outcome::default();
        let reply = Reply::parse(line);
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        out.entry = Some(match reply {
            Reply::Welcome { name, online } => {
                self.joined = true;
                self.me = name.to_owned();
                self.members.set(online.iter().copied());
                // The welcome list may predate our own entry; we are online.
                self.members.add(name);
                out.welcomed = true;
                out.members_changed = true;
                Entry::Welcome { name: name.to_owned(), online: owned(&online) }
            }
            Reply::Error(kind) if !self.joined => {
                out.refused = Some(ServerError::from(kind));
                return out;
            }
            Reply::Error(kind) => {
                out.undelivered = self.sent.refused(&kind);
                Entry::Error(ServerError::from(kind))
            }
            Reply::Joined(name) => {
                out.members_changed = self.members.add(name);
                Entry::Joined(name.to_owned())
            }
            Reply::Quit { name, reason } => {
                out.members_changed = self.members.remove(name);
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
                self.members.rename(old, new);
                out.members_changed = true;
                Entry::Renamed { old: old.to_owned(), new: new.to_owned(), own }
            }
            Reply::Online(names) => {
                self.members.set(names.iter().copied());
                out.members_changed = true;
                Entry::Online(owned(&names))
            }
            Reply::Chat { from, text } => {
                let mention = mentions(text, &self.me);
                out.alert = mention;
                Entry::Chat { from: from.to_owned(), text: text.to_owned(), mention }
            }
            Reply::Action { from, text } => {
                let mention = mentions(text, &self.me);
                out.alert = mention;
                Entry::Action { from: from.to_owned(), text: text.to_owned(), own: false, mention }
            }
            Reply::Private { from, text } => {
                out.alert = true;
                Entry::PrivateIn { from: from.to_owned(), text: text.to_owned() }
            }
            Reply::ShuttingDown => Entry::ShuttingDown,
            Reply::Notice(text) => Entry::Notice(text.to_owned()),
            // Room lines, until the window shows rooms of their own.
            Reply::Left { .. }
            | Reply::Topic(_)
            | Reply::NoTopic
            | Reply::TopicSet { .. }
            | Reply::Talking(_)
            | Reply::RoomList(_)
            | Reply::RoomInfo { .. }
            | Reply::HistoryEnd(_)
            | Reply::SearchEnd(_)
            | Reply::HistoryUnavailable
            | Reply::StampsOn => Entry::Notice(line.strip_prefix("*** ").unwrap_or(line).to_owned()),
            Reply::Other(text) => Entry::Raw(text.to_owned()),
        });
        out
    }

    /// Reads a line the user typed: `None` when there is nothing to send.
    pub fn prepare(&self, input: &str) -> Option<Outgoing> {
        // One entry line is one wire line, whatever was pasted into it.
        let line: String = input.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
        let me = self.me.clone();
        let (echo, quits) = match Command::parse(&line, &self.me) {
            Command::Empty => return None,
            Command::Say(text) => (Some(Entry::OwnChat { from: me, text: text.to_owned() }), false),
            Command::Me(text) => {
                (Some(Entry::Action { from: me, text: text.to_owned(), own: true, mention: false }), false)
            }
            Command::Msg { to, text } => (Some(Entry::PrivateOut { to: to.to_owned(), text: text.to_owned() }), false),
            Command::Quit(_) => (None, true),
            // The server answers these itself.
            Command::Who(_)
            | Command::Nick(_)
            | Command::Help
            | Command::Usage(_)
            | Command::Unknown(_)
            | Command::Join(_)
            | Command::Part { .. }
            | Command::SayIn { .. }
            | Command::Rooms
            | Command::Topic(_)
            | Command::History { .. }
            | Command::Search { .. }
            | Command::Stamps => (None, false),
        };
        Some(Outgoing { line, echo, quits })
    }

    /// `outgoing`, typed as `input`, is about to be written: a refusal
    /// may be about it. Returns the id for [`Session::written`] when it
    /// has an echo.
    pub fn sending(&mut self, outgoing: &Outgoing, input: &str) -> Option<u64> {
        let echo = outgoing.echo.clone()?;
        Some(self.sent.record(echo, input, outgoing.line.len()))
    }

    /// Line `id` was written: what to show for it, its echo or (when the
    /// server refused it already) the line marked as not delivered.
    pub fn written(&mut self, id: u64, echo: Entry) -> Entry {
        self.sent.shown(id).unwrap_or(echo)
    }

    /// The connection is gone: nobody is known to be online any more.
    pub fn disconnected(&mut self) -> Entry {
        self.sent.clear();
        self.joined = false;
        self.members.clear();
        Entry::Disconnected
    }
}

#[cfg(test)]
mod tests;
