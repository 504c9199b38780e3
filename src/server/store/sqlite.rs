//! The SQLite store: one database file in the data directory, in WAL mode.
//!
//! The event loop's connection only appends (a turn's lines in one
//! transaction) and reads a joiner's recent lines: with
//! `synchronous=NORMAL` a commit hands the WAL pages to the OS without an
//! fsync, and automatic checkpoints are off. Checkpoints (the fsync),
//! paging and search run on the worker's own connection
//! ([`worker`](super::worker)).
//!
//! Search has an index of its own in a second file, `search.db`, which
//! only the worker writes: it indexes new lines in batches a second after
//! they are stored, and a search scans the few lines not yet indexed. So
//! the loop's commit is a plain insert, and the two never wait for each
//! other's locks. The index is derived: if it is lost it is rebuilt.
//!
//! A file that is not natterd's, or is damaged, is refused with its path
//! and never written; one made by a newer natterd too. The schema version
//! is `PRAGMA user_version`, each step up a migration in [`schema`].

use std::fs::{File, OpenOptions};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension};

use super::{Line, Page, Result, SavedRoom, Store, StoreError};

mod accounts;
mod moderation;
mod queries;
mod schema;

use queries::{newest_first, read_page, room_id, search_lines, COLUMNS, ROOM};
use schema::{check_and_migrate, SEARCH_SCHEMA};

/// The file's name in the data directory.
pub const FILE_NAME: &str = "natterd.db";
/// The search index's file, beside it.
const SEARCH_NAME: &str = "search.db";
const LOCK_NAME: &str = "natterd.lock";
/// The database file in `dir`.
pub fn path_in(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

/// Turns a SQLite error into a [`StoreError`] that names the file.
fn error(path: &Path, e: rusqlite::Error) -> StoreError {
    let code = e.sqlite_error_code();
    let transient = !matches!(code, Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt));
    let what = match code {
        Some(ErrorCode::NotADatabase) => "is not a natterd database".to_owned(),
        Some(ErrorCode::DatabaseCorrupt) => "is damaged".to_owned(),
        Some(ErrorCode::DiskFull) => "cannot grow: the disk is full".to_owned(),
        Some(ErrorCode::ReadOnly) => "is read-only".to_owned(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => "is locked by another program".to_owned(),
        Some(ErrorCode::SystemIoFailure) => {
            "cannot be written: disk I/O error (disk full or file size limit?)".to_owned()
        }
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => "cannot be opened".to_owned(),
        _ => "cannot be used".to_owned(),
    };
    StoreError { transient, message: format!("{} {what} ({e})", path.display()) }
}

fn fatal(path: &Path, what: &str) -> StoreError {
    StoreError { transient: false, message: format!("{} {what}; natterd leaves it untouched", path.display()) }
}

/// Opens a connection with the settings both sides use.
fn connect(path: &Path, flags: OpenFlags) -> Result<Connection> {
    let conn =
        Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(|e| error(path, e))?;
    // Small caches: natterd idles in a few MiB.
    conn.execute_batch("PRAGMA cache_size = -512; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0;")
        .map_err(|e| error(path, e))?;
    Ok(conn)
}

/// A connection to natterd's database: the event loop's (which holds the
/// directory's lock and appends) or the worker's ([`SqliteStore::reader`]).
pub struct SqliteStore {
    path: PathBuf,
    conn: Connection,
    /// The loop's store holds it for its life: one natterd per directory.
    _lock: Option<File>,
    /// The worker's store has the search index attached as `search`.
    indexed: bool,
    /// Room key to its number in the file.
    room_ids: std::collections::HashMap<String, i64>,
}

impl SqliteStore {
    /// Opens (or creates) the database in `dir`. Fails without touching
    /// the file if it is not natterd's, is damaged or is too new.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError {
            transient: true,
            message: format!("cannot create the data directory {}: {e}", dir.display()),
        })?;
        let lock = take_lock(dir)?;
        let path = path_in(dir);
        let conn = connect(&path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
        check_and_migrate(&path, &conn)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; \
             PRAGMA busy_timeout = 0;",
        )
        .map_err(|e| error(&path, e))?;
        Ok(SqliteStore { path, conn, _lock: Some(lock), indexed: false, room_ids: Default::default() })
    }

    /// A second connection to the database at `path`, already opened by
    /// [`SqliteStore::open`], for the worker: it may wait for locks.
    pub fn reader(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(StoreError { transient: true, message: format!("{} is gone", path.display()) });
        }
        // CREATE, for the search index file it attaches.
        let conn = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
        conn.execute_batch("PRAGMA busy_timeout = 1000; PRAGMA cache_size = -256;").map_err(|e| error(path, e))?;
        let mut store =
            SqliteStore { path: path.to_owned(), conn, _lock: None, indexed: false, room_ids: Default::default() };
        store.indexed = match store.attach_search() {
            Ok(()) => true,
            Err(e) => {
                log::warn!("search index unavailable ({e}); searching by scanning recent lines");
                false
            }
        };
        Ok(store)
    }

    /// Attaches (making it if need be) the search index beside the
    /// database; a damaged one is set aside and rebuilt.
    fn attach_search(&mut self) -> rusqlite::Result<()> {
        let file = self.path.with_file_name(SEARCH_NAME);
        let attach = |conn: &Connection| -> rusqlite::Result<()> {
            conn.execute("ATTACH DATABASE ?1 AS search", params![file.to_string_lossy()])?;
            conn.execute_batch("PRAGMA search.journal_mode = WAL; PRAGMA search.synchronous = OFF;")?;
            conn.execute_batch(SEARCH_SCHEMA)
        };
        if attach(&self.conn).is_ok() {
            return Ok(());
        }
        let _ = self.conn.execute_batch("DETACH DATABASE search");
        // Derived data: set the broken index aside and start again.
        let _ = std::fs::rename(&file, file.with_extension("db.broken"));
        attach(&self.conn)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn err(&self, e: rusqlite::Error) -> StoreError {
        error(&self.path, e)
    }
}

/// One natterd per data directory: a second would interleave ids.
fn take_lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_NAME);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError { transient: true, message: format!("cannot open {}: {e}", path.display()) })?;
    // SAFETY: flock on a descriptor this function owns.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return Err(StoreError { transient: true, message: format!("{} is in use by another natterd", dir.display()) });
    }
    Ok(file)
}

impl Store for SqliteStore {
    fn append(&mut self, lines: &[Line]) -> Result<()> {
        let path = self.path.clone();
        let err = |e| error(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO lines (id, room, time, kind, sender, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err)?;
            for l in lines {
                let room = match self.room_ids.get(&l.room) {
                    Some(&id) => id,
                    None => {
                        let id = room_id(&tx, &l.room).map_err(err)?;
                        self.room_ids.insert(l.room.clone(), id);
                        id
                    }
                };
                insert.execute(params![l.id as i64, room, l.time, l.kind.code(), l.from, l.text]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    fn recent(&mut self, room: &str, n: usize) -> Result<Vec<Line>> {
        let sql = format!("SELECT {COLUMNS} FROM lines WHERE room = {ROOM} ORDER BY id DESC LIMIT ?2");
        newest_first(&self.conn, &sql, params![room, n as i64]).map_err(|e| self.err(e))
    }

    fn page(&mut self, room: &str, page: Page, n: usize) -> Result<Vec<Line>> {
        read_page(&self.conn, room, page, n).map_err(|e| self.err(e))
    }

    fn search(&mut self, room: &str, words: &str, n: usize) -> Result<Vec<Line>> {
        search_lines(&self.conn, self.indexed, room, words, n).map_err(|e| self.err(e))
    }

    fn expire(&mut self, cutoff: i64, max_bytes: Option<u64>, batch: usize) -> Result<usize> {
        // Times grow with ids, so the lines to expire are among the oldest:
        // no index on time (a page less written per commit) is needed.
        let old = self
            .conn
            .prepare_cached(
                "DELETE FROM lines WHERE id IN (SELECT id FROM (SELECT id, time FROM lines ORDER BY id LIMIT ?2) \
                 WHERE time < ?1)",
            )
            .and_then(|mut s| s.execute(params![cutoff, batch as i64]))
            .map_err(|e| self.err(e))?;
        if old > 0 {
            return Ok(old);
        }
        let Some(max) = max_bytes else { return Ok(0) };
        let used: i64 = self
            .conn
            .query_row(
                "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, \
                 pragma_page_size",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if (used as u64) <= max {
            return Ok(0);
        }
        self.conn
            .prepare_cached("DELETE FROM lines WHERE id IN (SELECT id FROM lines ORDER BY id LIMIT ?1)")
            .and_then(|mut s| s.execute(params![batch as i64]))
            .map_err(|e| self.err(e))
    }

    fn save_room(&mut self, key: &str, room: &SavedRoom) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO rooms (key, name, topic) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (key) DO UPDATE SET name = excluded.name, topic = coalesce(excluded.topic, topic)",
            )
            .and_then(|mut s| s.execute(params![key, room.name, room.topic]))
            .map(drop)
            .map_err(|e| self.err(e))
    }

    fn rooms(&mut self, limit: usize) -> Result<Vec<SavedRoom>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, topic FROM rooms WHERE key NOT LIKE '@%' ORDER BY \
                 (SELECT max(id) FROM lines WHERE lines.room = rooms.id) DESC NULLS LAST LIMIT ?1",
            )
            .map_err(|e| self.err(e))?;
        let rooms = stmt
            .query_map(params![limit as i64], |r| Ok(SavedRoom { name: r.get(0)?, topic: r.get(1)? }))
            .and_then(Iterator::collect)
            .map_err(|e| error(&self.path, e));
        rooms
    }

    fn room(&mut self, key: &str) -> Result<Option<SavedRoom>> {
        self.conn
            .prepare_cached("SELECT name, topic FROM rooms WHERE key = ?1")
            .and_then(|mut s| {
                s.query_row(params![key], |r| Ok(SavedRoom { name: r.get(0)?, topic: r.get(1)? })).optional()
            })
            .map_err(|e| self.err(e))
    }

    fn index(&mut self) -> Result<usize> {
        if !self.indexed {
            return Ok(0);
        }
        queries::index_new_lines(&self.conn).map_err(|e| self.err(e))
    }

    fn sync(&mut self) -> Result<()> {
        let started = std::time::Instant::now();
        let (log, done) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))
            .map_err(|e| self.err(e))?;
        log::debug!("checkpoint: {done} of {log} WAL pages in {:?}", started.elapsed());
        Ok(())
    }

    fn last_id(&mut self) -> Result<u64> {
        self.conn
            .query_row("SELECT seq FROM sqlite_sequence WHERE name = 'lines'", [], |r| r.get::<_, i64>(0))
            .optional()
            .map(|id| id.unwrap_or(0) as u64)
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Kind;

    fn line(id: u64, room: &str, text: &str) -> Line {
        Line {
            id,
            time: 1_700_000_000 + id as i64,
            room: room.into(),
            kind: Kind::Chat,
            from: "alice".into(),
            text: text.into(),
        }
    }

    #[test]
    fn search_finds_indexed_and_not_yet_indexed_lines() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path()).unwrap();
        store
            .append(&[line(1, "#dev", "회의는 금요일"), line(2, "#dev", "lunch?"), line(3, "#ops", "회의는 어디")])
            .unwrap();
        let mut reader = SqliteStore::reader(store.path()).unwrap();
        assert_eq!(reader.index().unwrap(), 3);
        store.append(&[line(4, "#dev", "회의는요 내일"), line(5, "#dev", "Lunch at noon")]).unwrap();
        let ids = |lines: Vec<Line>| lines.iter().map(|l| l.id).collect::<Vec<_>>();
        // Three characters or more: the index, plus the unindexed tail.
        assert_eq!(ids(reader.search("#dev", "회의는", 10).unwrap()), [1, 4]);
        assert_eq!(ids(reader.search("#dev", "LUNCH", 10).unwrap()), [2, 5]);
        // Two: a scan of the room's newest lines.
        assert_eq!(ids(reader.search("#dev", "회의", 10).unwrap()), [1, 4]);
        assert_eq!(ids(reader.search("#dev", "회의 내일", 10).unwrap()), [4]);
        assert_eq!(ids(reader.search("#dev", "회의는", 1).unwrap()), [4]);
        assert_eq!(reader.index().unwrap(), 2);
        assert_eq!(ids(reader.search("#dev", "회의는", 10).unwrap()), [1, 4]);
        // Expired lines leave the index too.
        assert_eq!(store.expire(1_700_000_003, None, 100).unwrap(), 2);
        assert_eq!(reader.index().unwrap(), 0);
        assert_eq!(ids(reader.search("#dev", "회의는", 10).unwrap()), [4]);
    }

    #[test]
    fn a_broken_search_index_is_rebuilt_and_the_database_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path()).unwrap();
        store.append(&[line(1, "#dev", "release notes")]).unwrap();
        std::fs::write(dir.path().join(SEARCH_NAME), b"not a database at all").unwrap();
        let mut reader = SqliteStore::reader(store.path()).unwrap();
        assert_eq!(reader.index().unwrap(), 1);
        assert_eq!(reader.search("#dev", "release", 10).unwrap().len(), 1);
        assert!(dir.path().join("search.db.broken").exists());
    }

    #[test]
    fn a_version_1_database_is_brought_up_to_date_keeping_every_line_and_id() {
        let dir = tempfile::tempdir().unwrap();
        {
            // The layout of the first development builds, search index and all.
            let conn = Connection::open(dir.path().join(FILE_NAME)).unwrap();
            conn.execute_batch(
                "CREATE TABLE rooms (key TEXT PRIMARY KEY, name TEXT NOT NULL, topic TEXT);
                 CREATE TABLE lines (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, time INTEGER NOT NULL,
                     kind INTEGER NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL);
                 CREATE INDEX lines_room ON lines (room, id);
                 CREATE INDEX lines_time ON lines (time);
                 CREATE VIRTUAL TABLE lines_fts USING fts5 (text, content = 'lines', content_rowid = 'id', tokenize = 'trigram');
                 CREATE TRIGGER lines_ai AFTER INSERT ON lines BEGIN
                     INSERT INTO lines_fts (rowid, text) VALUES (new.id, new.text); END;
                 INSERT INTO rooms VALUES ('#dev', '#Dev', 'ship it');
                 INSERT INTO lines VALUES (7, '#dev', 1700000007, 0, 'alice', 'kept'), (9, '#lobby', 1700000009, 1, 'bob', 'waves');
                 INSERT INTO lines VALUES (12, '#dev', 1700000012, 0, 'alice', 'expired');
                 DELETE FROM lines WHERE id = 12;
                 PRAGMA application_id = 1312904276; PRAGMA user_version = 1;",
            )
            .unwrap();
        }
        let mut store = SqliteStore::open(dir.path()).unwrap();
        let texts = |lines: Vec<Line>| lines.into_iter().map(|l| (l.id, l.text)).collect::<Vec<_>>();
        assert_eq!(texts(store.recent("#dev", 10).unwrap()), [(7, "kept".to_owned())]);
        assert_eq!(texts(store.recent("#lobby", 10).unwrap()), [(9, "waves".to_owned())]);
        assert!(store.rooms(10).unwrap().contains(&SavedRoom { name: "#Dev".into(), topic: Some("ship it".into()) }));
        // Id 12 was used once: it is never given again.
        assert_eq!(store.last_id().unwrap(), 12);
        store.append(&[line(13, "#dev", "after")]).unwrap();
        assert_eq!(texts(store.recent("#dev", 10).unwrap()), [(7, "kept".to_owned()), (13, "after".to_owned())]);
        let version: i64 = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, 6);
    }
}
