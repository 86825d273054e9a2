//! The rides a source (Strava) lists, written inside the source's own transaction: upserted with
//! the bike following the source's gear, deleted when the source no longer lists them, scrubbed
//! when the source is disconnected. Rides the rider deleted stay deleted.

use std::collections::BTreeSet;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;
use crate::ids::{BikeId, RideId};
use crate::time::Timestamp;
use crate::wear::usage;

use super::rows::{ensure_bike, from_row, insert, update, COLUMNS};
use super::{checked, flagged, limits, NewRide, Ride, RideSource};

/// A ride as a source lists it (Strava), with what only a source knows.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedRide {
    /// Derived from the source's id, the same on every device.
    pub id: RideId,
    /// `source` and `external_id` set; `bike_id` ignored (the bike follows the gear).
    pub ride: NewRide,
    pub source_gear_id: Option<String>,
    /// The bike linked to `source_gear_id`, if any.
    pub bike_from_gear: Option<BikeId>,
    pub utc_offset_s: Option<i32>,
}

/// What listing a ride did to the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    Inserted,
    Updated,
    Unchanged,
    /// Its source had deleted it and lists it again.
    Restored,
    /// The rider deleted it here: it stays deleted.
    KeptDeleted,
}

/// Inserts or updates a listed ride inside the caller's write; returns the bikes whose wear it
/// changed. The bike follows the source's gear, except that a bike the rider chose by hand stays
/// until the source names different gear for the ride.
pub(crate) fn upsert_listed(
    tx: &Connection,
    listed: ListedRide,
    now: Timestamp,
    bikes_touched: &mut BTreeSet<BikeId>,
) -> Result<Listed> {
    let external = listed.ride.external_id.clone().unwrap_or_default();
    let existing = existing_listed(tx, listed.ride.source, &external)?;
    if let Some((_, Some(DeletedBy::Rider))) = existing {
        return Ok(Listed::KeptDeleted);
    }
    // A bike the rider chose stays while Strava names the same gear or none; otherwise the bike
    // follows Strava's gear (so moving gear to another bike here moves its rides too).
    let (bike, chosen) = match &existing {
        Some((old, _))
            if old.bike_chosen
                && (old.source_gear_id == listed.source_gear_id
                    || listed.source_gear_id.is_none()) =>
        {
            (old.bike_id.clone(), true)
        }
        _ => (listed.bike_from_gear.clone(), false),
    };
    let id = existing
        .as_ref()
        .map_or(listed.id.clone(), |(old, _)| old.id.clone());
    let found = limits::check(&listed.ride);
    let mut ride = checked(id, listed.ride, now)?;
    let old = existing.as_ref().map(|(old, _)| old);
    ride.review = flagged(found, old, &ride);
    ride.excluded = old.is_some_and(|o| o.excluded);
    ride.bike_id = bike;
    ride.bike_chosen = chosen;
    ride.source_gear_id = listed.source_gear_id;
    ride.utc_offset_s = listed.utc_offset_s;
    ensure_bike(tx, ride.bike_id.as_ref())?;
    let outcome = match existing {
        None => {
            insert(tx, &ride, now)?;
            Listed::Inserted
        }
        Some((old, deleted)) => {
            if old == ride && deleted.is_none() {
                return Ok(Listed::Unchanged);
            }
            update(tx, &ride, now)?;
            bikes_touched.extend(old.bike_id);
            if deleted.is_some() {
                Listed::Restored
            } else {
                Listed::Updated
            }
        }
    };
    bikes_touched.extend(ride.bike_id.clone());
    Ok(outcome)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeletedBy {
    Rider,
    Source,
}

fn existing_listed(
    tx: &Connection,
    source: RideSource,
    external_id: &str,
) -> Result<Option<(Ride, Option<DeletedBy>)>> {
    Ok(tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, deleted_at IS NOT NULL, deleted_by FROM rides
             WHERE source = ?1 AND external_id = ?2"
        ))?
        .query_row(params![source, external_id], |r| {
            let deleted: bool = r.get(19)?;
            let by: Option<String> = r.get(20)?;
            let by = match (deleted, by.as_deref()) {
                (false, _) => None,
                (true, Some("source")) => Some(DeletedBy::Source),
                (true, _) => Some(DeletedBy::Rider),
            };
            Ok((from_row(r)?, by))
        })
        .optional()?)
}

/// Deletes rides their source no longer lists, inside the caller's write; they come back if
/// the source lists them again. Returns the bikes whose wear changed.
pub(crate) fn delete_unlisted(
    tx: &Connection,
    ids: &[RideId],
    now: Timestamp,
    bikes_touched: &mut BTreeSet<BikeId>,
) -> Result<usize> {
    let mut bike_of = tx.prepare_cached("SELECT bike_id FROM rides WHERE id = ?1")?;
    let mut delete = tx.prepare_cached(
        "UPDATE rides SET deleted_at = ?2, updated_at = ?2, deleted_by = 'source'
         WHERE id = ?1 AND deleted_at IS NULL",
    )?;
    let mut n = 0;
    for id in ids {
        let bike: Option<BikeId> = bike_of.query_row([id], |r| r.get(0)).optional()?.flatten();
        n += delete.execute(params![id, now])?;
        bikes_touched.extend(bike);
    }
    Ok(n)
}

/// Brings the wear of every rule up to date, inside the caller's write.
pub(crate) fn refresh_all(tx: &Connection, now: Timestamp) -> Result<()> {
    usage::refresh(tx, usage::Scope::All, now)
}

/// Brings the wear of every component ever on `bikes` up to date, inside the caller's write.
pub(crate) fn refresh_bikes(
    tx: &Connection,
    bikes: &BTreeSet<BikeId>,
    now: Timestamp,
) -> Result<()> {
    let components = usage::components_ever_on(tx, bikes)?;
    usage::refresh(tx, usage::Scope::Components(&components), now)
}

/// Erases what a source's rides say (name, distances, times) and marks them deleted by the
/// source, inside the caller's write: the rows stay as tombstones, so other devices learn of the
/// deletion and a new connection can bring them back. Rides the rider deleted stay so.
pub(crate) fn scrub_source(tx: &Connection, source: RideSource, now: Timestamp) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE rides SET name = '', distance_m = 0, moving_time_s = 0, elapsed_time_s = 0, elevation_m = 0,
            energy_kj = NULL, source_gear_id = NULL, utc_offset_s = NULL, review = NULL,
            deleted_at = COALESCE(deleted_at, ?2), deleted_by = COALESCE(deleted_by, 'source'), updated_at = ?2
         WHERE source = ?1",
        params![source, now],
    )?)
}
