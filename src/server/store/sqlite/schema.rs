//! The database's layout and its versions: what natterd's file and its
//! search index hold, and the check that refuses any other file.

use std::path::Path;

use rusqlite::Connection;

use super::{error, fatal};
use crate::store::Result;

/// "NATT": marks the file as natterd's.
const APPLICATION_ID: i64 = 0x4E41_5454;
/// One step of the schema, from the version at its index to the next.
type Migration = fn(&Connection) -> rusqlite::Result<()>;

/// Each migration takes the schema from its index to the next version.
const MIGRATIONS: &[Migration] = &[v1, v2, v3, v4, v5, v6];

/// Version 1: rooms and lines named by room key, with the search index in
/// the same file (natterd 0.2 development builds).
fn v1(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE rooms (key TEXT PRIMARY KEY, name TEXT NOT NULL, topic TEXT);
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
         CREATE INDEX lines_room ON lines (room, id);",
    )
}

/// Version 2: lines name their room by number (a smaller index, compared
/// faster), and the search index lives in `search.db` (built by the
/// worker), so any index or triggers version 1 kept here go.
fn v2(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS lines_ai;
         DROP TRIGGER IF EXISTS lines_ad;
         DROP TABLE IF EXISTS lines_fts;
         DROP INDEX IF EXISTS lines_time;",
    )?;
    let numbered: bool =
        conn.query_row("SELECT count(*) FROM pragma_table_info('rooms') WHERE name = 'id'", [], |r| r.get(0))?;
    if numbered {
        // A development build already wrote this layout as version 1.
        return Ok(());
    }
    conn.execute_batch(
        "ALTER TABLE rooms RENAME TO rooms_v1;
         CREATE TABLE rooms (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL, topic TEXT);
         INSERT INTO rooms (key, name, topic) SELECT key, name, topic FROM rooms_v1;
         INSERT OR IGNORE INTO rooms (key, name) SELECT DISTINCT room, room FROM lines;
         CREATE TABLE lines_v2 (
             id INTEGER PRIMARY KEY AUTOINCREMENT,
             room INTEGER NOT NULL,
             time INTEGER NOT NULL,
             kind INTEGER NOT NULL,
             sender TEXT NOT NULL,
             text TEXT NOT NULL
         );
         INSERT INTO lines_v2 SELECT l.id, r.id, l.time, l.kind, l.sender, l.text
             FROM lines l JOIN rooms r ON r.key = l.room ORDER BY l.id;
         -- Ids never go back: keep the highest ever used.
         INSERT INTO sqlite_sequence (name, seq) SELECT 'lines_v2', 0
             WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'lines_v2');
         UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM sqlite_sequence WHERE name IN ('lines', 'lines_v2'))
             WHERE name = 'lines_v2';
         DROP TABLE lines;
         ALTER TABLE lines_v2 RENAME TO lines;
         CREATE INDEX lines_room ON lines (room, id);
         DROP TABLE rooms_v1;",
    )
}

/// Version 3: registered names, with their Argon2id hashes.
fn v3(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE accounts (key TEXT PRIMARY KEY, name TEXT NOT NULL, phc TEXT NOT NULL, created INTEGER NOT NULL);",
    )
}

/// Version 4: moderation: bans (by name or address prefix, per room; the
/// default room's are server-wide), mutes, room operators and modes.
fn v4(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE bans (room TEXT NOT NULL, target TEXT NOT NULL, setter TEXT NOT NULL, until INTEGER,
             reason TEXT, PRIMARY KEY (room, target));
         CREATE TABLE mutes (room TEXT NOT NULL, name TEXT NOT NULL, until INTEGER, PRIMARY KEY (room, name));
         CREATE TABLE room_ops (room TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (room, name));
         CREATE TABLE room_modes (room TEXT PRIMARY KEY, registered_only INTEGER NOT NULL,
             topic_locked INTEGER NOT NULL);",
    )
}

/// Version 5: private messages to registered users who were offline,
/// kept until their next login.
fn v5(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE offline (id INTEGER PRIMARY KEY AUTOINCREMENT, recipient TEXT NOT NULL, time INTEGER NOT NULL,
             sender TEXT NOT NULL, text TEXT NOT NULL);
         CREATE INDEX offline_recipient ON offline (recipient, id);",
    )
}

/// Version 6: an offline message kept in a private conversation remembers
/// that line's id, which it is delivered stamped with.
fn v6(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("ALTER TABLE offline ADD COLUMN line INTEGER;")
}

/// The search index: trigrams find Korean words inside longer ones (회의는
/// in 회의는요); contentless, as the text is in the main file.
pub(super) const SEARCH_SCHEMA: &str = "
    CREATE VIRTUAL TABLE IF NOT EXISTS search.idx USING fts5 (text, content = '', contentless_delete = 1, tokenize = 'trigram');
    CREATE TABLE IF NOT EXISTS search.meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
    INSERT OR IGNORE INTO search.meta VALUES ('indexed', 0);
";
/// Refuses a foreign, damaged or newer file; brings an older one up to date.
pub(super) fn check_and_migrate(path: &Path, conn: &Connection) -> Result<()> {
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
    for (step, migrate) in MIGRATIONS.iter().enumerate().skip(version) {
        let apply = || -> rusqlite::Result<()> {
            let tx = conn.unchecked_transaction()?;
            migrate(&tx)?;
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {};",
                step + 1
            ))?;
            tx.commit()
        };
        apply().map_err(|e| error(path, e))?;
    }
    Ok(())
}
