//! The database's layout and its versions: what natterd's file and its
//! search index hold, and the check that refuses any other file.

use std::path::Path;

use rusqlite::Connection;

use super::{error, fatal};
use crate::store::Result;

/// "NATT": marks the file as natterd's.
const APPLICATION_ID: i64 = 0x4E41_5454;
/// Each migration takes the schema from its index to the next version.
const MIGRATIONS: &[&str] = &["
    -- Lines name their room by number: a smaller index, compared faster.
    CREATE TABLE rooms (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL, topic TEXT);
    CREATE TABLE lines (
        -- AUTOINCREMENT keeps the highest id ever used, so ids never go
        -- back even when expiry has emptied the table.
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        room INTEGER NOT NULL,
        time INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        sender TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX lines_room ON lines (room, id);
"];

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
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let sql = format!(
            "BEGIN; {sql}; PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {}; COMMIT;",
            step + 1
        );
        conn.execute_batch(&sql).map_err(|e| error(path, e))?;
    }
    Ok(())
}
