//! Registered names in the SQLite file: a small table read once at start
//! and written on each registration, password change or removal.

use rusqlite::params;

use super::SqliteStore;
use crate::store::{Account, AccountStore, Offline, Result};

impl AccountStore for SqliteStore {
    fn accounts(&mut self) -> Result<Vec<Account>> {
        let mut stmt = self.conn.prepare("SELECT key, name, phc, created FROM accounts").map_err(|e| self.err(e))?;
        let accounts = stmt
            .query_map([], |r| Ok(Account { key: r.get(0)?, name: r.get(1)?, phc: r.get(2)?, created: r.get(3)? }))
            .and_then(Iterator::collect)
            .map_err(|e| super::error(&self.path, e));
        accounts
    }

    fn save_account(&mut self, a: &Account) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO accounts (key, name, phc, created) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (key) DO UPDATE SET name = excluded.name, phc = excluded.phc",
                params![a.key, a.name, a.phc, a.created],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    fn delete_account(&mut self, key: &str) -> Result<()> {
        self.conn
            .execute_batch("BEGIN")
            .and_then(|()| self.conn.execute("DELETE FROM accounts WHERE key = ?1", params![key]))
            .and_then(|_| self.conn.execute("DELETE FROM offline WHERE recipient = ?1", params![key]))
            // Its private conversations: `@a b`, the two folded names in order.
            .and_then(|_| {
                self.conn.execute(
                    "DELETE FROM lines WHERE room IN (SELECT id FROM rooms WHERE key LIKE '@%' \
                     AND (substr(key, 2, length(?1) + 1) = ?1 || ' ' OR substr(key, -length(?1) - 1) = ' ' || ?1))",
                    params![key],
                )
            })
            .and_then(|_| self.conn.execute_batch("COMMIT"))
            .map_err(|e| {
                let _ = self.conn.execute_batch("ROLLBACK");
                self.err(e)
            })
    }

    fn keep_offline(&mut self, to: &str, m: &Offline, max: usize) -> Result<bool> {
        let waiting: i64 = self
            .conn
            .query_row("SELECT count(*) FROM offline WHERE recipient = ?1", params![to], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if waiting as usize >= max {
            return Ok(false);
        }
        self.conn
            .execute(
                "INSERT INTO offline (recipient, time, sender, text, line) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![to, m.time, m.from, m.text, (m.id != 0).then_some(m.id as i64)],
            )
            .map(|_| true)
            .map_err(|e| self.err(e))
    }

    fn take_offline(&mut self, to: &str) -> Result<Vec<Offline>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT coalesce(line, id), time, sender, text FROM offline WHERE recipient = ?1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let waiting: Vec<Offline> = stmt
            .query_map(params![to], |r| {
                Ok(Offline { id: r.get::<_, i64>(0)? as u64, time: r.get(1)?, from: r.get(2)?, text: r.get(3)? })
            })
            .and_then(Iterator::collect)
            .map_err(|e| super::error(&self.path, e))?;
        drop(stmt);
        if !waiting.is_empty() {
            self.conn.execute("DELETE FROM offline WHERE recipient = ?1", params![to]).map_err(|e| self.err(e))?;
        }
        Ok(waiting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Kind, Line, Store};

    #[test]
    fn accounts_are_kept_replaced_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let alice = Account { key: "alice".into(), name: "Alice".into(), phc: "$argon2id$v=19$x".into(), created: 1 };
        {
            let mut store = SqliteStore::open(dir.path()).unwrap();
            store.save_account(&alice).unwrap();
            store.save_account(&Account { phc: "$argon2id$v=19$y".into(), ..alice.clone() }).unwrap();
            store.save_account(&Account { key: "bob".into(), name: "bob".into(), ..alice.clone() }).unwrap();
            store.delete_account("bob").unwrap();
        }
        let mut store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(store.accounts().unwrap(), [Account { phc: "$argon2id$v=19$y".into(), ..alice }]);
    }

    #[test]
    fn unregistering_deletes_only_that_accounts_conversations() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path()).unwrap();
        let line = |id: u64, room: &str| Line {
            id,
            time: 1,
            room: room.into(),
            kind: Kind::Chat,
            from: "x".into(),
            text: format!("line {id}"),
        };
        let rooms = ["@al bob", "@al bo", "@bob carol", "@a al", "#bob"];
        let lines: Vec<Line> = rooms.iter().zip(1..).map(|(room, id)| line(id, room)).collect();
        store.append(&lines).unwrap();
        store.delete_account("bob").unwrap();
        let left: Vec<u64> = rooms.iter().flat_map(|r| store.recent(r, 10).unwrap()).map(|l| l.id).collect();
        assert_eq!(left, [2, 4, 5]);
    }

    #[test]
    fn an_offline_message_kept_in_a_conversation_keeps_that_lines_id() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path()).unwrap();
        let m = |id| Offline { id, time: 1, from: "alice".into(), text: "hi".into() };
        assert!(store.keep_offline("bob", &m(0), 10).unwrap());
        assert!(store.keep_offline("bob", &m(1234), 10).unwrap());
        let ids: Vec<u64> = store.take_offline("bob").unwrap().iter().map(|m| m.id).collect();
        assert_eq!(ids, [1, 1234]);
    }
}
