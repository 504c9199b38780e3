//! What the conversation shows: one [`Entry`] per line, in the client's
//! terms, with the time it was said ([`ChatLine`]), and server errors kept
//! as the protocol's own type ([`ServerError`]); account answers as
//! [`AccountNews`].

use natter::protocol::{ErrorKind, Reply};

use crate::model::day::Day;

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
    /// Someone went offline.
    Quit { name: String, reason: Option<String> },
    /// Someone left the room (this user, when `name` is theirs).
    Left { name: String, reason: Option<String> },
    /// The room's topic, when joining or asked with `/topic`.
    Topic(String),
    /// The answer to `/topic` in a room without one.
    NoTopic,
    /// Someone set the room's topic.
    TopicSet { by: String, topic: String },
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
    /// The divider between replayed history and the live stream.
    NewMessages,
    /// The server cannot give this room's history now.
    HistoryUnavailable,
}

/// An entry with the local time it was said at, as the conversation keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLine {
    /// `HH:MM`, local time.
    pub time: String,
    /// The local day it was said on, for the day separators.
    pub day: Option<Day>,
    /// The server's id of a stored line (see `model/backlog.rs`).
    pub id: Option<u64>,
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

/// An account answer the account dialog and the keyring act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountNews {
    /// Registered (and so logged in) as this name.
    Registered,
    /// Logged in with a password.
    LoggedIn,
    /// The password was changed.
    PasswordChanged,
    /// The name is no longer registered.
    Unregistered,
}

/// The server's text when this user's name logged in on another
/// connection, which replaces this one.
pub const REPLACED: &str = "you logged in from elsewhere";
