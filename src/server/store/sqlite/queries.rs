//! The SQL behind the store: reading lines back, paging, search through
//! the index or a bounded scan, and indexing new lines.

use rusqlite::{params, params_from_iter, Connection, Row};

use crate::store::{Kind, Line, Page};

/// Lines indexed per batch (one transaction on the search file).
const INDEX_BATCH: usize = 5_000;
/// Queries of words this short (characters) cannot use the trigram
/// index; they scan this many of the room's newest lines instead.
const SCAN_LINES: usize = 20_000;
/// Most words a search takes.
const MAX_WORDS: usize = 8;

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

pub(super) const COLUMNS: &str = "id, (SELECT key FROM rooms WHERE rooms.id = lines.room), time, kind, sender, text";
/// The number of the room whose key is `?1`.
pub(super) const ROOM: &str = "(SELECT id FROM rooms WHERE key = ?1)";

/// The number of the room with key `key`, recording the room (named by
/// its key until [`Store::save_room`] names it) if it is new.
pub(super) fn room_id(conn: &Connection, key: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached("INSERT INTO rooms (key, name) VALUES (?1, ?1) ON CONFLICT (key) DO NOTHING")?
        .execute(params![key])?;
    conn.prepare_cached("SELECT id FROM rooms WHERE key = ?1")?.query_row(params![key], |r| r.get(0))
}

/// Reads lines newest first and hands them back oldest first.
pub(super) fn newest_first(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> rusqlite::Result<Vec<Line>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut lines = stmt.query_map(args, line)?.collect::<rusqlite::Result<Vec<_>>>()?;
    lines.reverse();
    Ok(lines)
}

pub(super) fn read_page(conn: &Connection, room: &str, page: Page, n: usize) -> rusqlite::Result<Vec<Line>> {
    match page {
        Page::Before(id) => newest_first(
            conn,
            &format!("SELECT {COLUMNS} FROM lines WHERE room = {ROOM} AND id < ?2 ORDER BY id DESC LIMIT ?3"),
            params![room, id as i64, n as i64],
        ),
        Page::After(id) => {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM lines WHERE room = {ROOM} AND id > ?2 ORDER BY id ASC LIMIT ?3"
            ))?;
            let lines = stmt.query_map(params![room, id as i64, n as i64], line)?.collect();
            lines
        }
    }
}

/// The newest `n` lines of `room` holding every word: through the trigram
/// index when every word has 3 characters or more, else by scanning the
/// room's newest lines (so 2-syllable Korean words such as 회의 are found).
pub(super) fn search_lines(
    conn: &Connection,
    indexed: bool,
    room: &str,
    words: &str,
    n: usize,
) -> rusqlite::Result<Vec<Line>> {
    let words: Vec<&str> = words.split_whitespace().take(MAX_WORDS).collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let filters: String = (0..words.len()).map(|i| format!(" AND instr(lower(text), lower(?{})) > 0", i + 4)).collect();
    let mut args: Vec<rusqlite::types::Value> =
        vec![room.to_owned().into(), (SCAN_LINES as i64).into(), (n as i64).into()];
    args.extend(words.iter().map(|w| rusqlite::types::Value::from(w.to_string())));
    if indexed && words.iter().all(|w| w.chars().count() >= 3) {
        // The index, plus a scan of what it has not reached yet.
        let query = words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" AND ");
        args.push(query.into());
        let sql = format!(
            "SELECT {COLUMNS} FROM lines WHERE room = {ROOM} AND id IN \
             (SELECT rowid FROM search.idx WHERE idx MATCH ?{q}) \
             UNION ALL SELECT {COLUMNS} FROM lines WHERE room = {ROOM} \
             AND id > (SELECT v FROM search.meta WHERE k = 'indexed'){filters} \
             ORDER BY id DESC LIMIT ?3",
            q = words.len() + 4
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        // ?2 is the scan bound of the other path; bind it all the same.
        let mut lines = stmt.query_map(params_from_iter(args), line)?.collect::<rusqlite::Result<Vec<_>>>()?;
        lines.reverse();
        return Ok(lines);
    }
    let sql = format!(
        "SELECT * FROM (SELECT {COLUMNS} FROM lines WHERE room = {ROOM} ORDER BY id DESC LIMIT ?2) \
         WHERE 1{filters} ORDER BY id DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut lines = stmt.query_map(params_from_iter(args), line)?.collect::<rusqlite::Result<Vec<_>>>()?;
    lines.reverse();
    Ok(lines)
}

/// Indexes for search the lines stored since the index last caught up,
/// a batch at a time, and forgets what expiry deleted; how many it indexed.
pub fn index_new_lines(conn: &Connection) -> rusqlite::Result<usize> {
    let tx = conn.unchecked_transaction()?;
    let last: i64 = tx.query_row("SELECT v FROM search.meta WHERE k = 'indexed'", [], |r| r.get(0))?;
    let mut read = tx.prepare_cached("SELECT id, text FROM main.lines WHERE id > ?1 ORDER BY id LIMIT ?2")?;
    let new: Vec<(i64, String)> = read
        .query_map(params![last, INDEX_BATCH as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    drop(read);
    let Some(&(newest, _)) = new.last() else { return Ok(0) };
    let mut insert = tx.prepare_cached("INSERT INTO search.idx (rowid, text) VALUES (?1, ?2)")?;
    for (id, text) in &new {
        insert.execute(params![id, text])?;
    }
    drop(insert);
    tx.execute("UPDATE search.meta SET v = ?1 WHERE k = 'indexed'", params![newest])?;
    // Forget what expiry deleted, a batch at a time.
    tx.execute(
        "DELETE FROM search.idx WHERE rowid IN (SELECT rowid FROM search.idx WHERE rowid < \
             (SELECT coalesce(min(id), 0) FROM main.lines) LIMIT 1000)",
        [],
    )?;
    tx.commit()?;
    Ok(new.len())
}
