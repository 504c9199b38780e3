//! The SQLite store: one database file in the data directory, in WAL mode.
//!
//! The event loop's connection only appends (a turn's lines in one
//! transaction) and reads a joiner's recent lines: with
//! `synchronous=NORMAL` a commit hands the WAL pages to the OS without an
//! fsync, and automatic checkpoints are off. Checkpoints (the fsync),
//! paging and search run on the worker's own connection
//! ([`worker`](super::worker)).
//!
//! A file that is not natterd's, or is damaged, is refused with its path
//! and never written; one made by a newer natterd too. The schema version
//! is `PRAGMA user_version`, each step up a migration below.

use std::fs::{File, OpenOptions};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use rusqlite::{params, params_from_iter, Connection, ErrorCode, OpenFlags, OptionalExtension, Row};

use super::{Kind, Line, Page, Result, SavedRoom, Store, StoreError};

/// "NATT": marks the file as natterd's.
const APPLICATION_ID: i64 = 0x4E41_5454;
/// The file's name in the data directory.
pub const FILE_NAME: &str = "natterd.db";
const LOCK_NAME: &str = "natterd.lock";
/// Queries of words this short (characters) cannot use the trigram
/// index; they scan this many of the room's newest lines instead.
const SCAN_LINES: usize = 20_000;
/// Most words a search takes.
const MAX_WORDS: usize = 8;

/// Each migration takes the schema from its index to the next version.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE rooms (key TEXT PRIMARY KEY, name TEXT NOT NULL, topic TEXT);
    CREATE TABLE lines (
        -- AUTOINCREMENT keeps the highest id ever used, so ids never go
        -- back even when expiry has emptied the table.
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        room TEXT NOT NULL,
        time INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        sender TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX lines_room ON lines (room, id);
    CREATE INDEX lines_time ON lines (time);
    -- Trigrams find Korean words inside longer ones: 회의는 in 회의는요.
    CREATE VIRTUAL TABLE lines_fts USING fts5 (text, content = 'lines', content_rowid = 'id', tokenize = 'trigram');
    CREATE TRIGGER lines_ai AFTER INSERT ON lines BEGIN
        INSERT INTO lines_fts (rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER lines_ad AFTER DELETE ON lines BEGIN
        INSERT INTO lines_fts (lines_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
"];

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
        Some(ErrorCode::SystemIoFailure) => "cannot be written: disk I/O error (disk full or file size limit?)".to_owned(),
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
             PRAGMA busy_timeout = 0; PRAGMA journal_size_limit = 4194304;",
        )
        .map_err(|e| error(&path, e))?;
        Ok(SqliteStore { path, conn, _lock: Some(lock) })
    }

    /// A second connection to the database at `path`, already opened by
    /// [`SqliteStore::open`], for the worker: it may wait for locks.
    pub fn reader(path: &Path) -> Result<Self> {
        let conn = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        conn.execute_batch("PRAGMA busy_timeout = 1000; PRAGMA cache_size = -256;").map_err(|e| error(path, e))?;
        Ok(SqliteStore { path: path.to_owned(), conn, _lock: None })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
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

/// Refuses a foreign, damaged or newer file; brings an older one up to date.
fn check_and_migrate(path: &Path, conn: &Connection) -> Result<()> {
    let read = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map_err(|e| error(path, e));
    let app = read("PRAGMA application_id")?;
    let version = read("PRAGMA user_version")?;
    let tables = read("SELECT count(*) FROM sqlite_schema")?;
    if app != APPLICATION_ID && (app != 0 || tables > 0) {
        return Err(fatal(path, "belongs to another program (not a natterd database)"));
    }
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > MIGRATIONS.len() {
        return Err(fatal(path, "was written by a newer natterd"));
    }
    let check: String = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0)).map_err(|e| error(path, e))?;
    if check != "ok" {
        return Err(fatal(path, &format!("is damaged ({check})")));
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let sql = format!(
            "BEGIN; {sql}; PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {}; COMMIT;",
            step + 1
        );
        conn.execute_batch(&sql).map_err(|e| error(path, e))?;
    }
    Ok(())
}

fn line(row: &Row<'_>) -> rusqlite::Result<Line> {
    Ok(Line {
        id: row.get::<_, i64>(0)? as u64,
        room: row.get(1)?,
        time: row.get(2)?,
        kind: Kind::from_code(row.get(3)?).unwrap_or(Kind::Chat),
        from: row.get(4)?,
        text: row.get(5)?,
    })
}

const COLUMNS: &str = "id, room, time, kind, sender, text";

/// Reads lines newest first and hands them back oldest first.
fn newest_first(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> rusqlite::Result<Vec<Line>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut lines = stmt.query_map(args, line)?.collect::<rusqlite::Result<Vec<_>>>()?;
    lines.reverse();
    Ok(lines)
}

fn read_page(conn: &Connection, room: &str, page: Page, n: usize) -> rusqlite::Result<Vec<Line>> {
    match page {
        Page::Before(id) => newest_first(
            conn,
            &format!("SELECT {COLUMNS} FROM lines WHERE room = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"),
            params![room, id as i64, n as i64],
        ),
        Page::After(id) => {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM lines WHERE room = ?1 AND id > ?2 ORDER BY id ASC LIMIT ?3"
            ))?;
            let lines = stmt.query_map(params![room, id as i64, n as i64], line)?.collect();
            lines
        }
    }
}

/// The newest `n` lines of `room` holding every word: through the trigram
/// index when every word has 3 characters or more, else by scanning the
/// room's newest lines (so 2-syllable Korean words such as 회의 are found).
fn search_lines(conn: &Connection, room: &str, words: &str, n: usize) -> rusqlite::Result<Vec<Line>> {
    let words: Vec<&str> = words.split_whitespace().take(MAX_WORDS).collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    if words.iter().all(|w| w.chars().count() >= 3) {
        let query = words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" AND ");
        return newest_first(
            conn,
            &format!(
                "SELECT {COLUMNS} FROM lines WHERE id IN (SELECT rowid FROM lines_fts WHERE lines_fts MATCH ?1) \
                 AND room = ?2 ORDER BY id DESC LIMIT ?3"
            ),
            params![query, room, n as i64],
        );
    }
    let filters: String = (0..words.len()).map(|i| format!(" AND instr(lower(text), lower(?{})) > 0", i + 4)).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM lines WHERE room = ?1 ORDER BY id DESC LIMIT ?2) \
         WHERE 1{filters} ORDER BY id DESC LIMIT ?3"
    );
    let mut args: Vec<rusqlite::types::Value> =
        vec![room.to_owned().into(), (SCAN_LINES as i64).into(), (n as i64).into()];
    args.extend(words.iter().map(|w| rusqlite::types::Value::from(w.to_string())));
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut lines = stmt.query_map(params_from_iter(args), line)?.collect::<rusqlite::Result<Vec<_>>>()?;
    lines.reverse();
    Ok(lines)
}

impl Store for SqliteStore {
    fn append(&mut self, lines: &[Line]) -> Result<()> {
        let tx = self.conn.transaction().map_err(|e| error(&self.path, e))?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO lines (id, room, time, kind, sender, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(|e| error(&self.path, e))?;
            for l in lines {
                insert
                    .execute(params![l.id as i64, l.room, l.time, l.kind.code(), l.from, l.text])
                    .map_err(|e| error(&self.path, e))?;
            }
        }
        tx.commit().map_err(|e| error(&self.path, e))
    }

    fn recent(&mut self, room: &str, n: usize) -> Result<Vec<Line>> {
        let sql = format!("SELECT {COLUMNS} FROM lines WHERE room = ?1 ORDER BY id DESC LIMIT ?2");
        newest_first(&self.conn, &sql, params![room, n as i64]).map_err(|e| self.err(e))
    }

    fn page(&mut self, room: &str, page: Page, n: usize) -> Result<Vec<Line>> {
        read_page(&self.conn, room, page, n).map_err(|e| self.err(e))
    }

    fn search(&mut self, room: &str, words: &str, n: usize) -> Result<Vec<Line>> {
        search_lines(&self.conn, room, words, n).map_err(|e| self.err(e))
    }

    fn expire(&mut self, cutoff: i64, max_bytes: Option<u64>, batch: usize) -> Result<usize> {
        let old = self
            .conn
            .prepare_cached(
                "DELETE FROM lines WHERE id IN (SELECT id FROM lines WHERE time < ?1 ORDER BY time LIMIT ?2)",
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
                 ON CONFLICT (key) DO UPDATE SET topic = coalesce(excluded.topic, topic)",
            )
            .and_then(|mut s| s.execute(params![key, room.name, room.topic]))
            .map(drop)
            .map_err(|e| self.err(e))
    }

    fn rooms(&mut self) -> Result<Vec<SavedRoom>> {
        let mut stmt =
            self.conn.prepare_cached("SELECT name, topic FROM rooms ORDER BY key").map_err(|e| self.err(e))?;
        let rooms = stmt
            .query_map([], |r| Ok(SavedRoom { name: r.get(0)?, topic: r.get(1)? }))
            .and_then(Iterator::collect)
            .map_err(|e| error(&self.path, e));
        rooms
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
