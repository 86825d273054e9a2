//! Reading rides back: one by id, a list newest first, how many wait for a bike.

use rusqlite::{params, OptionalExtension};

use crate::error::{Error, Result};
use crate::ids::{BikeId, RideId};
use crate::store::Store;

use super::rows::{from_row, COLUMNS};
use super::Ride;

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

#[derive(Debug, Clone, Default)]
pub struct RideQuery {
    pub bike: Option<BikeId>,
    pub unassigned_only: bool,
    pub limit: Option<u32>,
}

/// Rides, newest first.
pub fn list(store: &Store, q: &RideQuery) -> Result<Vec<Ride>> {
    let mut stmt = store.conn.prepare(&format!(
        "SELECT {COLUMNS} FROM rides
         WHERE deleted_at IS NULL AND (?1 IS NULL OR bike_id = ?1) AND (NOT ?2 OR bike_id IS NULL)
         ORDER BY start_at DESC, id DESC LIMIT ?3"
    ))?;
    let limit = q.limit.map_or(-1, i64::from);
    let rows = stmt.query_map(params![q.bike, q.unassigned_only, limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn count_unassigned(store: &Store) -> Result<i64> {
    Ok(store.conn.query_row(
        "SELECT COUNT(*) FROM rides WHERE bike_id IS NULL AND deleted_at IS NULL",
        [],
        |r| r.get(0),
    )?)
}
