//! The SQLite file: opening it safely, keeping its schema current, write transactions and the
//! clock every write asks for "now".

mod bulk;
pub mod capture;
mod clock;
pub mod clock_correction;
pub mod device;
pub mod hlc;
pub mod lease;
mod migrate;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, Savepoint, Transaction, TransactionBehavior};

use crate::error::{Error, Result};
use crate::faults;
use crate::time::Timestamp;

pub use clock::{Clock, ManualClock, SystemClock};
pub use migrate::{latest_version, MIGRATION_SQL};

pub const DB_FILE: &str = "pedalwrencher.sqlite3";
const GARAGE_ID_KEY: &str = "garage_id";

/// An open garage database.
pub struct Store {
    pub(crate) conn: Connection,
    path: Option<PathBuf>,
    clock: Arc<dyn Clock>,
    /// This device's sync identity (`device-id` beside the file; a fresh one in memory).
    device_id: String,
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`, upgrading its schema.
    pub fn open_dir(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|source| Error::Io {
            action: "create the data folder",
            path: data_dir.to_owned(),
            source,
        })?;
        Self::open(&data_dir.join(DB_FILE))
    }

    pub fn open(path: &Path) -> Result<Self> {
        let open_error = |source| Error::Open {
            path: path.to_owned(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_error)?;
        configure(&mut conn).map_err(open_error)?;
        migrate::to_latest(&mut conn).map_err(|e| match e {
            Error::Storage(source) => open_error(source),
            other => other,
        })?;
        Self::from_conn(conn, Some(path.to_owned()))
    }

    /// A private in-memory database, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        configure(&mut conn)?;
        migrate::to_latest(&mut conn)?;
        Self::from_conn(conn, None)
    }

    /// Opens without migrating to latest: lets tests build databases of older schema versions.
    pub fn open_at_version(path: &Path, version: usize) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        configure(&mut conn)?;
        migrate::to_version(&mut conn, version)?;
        Self::from_conn(conn, Some(path.to_owned()))
    }

    fn from_conn(conn: Connection, path: Option<PathBuf>) -> Result<Self> {
        let device_id = match path.as_deref().and_then(Path::parent) {
            Some(dir) => device::load_or_create(dir)?,
            None => uuid::Uuid::new_v4().to_string(),
        };
        Ok(Self {
            conn,
            path,
            clock: Arc::new(SystemClock),
            device_id,
        })
    }

    /// This device's sync identity.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// Stamps the fields captured since the last stamp (see [`capture`]). Every commit does this;
    /// sync also does it first, for edits made by tools that bypass the store.
    pub(crate) fn stamp_pending(&self) -> Result<()> {
        stamp_pending(&self.conn, &self.device_id, self.now().millis())
    }

    /// Uses `clock` for every "now" from here on (tests, simulations).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Now, by this store's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version stored in the file.
    pub fn schema_version(&self) -> Result<usize> {
        migrate::schema_version(&self.conn)
    }

    /// Frees this connection's page cache (SQLite keeps up to its `cache_size` of pages read, about
    /// 2 MB after a pass over a large garage); the next reads fetch their pages again.
    pub fn shrink_memory(&self) -> Result<()> {
        self.conn.execute_batch("PRAGMA shrink_memory")?;
        Ok(())
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
            let stamp = Stamp {
                device_id: &self.device_id,
                clock: self.clock.as_ref(),
            };
            Ok(Write::Tx(
                self.conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?,
                stamp,
            ))
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
            self.stamp_pending()?;
            faults::point("store.before_commit");
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
        // A sync merge that panicked left checks off for its transaction: turn them back on.
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        self.conn
            .pragma_update(None, "ignore_check_constraints", "OFF")?;
        Ok(true)
    }

    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>> {
        meta(&self.conn, key)
    }

    /// This garage's own id, made on first use: it names the garage's entries in the OS keyring,
    /// so two garages on one machine never share a secret.
    pub fn garage_id(&mut self) -> Result<String> {
        self.atomically(|store| {
            if let Some(id) = store.meta(GARAGE_ID_KEY)? {
                return Ok(id);
            }
            let id = uuid::Uuid::now_v7().to_string();
            set_meta(&store.conn, GARAGE_ID_KEY, &id)?;
            Ok(id)
        })
    }
}

/// The garage as background work sees it (a Strava sync, an outbox drain): each call holds the
/// database only for what it does, never across a network call, so the rider keeps using the app
/// while a pass waits on the network.
pub trait StoreAccess {
    fn with<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T>;
}

impl StoreAccess for std::sync::Mutex<Store> {
    fn with<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut store = self.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut store)
    }
}

/// Stamps what this transaction captured, with one new stamp: the triggers' pending entries
/// ([`capture::stamp_pending`]) and the rows of any bulk window ([`bulk`]). First, a clock set
/// right after running far ahead recovers, so nothing is stamped from where it got to.
fn stamp_pending(conn: &Connection, device_id: &str, now_ms: i64) -> Result<()> {
    let fields = capture::has_pending(conn)?;
    let rows = bulk::is_open(conn)?;
    if !fields && !rows {
        return Ok(());
    }
    clock_correction::recover_if_corrected(conn, device_id, now_ms)?;
    let stamp = capture::commit_stamp(conn, device_id, now_ms)?;
    if fields {
        capture::stamp_pending(conn, &stamp)?;
    }
    if rows {
        bulk::close(conn, &stamp)?;
    }
    Ok(())
}

pub(crate) fn meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

pub(crate) enum Write<'a> {
    Tx(Transaction<'a>, Stamp<'a>),
    Nested(Savepoint<'a>),
}

/// What a top-level write needs to stamp its captured fields at commit.
pub(crate) struct Stamp<'a> {
    device_id: &'a str,
    clock: &'a dyn Clock,
}

impl Write<'_> {
    /// Captures the rows this write inserts into `table` from here on in one statement at commit,
    /// instead of one trigger call each (see [`bulk`]): for writes that insert many rows.
    pub(crate) fn insert_in_bulk(&self, table: &str) -> Result<()> {
        bulk::open(self, table)
    }

    pub(crate) fn commit(self) -> Result<()> {
        match self {
            Write::Tx(tx, stamp) => {
                stamp_pending(&tx, stamp.device_id, stamp.clock.now().millis())?;
                faults::point("store.before_commit");
                tx.commit()?
            }
            Write::Nested(sp) => sp.commit()?,
        }
        Ok(())
    }
}

impl std::ops::Deref for Write<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            Write::Tx(tx, _) => tx,
            Write::Nested(sp) => sp,
        }
    }
}

/// The app and the CLI may hold the same file open at once: WAL lets a reader run beside a
/// writer, the busy timeout makes a writer wait its turn instead of failing, and immediate
/// transactions take the write lock before reading, so a transaction never has to upgrade a
/// stale read snapshot (which SQLite refuses at once, without waiting).
fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    enable_wal(conn)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Switching a file to WAL takes it whole for a moment. When two connections switch it at once,
/// SQLite refuses one of them at once, without the busy timeout (waiting could deadlock), so it
/// is tried again, backing off, for as long as the busy timeout. Seen when processes open a
/// garage that is not yet in WAL mode together (a new file, one restored from a copy).
fn enable_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(1);
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && Instant::now() < deadline =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            done => return done,
        }
    }
}

/// Defines `ToSql`/`FromSql` for an enum stored as text, through its `as_str` and `FromStr`.
macro_rules! sql_text_enum {
    ($t:ty) => {
        impl rusqlite::ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }
        impl rusqlite::types::FromSql for $t {
            fn column_result(
                v: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                s.parse().map_err(|e: $crate::error::Error| {
                    rusqlite::types::FromSqlError::Other(Box::new(e))
                })
            }
        }
    };
}
pub(crate) use sql_text_enum;

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn stores_opening_a_file_not_yet_in_wal_mode_at_once_all_open() {
        // Bounded: 100 rounds of 6 threads switching one rollback-journal file to WAL together.
        // Without the retry in enable_wal about half of such runs saw "database is locked".
        for _ in 0..100 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("g.sqlite3");
            Store::open_in_memory()
                .unwrap()
                .conn
                .execute("VACUUM INTO ?1", [path.to_str().unwrap()])
                .unwrap();
            let barrier = Arc::new(std::sync::Barrier::new(6));
            let opened: Vec<_> = (0..6)
                .map(|_| {
                    let (path, barrier) = (path.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        Store::open(&path).map(|_| ()).map_err(|e| e.to_string())
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect();
            assert!(opened.iter().all(Result::is_ok), "{opened:?}");
        }
    }

    #[test]
    fn a_data_folder_that_cannot_be_created_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"x").unwrap();
        let err = Store::open_dir(&file.join("garage"))
            .err()
            .expect("cannot create");
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
        assert_eq!(err.kind(), crate::ErrorKind::Storage);
    }
}
