//! Bikes learnt from sensors: a ride whose file names a sensor (power meter, Di2, speed sensor)
//! that, so far, only one bike's rides named goes on that bike. A head unit moves between bikes
//! more often than a power meter, so it decides only when no other sensor does and its rides are
//! all on one bike. The choice is said in the import's report and undone with `ride assign`.

use std::collections::BTreeSet;

use rusqlite::{params, Connection};

use crate::error::Result;
use crate::ids::{BikeId, RideId};

use super::summary::Sensor;

pub(crate) fn remember(tx: &Connection, ride: &RideId, sensors: &[Sensor]) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO ride_sensors (ride_id, serial, kind) VALUES (?1, ?2, ?3)",
    )?;
    for s in sensors {
        stmt.execute(params![ride, s.serial, s.kind])?;
    }
    Ok(())
}

/// The bikes of the rides (not deleted, on a bike) that named `serial`.
fn bikes_of(tx: &Connection, serial: &str) -> Result<BTreeSet<BikeId>> {
    let mut stmt = tx.prepare_cached(
        "SELECT DISTINCT r.bike_id FROM ride_sensors s JOIN rides r ON r.id = s.ride_id
         WHERE s.serial = ?1 AND r.deleted_at IS NULL AND r.bike_id IS NOT NULL",
    )?;
    let rows = stmt.query_map([serial], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<BTreeSet<BikeId>>>()?)
}

/// The one bike these sensors point to, and why in words; `None` when they point to none or to
/// several.
pub(crate) fn bike_for(tx: &Connection, sensors: &[Sensor]) -> Result<Option<(BikeId, String)>> {
    let (head_units, others): (Vec<&Sensor>, Vec<&Sensor>) =
        sensors.iter().partition(|s| s.kind == "head unit");
    for group in [others, head_units] {
        let mut bikes = BTreeSet::new();
        let mut named = Vec::new();
        for s in group {
            let of = bikes_of(tx, &s.serial)?;
            if of.len() == 1 {
                named.push(format!("{} {}", s.kind.replace('_', " "), s.serial));
            }
            bikes.extend(of);
        }
        if bikes.len() == 1 {
            let bike = bikes.into_iter().next();
            return Ok(bike.map(|b| {
                let why = format!("its rides named the same sensors ({})", named.join(", "));
                (b, why)
            }));
        }
        if bikes.len() > 1 {
            return Ok(None);
        }
    }
    Ok(None)
}
