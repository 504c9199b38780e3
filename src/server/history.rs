//! The event loop's side of stored history: ids and times for new lines,
//! the turn's batch, replay for joiners, requests for the worker, expiry
//! in small slices, and carrying on when the disk will not take more.
//!
//! The batch is committed before any socket is written (the loop calls
//! [`History::commit`] before each flush), so a line is in the WAL before
//! any client receives it: `kill -9` at any moment loses no line a client
//! saw. A commit is a write into the OS's cache, not an fsync; the worker
//! does the syncing. When storing fails (disk full, read-only directory,
//! another natterd holding the directory), chat goes on live, one error
//! is logged, joiners are told history is unavailable, and storing
//! resumes by itself once a retry succeeds.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use log::{error, info, warn};
use mio::Waker;

use crate::pool::Handle;
use crate::store::sqlite::SqliteStore;
use crate::store::worker::{Answer, Query, Request, Worker};
use crate::store::{Kind, Line, SavedRoom, Store, StoreError};

/// How long to wait before trying the disk again after a failure.
const RETRY_EVERY: Duration = Duration::from_secs(10);
/// How often expiry looks for old lines, and the pause between slices
/// while it finds some.
const EXPIRE_EVERY: Duration = Duration::from_secs(60);
const EXPIRE_SLICE_PAUSE: Duration = Duration::from_millis(100);
/// Pages and searches waiting for the worker at most.
const MAX_WAITING: usize = 64;
/// Lines deleted per slice: a few milliseconds of work at most.
const EXPIRE_BATCH: usize = 200;

/// What `--data-dir`, `--no-history` and the retention flags asked for.
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    /// Where the database lives; `None`: no directory could be found.
    pub dir: Option<PathBuf>,
    /// Keep chat lines (no `--no-history`). Without, the database holds
    /// only accounts, and is opened when it exists or one is registered.
    pub lines: bool,
    /// Lines replayed to a joiner.
    pub replay: usize,
    /// Most kept rooms brought back at start (`--max-rooms`).
    pub rooms: usize,
    /// Days lines are kept; 0 keeps them until the size cap.
    pub days: u32,
    /// Most bytes of stored lines; `None` for no cap.
    pub max_bytes: Option<u64>,
}

/// Whom a worker answer is for, and how to present it.
#[derive(Debug, Clone)]
pub struct Tag {
    pub client: Handle,
    /// The tag each line of the answer carries: the room as it is shown
    /// (`None` for the default room), or `@PEER` for a conversation.
    pub room: Option<String>,
    pub search: bool,
}

/// Stored history, as the event loop uses it.
pub struct History {
    options: HistoryOptions,
    store: Option<SqliteStore>,
    worker: Option<Worker<Tag>>,
    waker: Arc<Waker>,
    pending: Vec<Line>,
    next_id: u64,
    /// Set after a failure: when to try the disk again.
    retry_at: Option<Instant>,
    /// Storing has failed and not yet succeeded again (one error logged).
    failing: bool,
    /// Requests handed to the worker and not yet answered.
    waiting: usize,
    expire_at: Instant,
}

/// Seconds since the epoch, now.
fn now_secs() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// `time` as the stamp writes it: `2026-12-06T01:02:03Z`.
pub fn utc(time: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(time).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

impl History {
    /// Opens the store. A file that is not natterd's, or is damaged, is an
    /// error (natterd must not start and overwrite it); a disk that cannot
    /// be written now only makes history unavailable until it can.
    pub fn open(options: HistoryOptions, waker: Arc<Waker>) -> Result<(History, Vec<SavedRoom>), StoreError> {
        let now = Instant::now();
        let mut history = History {
            options,
            store: None,
            worker: None,
            waker,
            pending: Vec::new(),
            next_id: 1,
            retry_at: None,
            failing: false,
            waiting: 0,
            expire_at: now,
        };
        let exists = history.options.dir.as_deref().is_some_and(|d| crate::store::sqlite::path_in(d).exists());
        if !history.options.lines && !exists {
            return Ok((history, Vec::new()));
        }
        let rooms = match history.connect() {
            Ok(rooms) => rooms,
            Err(e) if e.transient => {
                history.failed(&e, now);
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        Ok((history, rooms))
    }

    /// Opens the database and starts the worker; returns the saved rooms.
    fn connect(&mut self) -> Result<Vec<SavedRoom>, StoreError> {
        let Some(dir) = &self.options.dir else { return Ok(Vec::new()) };
        let mut store = SqliteStore::open(dir)?;
        if !self.options.lines {
            info!("accounts in {} (no history kept)", store.path().display());
            self.store = Some(store);
            return Ok(Vec::new());
        }
        self.next_id = self.next_id.max(store.last_id()? + 1);
        let rooms = store.rooms(self.options.rooms)?;
        let reader = SqliteStore::reader(store.path())?;
        let worker = Worker::start(reader, Arc::clone(&self.waker))
            .map_err(|e| StoreError { transient: true, message: format!("cannot start the store worker: {e}") })?;
        info!("history in {}", store.path().display());
        self.store = Some(store);
        self.worker = Some(worker);
        self.waiting = 0;
        Ok(rooms)
    }

    /// Is history kept at all (no `--no-history`)?
    pub fn enabled(&self) -> bool {
        self.options.lines && self.options.dir.is_some()
    }

    /// Can lines be stored and read right now?
    pub fn available(&self) -> bool {
        self.options.lines && self.store_ready()
    }

    fn store_ready(&self) -> bool {
        self.store.is_some() && self.retry_at.is_none()
    }

    /// The store, for accounts (and later bans): opened on first use when
    /// no lines are kept. `None` (and one error logged) while it fails.
    pub fn accounts_store(&mut self) -> Option<&mut SqliteStore> {
        if self.store.is_none() && self.retry_at.is_none() && self.options.dir.is_some() {
            if let Err(e) = self.connect() {
                self.failed(&e, Instant::now());
            }
        }
        if !self.store_ready() {
            return None;
        }
        self.store.as_mut()
    }

    /// The store if it is open now (without opening it).
    pub fn existing_store(&mut self) -> Option<&mut SqliteStore> {
        self.store.as_mut()
    }

    /// Notes a failed account write: like a failed line, retried later.
    pub fn store_failed(&mut self, e: &StoreError) {
        self.failed(e, Instant::now());
    }

    pub fn replay_len(&self) -> usize {
        self.options.replay
    }

    fn failed(&mut self, e: &StoreError, now: Instant) {
        if !self.failing {
            error!("history unavailable: {e}; chat goes on without storing, retrying every {}s", RETRY_EVERY.as_secs());
            self.failing = true;
        }
        self.retry_at = Some(now + RETRY_EVERY);
    }

    fn succeeded(&mut self) {
        if self.failing {
            info!("history is being stored again");
            self.failing = false;
        }
    }

    /// Gives a new line of `room` (folded key) its id and time and queues
    /// it for this turn's commit; `None` when nothing is being stored.
    pub fn record(&mut self, room: &str, kind: Kind, from: &str, text: &str) -> Option<(u64, i64)> {
        if !self.available() {
            return None;
        }
        let (id, time) = (self.next_id, now_secs());
        self.next_id += 1;
        self.pending.push(Line { id, time, room: room.to_owned(), kind, from: from.to_owned(), text: text.to_owned() });
        Some((id, time))
    }

    /// The saved room with folded name `key`, to bring back its topic
    /// when it is made again.
    pub fn saved_room(&mut self, key: &str) -> Option<SavedRoom> {
        if !self.available() {
            return None;
        }
        match self.store.as_mut()?.room(key) {
            Ok(room) => room,
            Err(e) => {
                self.failed(&e, Instant::now());
                None
            }
        }
    }

    /// Keeps `room` (and its topic) across restarts.
    pub fn save_room(&mut self, key: &str, room: &SavedRoom) {
        if !self.available() {
            return;
        }
        if let Some(Err(e)) = self.store.as_mut().map(|s| s.save_room(key, room)) {
            self.failed(&e, Instant::now());
        }
    }

    /// Commits the turn's lines in one transaction.
    pub fn commit(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let lines = std::mem::take(&mut self.pending);
        let Some(store) = self.store.as_mut() else { return };
        let started = Instant::now();
        let appended = store.append(&lines);
        let took = started.elapsed();
        // Everyone's output waits for this commit: a slow disk shows here.
        if took > Duration::from_millis(100) {
            log::warn!("slow disk: storing {} lines took {took:?}", lines.len());
        }
        match appended {
            Ok(()) => {
                self.succeeded();
                if let Some(worker) = &self.worker {
                    worker.committed();
                }
            }
            Err(e) => self.failed(&e, Instant::now()),
        }
    }

    /// The newest lines of `room` for a joiner, after committing the turn
    /// so far (so nothing said just before the join is missed); `None`
    /// when history is unavailable.
    pub fn recent(&mut self, room: &str) -> Option<Vec<Line>> {
        self.commit();
        if !self.available() {
            return None;
        }
        let n = self.options.replay;
        match self.store.as_mut()?.recent(room, n) {
            Ok(lines) => Some(lines),
            Err(e) => {
                self.failed(&e, Instant::now());
                None
            }
        }
    }

    /// Hands a page or search to the worker; `false` when unavailable.
    /// Refused too when [`MAX_WAITING`] requests already wait: a flood of
    /// searches from many addresses queues no unbounded work.
    pub fn ask(&mut self, tag: Tag, room: &str, query: Query) -> bool {
        self.commit();
        match (&self.worker, self.available()) {
            (Some(worker), true) if self.waiting < MAX_WAITING => {
                worker.ask(Request { tag, room: room.to_owned(), query });
                self.waiting += 1;
                true
            }
            _ => false,
        }
    }

    /// The worker's answers ready now.
    pub fn answers(&mut self) -> Vec<Answer<Tag>> {
        let answers: Vec<_> = self.worker.as_ref().map(|w| w.answers().collect()).unwrap_or_default();
        self.waiting = self.waiting.saturating_sub(answers.len());
        answers
    }

    /// When [`History::tick`] next has work.
    pub fn deadline(&self) -> Option<Instant> {
        if !self.enabled() {
            return self.retry_at;
        }
        Some(self.retry_at.map_or(self.expire_at, |r| r.min(self.expire_at)))
    }

    /// Retries a failed disk, and expires a slice of old lines. Returns
    /// the rooms a reconnected store knows, to restore.
    pub fn tick(&mut self, now: Instant) -> Vec<SavedRoom> {
        let mut restored = Vec::new();
        if self.retry_at.is_some_and(|r| r <= now) {
            self.retry_at = None;
            if self.store.is_none() {
                match self.connect() {
                    Ok(rooms) => {
                        restored = rooms;
                        self.succeeded();
                    }
                    Err(e) => self.failed(&e, now),
                }
            }
        }
        if self.expire_at <= now {
            self.expire_at = now + EXPIRE_EVERY;
            if self.available() {
                self.expire_slice(now);
            }
        }
        restored
    }

    fn expire_slice(&mut self, now: Instant) {
        let cutoff = match self.options.days {
            0 => i64::MIN,
            days => now_secs() - i64::from(days) * 86_400,
        };
        let max_bytes = self.options.max_bytes;
        let Some(store) = self.store.as_mut() else { return };
        match store.expire(cutoff, max_bytes, EXPIRE_BATCH) {
            Ok(n) if n == EXPIRE_BATCH => self.expire_at = now + EXPIRE_SLICE_PAUSE,
            Ok(_) => {}
            Err(e) => warn!("expiring history: {e}"),
        }
    }
}

impl Drop for History {
    /// Lines said in the last turn before a shutdown are kept too.
    fn drop(&mut self) {
        self.commit();
    }
}
