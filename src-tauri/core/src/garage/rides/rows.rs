//! The `rides` table's SQL, shared by every read and write: the columns, a row as a [`Ride`], and
//! the lookups a write makes first.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::Result;
use crate::garage::bikes;
use crate::ids::BikeId;
use crate::time::Timestamp;

use super::{Implausible, Ride, RideSource};

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
            review, excluded, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?16, ?17, ?18, ?19, ?20, ?15, ?15)",
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
        r.utc_offset_s,
        review_to_sql(&r.review),
        r.excluded
    ])?;
    Ok(())
}

/// Updates everything but a ride's identity (id, source, external id).
pub(super) fn update(tx: &Connection, r: &Ride, now: Timestamp) -> Result<()> {
    tx.prepare_cached(
        "UPDATE rides SET bike_id = ?2, start_at = ?3, distance_m = ?4, moving_time_s = ?5, elapsed_time_s = ?6,
            elevation_m = ?7, energy_kj = ?8, sport_type = ?9, indoor = ?10, commute = ?11, name = ?12,
            updated_at = ?13, source_gear_id = ?14, bike_chosen = ?15, utc_offset_s = ?16,
            review = ?17, excluded = ?18, deleted_at = NULL, deleted_by = NULL
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
        r.utc_offset_s,
        review_to_sql(&r.review),
        r.excluded
    ])?;
    Ok(())
}

pub(super) const COLUMNS: &str =
    "id, source, external_id, bike_id, start_at, distance_m, moving_time_s, elapsed_time_s,
    elevation_m, energy_kj, sport_type, indoor, commute, name, source_gear_id, bike_chosen, utc_offset_s,
    review, excluded";

/// The findings as the `review` column keeps them: a JSON array, NULL when empty.
pub(super) fn review_to_sql(found: &[Implausible]) -> Option<String> {
    if found.is_empty() {
        return None;
    }
    serde_json::to_string(found).ok()
}

/// A `review` the findings cannot be read from (written by hand, damaged) still flags the ride.
fn review_from_sql(text: Option<String>) -> Vec<Implausible> {
    let Some(text) = text else { return Vec::new() };
    serde_json::from_str(&text).unwrap_or_else(|_| {
        vec![Implausible {
            field: String::new(),
            value: 0.0,
            limit: 0.0,
            reason: format!("flagged for review: {text}"),
        }]
    })
}

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
        review: review_from_sql(r.get(17)?),
        excluded: r.get(18)?,
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
        .query_row(params![source, external_id], |r| Ok((from_row(r)?, r.get(19)?)))
        .optional()?)
}
