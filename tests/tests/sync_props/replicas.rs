//! Replicas: one in-memory garage per device, each on its own clock, and the files it writes
//! delivered straight to the others.

use std::sync::Arc;

use pedalwrencher_core::sync::apply::apply;
use pedalwrencher_core::sync::batch::{Batch, Cell};
use pedalwrencher_core::sync::outgoing;
use pedalwrencher_core::{ErrorKind, ManualClock, Store, Timestamp};
use proptest::prelude::*;
use rusqlite::Connection;

pub struct Replica {
    pub store: Store,
    pub clock: Arc<ManualClock>,
    /// This device's clock minus the true time.
    pub skew: i64,
    /// Its clock runs a year ahead besides, until the rider sets it right.
    pub ahead: bool,
}

impl Replica {
    pub fn new(skew: i64, now: i64) -> Replica {
        let clock = Arc::new(ManualClock::new(Timestamp(now + skew)));
        let store = Store::open_in_memory()
            .expect("an in-memory store opens")
            .with_clock(clock.clone());
        Replica {
            store,
            clock,
            skew,
            ahead: false,
        }
    }

    pub fn device(&self) -> String {
        self.store.device_id().to_owned()
    }

    pub fn now(&self) -> i64 {
        self.store.now().millis()
    }
}

/// A file as it sits on the target: who wrote it, when (true time), and from which delivery round
/// on it can be read.
pub struct Pooled {
    pub batch: Batch,
    pub from: usize,
    pub at: i64,
    pub release: u32,
}

/// A failure message that says what was being done.
pub fn ok<T>(r: pedalwrencher_core::Result<T>, what: &str) -> Result<T, TestCaseError> {
    r.map_err(|e| TestCaseError::fail(format!("{what}: {e}")))
}

/// An edit the garage API may refuse (a date before the part's mounting, a retired bike, a row
/// deleted by a file read meanwhile): refusals are skipped, anything else fails the case.
pub fn refusable<T>(r: pedalwrencher_core::Result<T>, what: &str) -> Result<(), TestCaseError> {
    match r {
        Ok(_) => Ok(()),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::Invalid | ErrorKind::Conflict | ErrorKind::NotFound
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(TestCaseError::fail(format!("{what}: {e}"))),
    }
}

/// Writes every file `r` has not sent yet into the pool, as the engine does before uploading.
pub fn flush(
    replicas: &mut [Replica],
    r: usize,
    (at, release): (i64, u32),
    pool: &mut Vec<Pooled>,
) -> Result<usize, TestCaseError> {
    let files = ok(outgoing::prepare(&mut replicas[r].store), "prepare")?;
    let n = files.len();
    for file in files {
        let mut batch = ok(Batch::decode(&file.body), "decode")?;
        if r == NEWER {
            as_newer_version(&mut batch);
        }
        ok(
            outgoing::mark_sent(&mut replicas[r].store, file.seq),
            "mark sent",
        )?;
        pool.push(Pooled {
            batch,
            from: r,
            at,
            release,
        });
    }
    Ok(n)
}

/// The replica that runs one version ahead: its files also carry `components.wear_note`, a
/// column the others do not have until they are updated at the end of the run.
pub const NEWER: usize = 0;

/// The column only the newer version has.
pub const NEWER_COLUMN: (&str, &str) = ("components", "wear_note");

/// What the newer version writes besides: each part's name written also sets its wear note, with
/// the same stamp (one edit of both fields).
fn as_newer_version(batch: &mut Batch) {
    batch.schema += 1;
    let (table, column) = NEWER_COLUMN;
    for t in batch.tables.iter_mut().filter(|t| t.table == table) {
        let Some(name) = t.cols.iter().position(|c| c == "name") else {
            continue;
        };
        let note = t.cols.len() as u32;
        t.cols.push(column.to_owned());
        for row in &mut t.rows {
            let written: Vec<Cell> = row
                .1
                .iter()
                .filter(|c| c.0 as usize == name)
                .map(|c| Cell(note, format!("worn: {}", c.1).into(), c.2, c.3))
                .collect();
            row.1.extend(written);
        }
    }
}

pub fn deliver(replica: &mut Replica, batches: &[&Batch]) -> Result<(), TestCaseError> {
    let owned: Vec<Batch> = batches.iter().map(|b| (*b).clone()).collect();
    let read: Vec<(String, i64)> = owned.iter().map(|b| (b.device.clone(), b.seq)).collect();
    ok(apply(&mut replica.store, &owned, &read), "apply").map(|_| ())
}

/// Ids of the rows of `table` matching `filter`, in id order; the `seed`-th of them (cyclically).
pub fn pick(conn: &Connection, table: &str, filter: &str, seed: u16) -> Option<String> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT id FROM {table} WHERE {filter} ORDER BY id"
        ))
        .expect("a test query prepares");
    let ids: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .expect("a test query runs")
        .collect::<rusqlite::Result<_>>()
        .expect("ids read");
    if ids.is_empty() {
        None
    } else {
        Some(ids[usize::from(seed) % ids.len()].clone())
    }
}

pub fn live(conn: &Connection, table: &str, seed: u16) -> Option<String> {
    pick(conn, table, "deleted_at IS NULL", seed)
}

/// A write made by a tool that bypasses the store: captured by the triggers, stamped by the next
/// store write or sync. A write the schema refuses is rolled back and skipped.
pub fn raw(
    conn: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<(), TestCaseError> {
    conn.execute_batch("BEGIN")
        .map_err(|e| TestCaseError::fail(format!("begin: {e}")))?;
    match conn.execute(sql, params) {
        Ok(_) => conn
            .execute_batch("COMMIT")
            .map_err(|e| TestCaseError::fail(format!("commit: {e}"))),
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            conn.execute_batch("ROLLBACK")
                .map_err(|e| TestCaseError::fail(format!("rollback: {e}")))
        }
        Err(e) => Err(TestCaseError::fail(format!("{sql}: {e}"))),
    }
}
