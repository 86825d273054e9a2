//! The `rides` table's SQL, shared by every read and write: the columns, a row as a [`Ride`], and
//! the lookups a write makes first.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::Result;
use crate::garage::bikes;
use crate::ids::BikeId;
use crate::time::Timestamp;

use super::{Ride, RideSource};

pub(super) fn ensure_bike(tx: &Connection, bike: Option<&BikeId>) -> Result<()> {
    let Some(bike) = bike else { return Ok(()) };
    let ok: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM bikes WHERE id = ?1 AND deleted_at IS NULL)")?
        .query_row([bike], |r| r.get(0))?;
    if ok {
        Ok(())
    } else {
        Err(bikes::not_found(bike))
    }
}

/// Imports already know which rides are new, so new ones get a plain INSERT (cheaper per row
/// than an upsert on the hot path of a 50,000-ride import).
pub(super) fn insert(tx: &Connection, r: &Ride, now: Timestamp) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO rides (id, source, external_id, bike_id, start_at, distance_m, moving_time_s, elapsed_time_s,
            elevation_m, energy_kj, sport_type, indoor, commute, name, source_gear_id, bike_chosen, utc_offset_s,
            created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?16, ?17, ?18, ?15, ?15)",
    )?
    .execute(params![
        r.id,
        r.source,
        r.external_id,
        r.bike_id,
        r.start_at,
        r.distance_m,
        r.moving_time_s,
        r.elapsed_time_s,
        r.elevation_m,
        r.energy_kj,
        r.sport_type,
        r.indoor,
        r.commute,
        r.name,
        now,
        r.source_gear_id,
        r.bike_chosen,
        r.utc_offset_s
    ])?;
    Ok(())
}

/// Updates everything but a ride's identity (id, source, external id).
pub(super) fn update(tx: &Connection, r: &Ride, now: Timestamp) -> Result<()> {
    tx.prepare_cached(
        "UPDATE rides SET bike_id = ?2, start_at = ?3, distance_m = ?4, moving_time_s = ?5, elapsed_time_s = ?6,
            elevation_m = ?7, energy_kj = ?8, sport_type = ?9, indoor = ?10, commute = ?11, name = ?12,
            updated_at = ?13, source_gear_id = ?14, bike_chosen = ?15, utc_offset_s = ?16,
            deleted_at = NULL, deleted_by = NULL
         WHERE id = ?1",
    )?
    .execute(params![
        r.id,
        r.bike_id,
        r.start_at,
        r.distance_m,
        r.moving_time_s,
        r.elapsed_time_s,
        r.elevation_m,
        r.energy_kj,
        r.sport_type,
        r.indoor,
        r.commute,
        r.name,
        now,
        r.source_gear_id,
        r.bike_chosen,
        r.utc_offset_s
    ])?;
    Ok(())
}

pub(super) const COLUMNS: &str =
    "id, source, external_id, bike_id, start_at, distance_m, moving_time_s, elapsed_time_s,
    elevation_m, energy_kj, sport_type, indoor, commute, name, source_gear_id, bike_chosen, utc_offset_s";

pub(super) fn from_row(r: &Row<'_>) -> rusqlite::Result<Ride> {
    Ok(Ride {
        id: r.get(0)?,
        source: r.get(1)?,
        external_id: r.get(2)?,
        bike_id: r.get(3)?,
        start_at: r.get(4)?,
        distance_m: r.get(5)?,
        moving_time_s: r.get(6)?,
        elapsed_time_s: r.get(7)?,
        elevation_m: r.get(8)?,
        energy_kj: r.get(9)?,
        sport_type: r.get(10)?,
        indoor: r.get(11)?,
        commute: r.get(12)?,
        name: r.get(13)?,
        source_gear_id: r.get(14)?,
        bike_chosen: r.get(15)?,
        utc_offset_s: r.get(16)?,
    })
}

/// The ride stored under (source, external id), and whether the rider deleted it.
pub(super) fn find_external(
    tx: &Connection,
    source: RideSource,
    external_id: &str,
) -> Result<Option<(Ride, bool)>> {
    Ok(tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, deleted_at IS NOT NULL FROM rides WHERE source = ?1 AND external_id = ?2"
        ))?
        .query_row(params![source, external_id], |r| Ok((from_row(r)?, r.get(17)?)))
        .optional()?)
}
