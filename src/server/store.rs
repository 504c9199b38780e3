//! What natterd keeps on disk, behind small interfaces: the lines said
//! in rooms (chat, `/me`, topic changes) and the rooms themselves
//! ([`Store`]), and registered names ([`AccountStore`]).
//!
//! Commands and the event loop see only [`Store`] and these plain types,
//! never SQL, so another backend (a networked one for a cluster) can be
//! added without touching them. [`sqlite`] is the one natterd ships.

pub mod sqlite;
pub mod worker;

use std::fmt;

/// What kind of line was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Chat,
    Action,
    Topic,
}

impl Kind {
    pub fn code(self) -> i64 {
        match self {
            Kind::Chat => 0,
            Kind::Action => 1,
            Kind::Topic => 2,
        }
    }

    pub fn from_code(code: i64) -> Option<Kind> {
        match code {
            0 => Some(Kind::Chat),
            1 => Some(Kind::Action),
            2 => Some(Kind::Topic),
            _ => None,
        }
    }
}

/// One stored line. `room` is the room's folded key; ids increase with
/// time across all rooms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub id: u64,
    /// Seconds since the Unix epoch, UTC.
    pub time: i64,
    pub room: String,
    pub kind: Kind,
    pub from: String,
    pub text: String,
}

/// A room that outlives its members: it has history or a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedRoom {
    pub name: String,
    pub topic: Option<String>,
}

/// A registered name and its password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The folded name: one account per name, whatever its case.
    pub key: String,
    /// The name as registered (NFC).
    pub name: String,
    /// The Argon2id hash as a PHC string, parameters and salt included.
    pub phc: String,
    /// Seconds since the Unix epoch, UTC.
    pub created: i64,
}

/// Which way to page from a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// Lines with smaller ids, the newest of them.
    Before(u64),
    /// Lines with larger ids, the oldest of them.
    After(u64),
}

/// Why the store could not do something.
#[derive(Debug)]
pub struct StoreError {
    /// Is it worth trying again later (disk full, read-only, locked), as
    /// opposed to a file that is not natterd's or is damaged?
    pub transient: bool,
    pub message: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    /// The store is not open (failing, retried later).
    pub fn unavailable() -> Self {
        StoreError { transient: true, message: "the store is unavailable".into() }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Stored history. Lines come back oldest first.
pub trait Store {
    /// Stores `lines` (ids already given) in one transaction.
    fn append(&mut self, lines: &[Line]) -> Result<()>;
    /// The newest `n` lines of `room`.
    fn recent(&mut self, room: &str, n: usize) -> Result<Vec<Line>>;
    /// Up to `n` lines of `room` next to a cursor.
    fn page(&mut self, room: &str, page: Page, n: usize) -> Result<Vec<Line>>;
    /// The newest `n` lines of `room` holding every word of `words`.
    fn search(&mut self, room: &str, words: &str, n: usize) -> Result<Vec<Line>>;
    /// Deletes up to `batch` of the oldest lines said before `cutoff`, or
    /// while the stored lines take more than `max_bytes`; how many went.
    fn expire(&mut self, cutoff: i64, max_bytes: Option<u64>, batch: usize) -> Result<usize>;
    /// Records a room (and its topic) so it outlives its members.
    fn save_room(&mut self, key: &str, room: &SavedRoom) -> Result<()>;
    /// The `limit` saved rooms with the most recent lines, most recent
    /// first.
    fn rooms(&mut self, limit: usize) -> Result<Vec<SavedRoom>>;
    /// The saved room with folded name `key`.
    fn room(&mut self, key: &str) -> Result<Option<SavedRoom>>;
    /// The largest id ever stored, 0 when there is none.
    fn last_id(&mut self) -> Result<u64>;
    /// Brings the search index up to what was appended (a batch at a
    /// time); how many lines it indexed. Slow: the worker calls it.
    fn index(&mut self) -> Result<usize>;
    /// Makes what was appended durable (for SQLite: a WAL checkpoint).
    /// Slow: the worker calls it, never the event loop.
    fn sync(&mut self) -> Result<()>;
}

/// Registered names. Kept even with `--no-history`.
pub trait AccountStore {
    /// Every account, to hold in memory at start.
    fn accounts(&mut self) -> Result<Vec<Account>>;
    /// Adds an account or replaces its hash.
    fn save_account(&mut self, account: &Account) -> Result<()>;
    /// Deletes the account with folded name `key`, its waiting mail and
    /// its private conversations.
    fn delete_account(&mut self, key: &str) -> Result<()>;
    /// Keeps a private message for the account `to` (folded), unless
    /// `max` already wait; `false` when full.
    fn keep_offline(&mut self, to: &str, message: &Offline, max: usize) -> Result<bool>;
    /// Takes (and deletes) the messages waiting for `to`, oldest first.
    fn take_offline(&mut self, to: &str) -> Result<Vec<Offline>>;
}

/// A private message kept for a registered user who was offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offline {
    /// The id of its line in the private conversation it was kept in,
    /// or 0 for the store to number it.
    pub id: u64,
    /// Seconds since the Unix epoch, UTC.
    pub time: i64,
    pub from: String,
    pub text: String,
}

/// A ban: `room` is the room's folded key (the default room's means the
/// whole server), `target` a folded name or an address prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    pub room: String,
    pub target: String,
    /// Who set it, as they were named then.
    pub by: String,
    /// Seconds since the epoch when it ends; `None`: never.
    pub until: Option<i64>,
    pub reason: Option<String>,
}

/// A mute of the folded name `name` in `room`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mute {
    pub room: String,
    pub name: String,
    pub until: Option<i64>,
}

/// A room's modes: `+r` (only registered names speak), `+t` (topic locked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Modes {
    pub registered_only: bool,
    pub topic_locked: bool,
}

/// Everything moderation keeps, as read at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moderated {
    pub bans: Vec<Ban>,
    pub mutes: Vec<Mute>,
    /// (room key, folded account name)
    pub ops: Vec<(String, String)>,
    /// (room key, modes)
    pub modes: Vec<(String, Modes)>,
}

/// Bans, mutes, room operators and modes. Kept even with `--no-history`;
/// expired entries are dropped lazily by the caller.
pub trait ModerationStore {
    /// Everything, to hold in memory at start.
    fn moderation(&mut self) -> Result<Moderated>;
    fn save_ban(&mut self, ban: &Ban) -> Result<()>;
    fn delete_ban(&mut self, room: &str, target: &str) -> Result<()>;
    fn save_mute(&mut self, mute: &Mute) -> Result<()>;
    fn delete_mute(&mut self, room: &str, name: &str) -> Result<()>;
    fn save_op(&mut self, room: &str, name: &str) -> Result<()>;
    fn delete_op(&mut self, room: &str, name: &str) -> Result<()>;
    fn save_modes(&mut self, room: &str, modes: &Modes) -> Result<()>;
}
