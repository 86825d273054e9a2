//! The SQLite file: opening it safely and keeping its schema current.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use rusqlite::{Connection, Savepoint, Transaction, TransactionBehavior};
use rusqlite_migration::{Migrations, M};

use crate::error::{Error, Result};

pub const DB_FILE: &str = "pedalwrencher.sqlite3";

/// Every schema version, oldest first. Never edit a shipped migration: add a new one.
pub const MIGRATION_SQL: &[&str] = &[
    include_str!("../migrations/0001_garage.sql"),
    include_str!("../migrations/0002_usage_and_delivery.sql"),
];

static MIGRATIONS: LazyLock<Migrations<'static>> =
    LazyLock::new(|| Migrations::new(MIGRATION_SQL.iter().map(|sql| M::up(sql)).collect()));

/// The latest schema version this build knows.
pub fn latest_version() -> usize {
    MIGRATION_SQL.len()
}

/// An open garage database.
pub struct Store {
    pub(crate) conn: Connection,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`, upgrading its schema.
    pub fn open_dir(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            Error::invalid(format!(
                "cannot create the data folder {}: {e}. Choose a writable folder with --data-dir or PEDALWRENCHER_DATA_DIR",
                data_dir.display()
            ))
        })?;
        Self::open(&data_dir.join(DB_FILE))
    }

    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path).map_err(|source| Error::Open {
            path: path.to_owned(),
            source,
        })?;
        let mut store = Self {
            conn,
            path: Some(path.to_owned()),
        };
        store.prepare().map_err(|e| match e {
            Error::Storage(source) => Error::Open {
                path: path.to_owned(),
                source,
            },
            other => other,
        })?;
        Ok(store)
    }

    /// A private in-memory database, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Self> {
        let mut store = Self {
            conn: Connection::open_in_memory()?,
            path: None,
        };
        store.prepare()?;
        Ok(store)
    }

    /// Opens without migrating to latest: lets tests build databases of older schema versions.
    pub fn open_at_version(path: &Path, version: usize) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        MIGRATIONS.to_version(&mut conn, version)?;
        Ok(Self {
            conn,
            path: Some(path.to_owned()),
        })
    }

    fn prepare(&mut self) -> Result<()> {
        configure(&self.conn)?;
        let found = self.schema_version()?;
        if found > latest_version() {
            return Err(Error::TooNew {
                found,
                supported: latest_version(),
            });
        }
        MIGRATIONS.to_latest(&mut self.conn)?;
        crate::usage::fill_missing(self)?;
        Ok(())
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version stored in the file.
    pub fn schema_version(&self) -> Result<usize> {
        let v: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        Ok(usize::try_from(v).unwrap_or(0))
    }

    /// Raw access for tests and diagnostics (integrity checks, row counts).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Starts a write. Outside a transaction it takes the write lock at once (BEGIN IMMEDIATE), so
    /// a concurrent writer waits on the busy timeout instead of failing half-way; inside
    /// [`Store::atomically`] it nests as a savepoint. Dropped without `commit`, it rolls back.
    pub(crate) fn write(&mut self) -> Result<Write<'_>> {
        if self.conn.is_autocommit() {
            Ok(Write::Tx(self.conn.transaction_with_behavior(
                TransactionBehavior::Immediate,
            )?))
        } else {
            Ok(Write::Nested(self.conn.savepoint()?))
        }
    }

    /// Runs several writes as one: all of them land, or none. Reads inside `f` see the data as
    /// it is under the write lock, so read-modify-write operations cannot race another process
    /// (the app and the CLI may share the file). Inside another `atomically`, the outer one
    /// decides.
    pub fn atomically<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return f(self);
        }
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = f(self).and_then(|value| {
            self.conn.execute_batch("COMMIT")?;
            Ok(value)
        });
        // SQLite keeps the transaction open when COMMIT fails (SQLITE_BUSY), so roll back on
        // any error: a transaction left open would swallow every later write on this connection.
        if result.is_err() && !self.conn.is_autocommit() {
            // The original error matters more than a failed rollback.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        result
    }

    /// Rolls back a transaction that a panic left open, so later writes are not nested inside
    /// it and lost. The app calls this when it takes over the store after a panicked command.
    pub fn abandon_open_transaction(&mut self) -> Result<bool> {
        if self.conn.is_autocommit() {
            return Ok(false);
        }
        self.conn.execute_batch("ROLLBACK")?;
        Ok(true)
    }

    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }
}

pub(crate) enum Write<'a> {
    Tx(Transaction<'a>),
    Nested(Savepoint<'a>),
}

impl Write<'_> {
    pub(crate) fn commit(self) -> Result<()> {
        match self {
            Write::Tx(tx) => tx.commit()?,
            Write::Nested(sp) => sp.commit()?,
        }
        Ok(())
    }
}

impl std::ops::Deref for Write<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            Write::Tx(tx) => tx,
            Write::Nested(sp) => sp,
        }
    }
}

/// The app and the CLI may hold the same file open at once: WAL lets a reader run beside a
/// writer, and the busy timeout makes a writer wait its turn instead of failing.
fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(MIGRATIONS.validate().is_ok());
    }

    #[test]
    fn fresh_database_is_at_latest_version_with_wal_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), latest_version());
        let mode: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }
}
