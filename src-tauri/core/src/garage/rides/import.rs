//! Many rides from a file in one transaction, matched on (source, external id) so the same file
//! imported twice changes nothing; wear is brought up to date once at the end.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::error::Result;
use crate::faults;
use crate::ids::{BikeId, RideId};
use crate::store::Store;
use crate::time::When;
use crate::wear::usage;

use super::rows::{ensure_bike, find_external, insert, update};
use super::{checked, flagged, limits, NewRide};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Inserts or updates many rides in one transaction, then brings wear up to date once.
/// Rides with an external id are matched on (source, external id); others are always new.
pub fn import(store: &mut Store, rides: Vec<NewRide>) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let now = store.now();
    let tx = store.write()?;
    // Thousands of rides at once: captured for sync in one statement at commit.
    tx.insert_in_bulk("rides")?;
    let mut bikes_touched: BTreeSet<BikeId> = BTreeSet::new();
    for new in rides {
        // Stored trimmed (see `checked`), so looked up trimmed.
        let existing = match new.external_id.as_deref().map(str::trim) {
            Some(ext) => find_external(&tx, new.source, ext)?,
            None => None,
        };
        // One bad ride fails the whole import: say which one.
        let (ext, start_at) = (new.external_id.clone(), new.start_at.clone());
        let which = || match (&ext, &start_at) {
            (Some(ext), _) => format!("ride {ext}"),
            (None, When::At(t)) => format!("the ride of {}", t.local_date()),
            (None, When::Typed(text)) => format!("the ride of {text}"),
        };
        // A ride the rider deleted stays deleted when a source offers it again.
        if let Some((_, true)) = existing {
            report.unchanged += 1;
            continue;
        }
        let existing = existing.map(|(ride, _)| ride);
        let found = limits::check(&new);
        let mut ride = checked(
            existing.as_ref().map_or_else(RideId::new, |r| r.id.clone()),
            new,
            now,
        )
        .map_err(|e| e.about(&which()))?;
        // What only a source knows, and the rider's choice of bike, survive a file re-import.
        if let Some(old) = &existing {
            ride.source_gear_id = old.source_gear_id.clone();
            ride.bike_chosen = old.bike_chosen;
            ride.utc_offset_s = old.utc_offset_s;
            ride.excluded = old.excluded;
        }
        // Kept but flagged: the rider reviews it in the list of rides.
        ride.review = flagged(found, existing.as_ref(), &ride);
        ensure_bike(&tx, ride.bike_id.as_ref()).map_err(|e| e.about(&which()))?;
        match existing {
            Some(old) if old == ride => report.unchanged += 1,
            Some(old) => {
                update(&tx, &ride, now)?;
                bikes_touched.extend(old.bike_id);
                bikes_touched.extend(ride.bike_id.clone());
                report.updated += 1;
            }
            None => {
                insert(&tx, &ride, now)?;
                bikes_touched.extend(ride.bike_id.clone());
                report.inserted += 1;
            }
        }
        faults::point("rides.import.after_ride");
    }
    let components = usage::components_ever_on(&tx, &bikes_touched)?;
    usage::refresh(&tx, usage::Scope::Components(&components), now)?;
    tx.commit()?;
    Ok(report)
}
