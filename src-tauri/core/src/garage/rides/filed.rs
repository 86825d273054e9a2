//! The writes a ride file import makes inside its own transaction (`ride_files::import`): find a
//! ride already here by its start, insert a new one, or put a more complete file's numbers on
//! one that is here. The checks are the same as for every ride (`checked`), and, as for every
//! source's ride, numbers a ride cannot have are kept but flagged for the rider's review.

use rusqlite::{params, Connection};

use crate::error::Result;
use crate::ids::RideId;
use crate::time::Timestamp;

use super::rows::{ensure_bike, find_external, from_row, insert, update, COLUMNS};
use super::{checked, flagged, limits, NewRide, Ride, RideSource};

/// Rides not deleted that start within `window_ms` of `start`, nearest first.
pub(crate) fn starting_near(
    tx: &Connection,
    start: Timestamp,
    window_ms: i64,
) -> Result<Vec<Ride>> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM rides
         WHERE deleted_at IS NULL AND start_at BETWEEN ?1 AND ?2
         ORDER BY abs(start_at - ?3), id"
    ))?;
    let rows = stmt.query_map(
        params![start.0 - window_ms, start.0 + window_ms, start.0],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The ride stored under (source, external id), and whether it was deleted.
pub(crate) fn by_source_id(
    tx: &Connection,
    source: RideSource,
    external_id: &str,
) -> Result<Option<(Ride, bool)>> {
    find_external(tx, source, external_id)
}

/// Inserts a new ride read from a file, with the id its content gave it; numbers a ride cannot
/// have (`limits`) are kept but flagged for review.
pub(crate) fn insert_filed(
    tx: &Connection,
    id: RideId,
    new: NewRide,
    utc_offset_s: Option<i32>,
    now: Timestamp,
) -> Result<Ride> {
    let found = limits::check(&new);
    let mut ride = checked(id, new, now)?;
    ride.utc_offset_s = utc_offset_s;
    ride.review = found;
    ensure_bike(tx, ride.bike_id.as_ref())?;
    insert(tx, &ride, now)?;
    Ok(ride)
}

/// Puts the numbers of a more complete file of the same activity on a ride already here; its
/// id, bike, name and flags stay as they are. The new numbers are flagged when a ride cannot
/// have them, unless the rider already reviewed the same numbers.
pub(crate) fn replace_numbers(
    tx: &Connection,
    old: &Ride,
    new: NewRide,
    utc_offset_s: Option<i32>,
    now: Timestamp,
) -> Result<Ride> {
    let found = limits::check(&new);
    let mut ride = checked(old.id.clone(), new, now)?;
    ride.source = old.source;
    ride.external_id = old.external_id.clone();
    ride.bike_id = old.bike_id.clone();
    ride.bike_chosen = old.bike_chosen;
    ride.source_gear_id = old.source_gear_id.clone();
    ride.commute = old.commute;
    if !old.name.is_empty() {
        ride.name = old.name.clone();
    }
    ride.utc_offset_s = utc_offset_s.or(old.utc_offset_s);
    ride.excluded = old.excluded;
    ride.review = flagged(found, Some(old), &ride);
    update(tx, &ride, now)?;
    Ok(ride)
}
