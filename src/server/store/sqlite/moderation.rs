//! Moderation in the SQLite file: four small tables read once at start
//! and written through on each operator action.

use rusqlite::{params, Connection};

use super::SqliteStore;
use crate::store::{Ban, Moderated, ModerationStore, Modes, Mute, Result};

fn read_all(conn: &Connection) -> rusqlite::Result<Moderated> {
    let bans = conn
        .prepare("SELECT room, target, setter, until, reason FROM bans")?
        .query_map([], |r| {
            Ok(Ban { room: r.get(0)?, target: r.get(1)?, by: r.get(2)?, until: r.get(3)?, reason: r.get(4)? })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mutes = conn
        .prepare("SELECT room, name, until FROM mutes")?
        .query_map([], |r| Ok(Mute { room: r.get(0)?, name: r.get(1)?, until: r.get(2)? }))?
        .collect::<rusqlite::Result<_>>()?;
    let ops = conn
        .prepare("SELECT room, name FROM room_ops")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let modes = conn
        .prepare("SELECT room, registered_only, topic_locked FROM room_modes")?
        .query_map([], |r| Ok((r.get(0)?, Modes { registered_only: r.get(1)?, topic_locked: r.get(2)? })))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Moderated { bans, mutes, ops, modes })
}

impl SqliteStore {
    fn run(&mut self, sql: &str, params: impl rusqlite::Params) -> Result<()> {
        self.conn.prepare_cached(sql).and_then(|mut s| s.execute(params)).map(drop).map_err(|e| self.err(e))
    }
}

impl ModerationStore for SqliteStore {
    fn moderation(&mut self) -> Result<Moderated> {
        read_all(&self.conn).map_err(|e| self.err(e))
    }

    fn save_ban(&mut self, b: &Ban) -> Result<()> {
        self.run(
            "INSERT OR REPLACE INTO bans (room, target, setter, until, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![b.room, b.target, b.by, b.until, b.reason],
        )
    }

    fn delete_ban(&mut self, room: &str, target: &str) -> Result<()> {
        self.run("DELETE FROM bans WHERE room = ?1 AND target = ?2", params![room, target])
    }

    fn save_mute(&mut self, m: &Mute) -> Result<()> {
        self.run(
            "INSERT OR REPLACE INTO mutes (room, name, until) VALUES (?1, ?2, ?3)",
            params![m.room, m.name, m.until],
        )
    }

    fn delete_mute(&mut self, room: &str, name: &str) -> Result<()> {
        self.run("DELETE FROM mutes WHERE room = ?1 AND name = ?2", params![room, name])
    }

    fn save_op(&mut self, room: &str, name: &str) -> Result<()> {
        self.run("INSERT OR IGNORE INTO room_ops (room, name) VALUES (?1, ?2)", params![room, name])
    }

    fn delete_op(&mut self, room: &str, name: &str) -> Result<()> {
        self.run("DELETE FROM room_ops WHERE room = ?1 AND name = ?2", params![room, name])
    }

    fn save_modes(&mut self, room: &str, m: &Modes) -> Result<()> {
        self.run(
            "INSERT OR REPLACE INTO room_modes (room, registered_only, topic_locked) VALUES (?1, ?2, ?3)",
            params![room, m.registered_only, m.topic_locked],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moderation_is_kept_replaced_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let ban = Ban { room: "#dev".into(), target: "bob".into(), by: "alice".into(), until: Some(9), reason: None };
        {
            let mut store = SqliteStore::open(dir.path()).unwrap();
            store.save_ban(&ban).unwrap();
            store.save_ban(&Ban { target: "10.0.0.0/8".into(), ..ban.clone() }).unwrap();
            store.delete_ban("#dev", "10.0.0.0/8").unwrap();
            store.save_mute(&Mute { room: "#dev".into(), name: "carol".into(), until: None }).unwrap();
            store.save_op("#dev", "alice").unwrap();
            store.save_op("#dev", "alice").unwrap();
            store.save_modes("#dev", &Modes { registered_only: true, topic_locked: false }).unwrap();
        }
        let mut store = SqliteStore::open(dir.path()).unwrap();
        let all = store.moderation().unwrap();
        assert_eq!(all.bans, [ban]);
        assert_eq!(all.mutes.len(), 1);
        assert_eq!(all.ops, [("#dev".to_owned(), "alice".to_owned())]);
        assert_eq!(all.modes, [("#dev".to_owned(), Modes { registered_only: true, topic_locked: false })]);
    }
}
