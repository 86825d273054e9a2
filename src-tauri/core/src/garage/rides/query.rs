//! Reading rides back: one by id, a list newest first, how many wait for a bike.

use rusqlite::{params, OptionalExtension};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::ids::{BikeId, RideId};
use crate::store::Store;
use crate::time::Timestamp;

use super::rows::{from_row, COLUMNS};
use super::{Ride, RideSource};

pub fn get(store: &Store, id: &RideId) -> Result<Ride> {
    store
        .conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM rides WHERE id = ?1 AND deleted_at IS NULL"),
            [id],
            from_row,
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "ride",
            id: id.to_string(),
            list: "rides",
        })
}

/// Which rides to list; every filter left empty lets all through.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default)]
pub struct RideQuery {
    pub bike: Option<BikeId>,
    pub unassigned_only: bool,
    /// Only rides flagged for review (numbers a ride cannot have, see `limits`).
    pub flagged_only: bool,
    /// Only indoor (true) or outdoor (false) rides.
    pub indoor: Option<bool>,
    pub source: Option<RideSource>,
    /// Rides that started at or after this instant.
    pub from: Option<Timestamp>,
    /// Rides that started before this instant.
    pub until: Option<Timestamp>,
    /// Skips this many (paging, with `limit`).
    pub offset: Option<u32>,
    pub limit: Option<u32>,
}

/// The WHERE clause of `q` (parameters ?1–?7). A bike is named outright rather than through
/// `?1 IS NULL OR …`, so that SQLite walks that bike's index instead of every ride.
fn filters(q: &RideQuery) -> &'static str {
    if q.bike.is_some() {
        "deleted_at IS NULL AND bike_id = ?1 AND (NOT ?2 OR bike_id IS NULL)
         AND (NOT ?3 OR review IS NOT NULL) AND (?4 IS NULL OR indoor = ?4)
         AND (?5 IS NULL OR source = ?5) AND (?6 IS NULL OR start_at >= ?6)
         AND (?7 IS NULL OR start_at < ?7)"
    } else {
        "deleted_at IS NULL AND ?1 IS NULL AND (NOT ?2 OR bike_id IS NULL)
         AND (NOT ?3 OR review IS NOT NULL) AND (?4 IS NULL OR indoor = ?4)
         AND (?5 IS NULL OR source = ?5) AND (?6 IS NULL OR start_at >= ?6)
         AND (?7 IS NULL OR start_at < ?7)"
    }
}

/// Rides, newest first.
pub fn list(store: &Store, q: &RideQuery) -> Result<Vec<Ride>> {
    let mut stmt = store.conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM rides WHERE {}
         ORDER BY start_at DESC, id DESC LIMIT ?8 OFFSET ?9",
        filters(q)
    ))?;
    let limit = q.limit.map_or(-1, i64::from);
    let offset = q.offset.map_or(0, i64::from);
    let rows = stmt.query_map(
        params![
            q.bike,
            q.unassigned_only,
            q.flagged_only,
            q.indoor,
            q.source,
            q.from,
            q.until,
            limit,
            offset
        ],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many rides `q` lists without its paging (the window's "1–50 of 50,000").
pub fn count(store: &Store, q: &RideQuery) -> Result<i64> {
    Ok(store
        .conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM rides WHERE {}", filters(q)))?
        .query_row(
            params![
                q.bike,
                q.unassigned_only,
                q.flagged_only,
                q.indoor,
                q.source,
                q.from,
                q.until
            ],
            |r| r.get(0),
        )?)
}

pub fn count_unassigned(store: &Store) -> Result<i64> {
    Ok(store.conn.query_row(
        "SELECT COUNT(*) FROM rides WHERE bike_id IS NULL AND deleted_at IS NULL",
        [],
        |r| r.get(0),
    )?)
}
