//! Garages as an older schema version stored them, for upgrade and crash tests.

use std::path::Path;

use pedalwrencher_core::Store;
use rusqlite::Connection;

use crate::sql;
use crate::tables;

/// The data of `fixtures/schema_v1.sql`.
pub const SCHEMA_V1_SQL: &str = include_str!("../fixtures/schema_v1.sql");

/// What a garage held when it was written: each garage table's columns as that schema version
/// had them (later versions may add columns), and its rows read through those columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub columns: Vec<Vec<String>>,
    pub rows: Vec<Vec<String>>,
}

impl Snapshot {
    pub fn of(conn: &Connection) -> Self {
        let (columns, rows) = tables::GARAGE
            .iter()
            .map(|t| {
                let cols = sql::columns(conn, t);
                let rows = sql::rows_of(conn, t, &cols);
                (cols, rows)
            })
            .unzip();
        Self { columns, rows }
    }

    /// The rows of the same tables and columns as they are in `conn` now.
    pub fn rows_now(&self, conn: &Connection) -> Vec<Vec<String>> {
        tables::GARAGE
            .iter()
            .zip(&self.columns)
            .map(|(t, cols)| sql::rows_of(conn, t, cols))
            .collect()
    }
}

/// Writes a schema v1 garage holding the v1 fixture's data at `path` (the file must not exist),
/// closes it and returns what it holds.
pub fn v1_garage(path: &Path) -> Snapshot {
    let old = Store::open_at_version(path, 1).expect("create a v1 garage");
    assert_eq!(old.schema_version().unwrap(), 1);
    old.connection()
        .execute_batch(SCHEMA_V1_SQL)
        .expect("fill the v1 garage");
    let snapshot = Snapshot::of(old.connection());
    assert!(
        snapshot.rows.iter().all(|rows| !rows.is_empty()),
        "the v1 fixture should fill every garage table"
    );
    snapshot
}

/// `PRAGMA user_version` of the file.
pub fn user_version(conn: &Connection) -> usize {
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("read user_version");
    usize::try_from(v).expect("a non-negative schema version")
}
