//! Backup and restore: the whole garage in one versioned file, and back.
//!
//! The file (`format.rs`) is JSON: a marker (`"format": "pedalwrencher-backup"`), the format
//! version, the schema version of the garage that wrote it, and every row of every synced table
//! (`store::capture::SYNCED`: bikes, components, installations, rules, services, rides, carried
//! usage, synced settings), tombstones included, each table as its column names and rows; then a
//! SHA-256 checksum of the tables. Rides are also written as CSV next to it (`csv.rs`), for a
//! spreadsheet; the CSV is never read back.
//!
//! Forward rules, so that a later version reads an earlier file:
//! - the format version moves only when the file's layout changes; a reader refuses a format
//!   newer than its own, and reads every older one;
//! - rows are keyed by column name, never by position: a column the file lacks (a later schema
//!   added it) takes its default, as a migration would give it; a required column without a
//!   default that the file lacks refuses the file;
//! - a file written by a newer schema than the reader's is refused (it may hold what this version
//!   would drop): update Pedalwrencher to restore it;
//! - tables this version does not sync are not in the file, and a table the reader does not know
//!   refuses the file.
//!
//! Restore (`restore.rs`) reads and validates the whole file before it writes anything, then
//! writes in one transaction: all of it lands, or none. Onto an empty garage every row is kept
//! with its id. Alongside an existing garage a row whose id is already here is skipped (the copy
//! here is kept), as is a row that clashes with one here (the same Strava ride or bike under
//! another id) and a row that belongs to a skipped one; the report says what was added and what
//! was skipped, and why.

mod csv;
mod export;
mod format;
mod restore;

use std::collections::BTreeMap;

use serde::Serialize;

pub use self::export::export;
pub use self::format::{FORMAT, VERSION};
pub use self::restore::restore;

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct BackupReport {
    /// The backup file.
    pub file: String,
    /// The rides as CSV, next to it.
    pub rides_csv: String,
    /// The backup format version written.
    pub format_version: u32,
    /// Rows written per table (tombstones included).
    pub rows: BTreeMap<String, u32>,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct RestoreReport {
    /// The garage had nothing in it before: every row was kept with its id.
    pub onto_empty: bool,
    /// Rows added per table.
    pub added: BTreeMap<String, u32>,
    /// Rows skipped per table.
    pub skipped: BTreeMap<String, u32>,
    /// The skipped rows and why (the first [`MAX_SKIPPED_LISTED`]; `skipped` counts them all).
    pub skipped_rows: Vec<Skipped>,
    /// When the backup was made.
    pub created_at: crate::time::Timestamp,
}

/// At most this many skipped rows are listed one by one.
pub const MAX_SKIPPED_LISTED: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Skipped {
    pub table: String,
    pub id: String,
    pub reason: String,
}

/// How far a backup or a restore has come, for the window ("Restoring rides: 4,000 of 12,000").
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Progress {
    pub stage: Stage,
    /// The table being read or written, if any.
    pub table: Option<String>,
    pub done: u32,
    pub total: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Reading the garage (backup) or the file (restore).
    Reading,
    /// Checking the file before anything is written.
    Validating,
    /// Writing the file (backup) or the rows (restore).
    Writing,
    /// Bringing the wear of every rule up to date.
    Wear,
    Done,
}

/// Progress is reported at every table and every this many rows.
const PROGRESS_EVERY: usize = 1000;
