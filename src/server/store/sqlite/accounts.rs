//! Registered names in the SQLite file: a small table read once at start
//! and written on each registration, password change or removal.

use rusqlite::params;

use super::SqliteStore;
use crate::store::{Account, AccountStore, Result};

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
        self.conn.execute("DELETE FROM accounts WHERE key = ?1", params![key]).map(drop).map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
