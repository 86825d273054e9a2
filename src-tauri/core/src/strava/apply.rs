//! Writing what Strava listed: each page in one transaction with its cursor and the wear it
//! changes, so a crash or a pause resumes exactly where the sync stopped and never leaves half a
//! page. Network calls happen before and after, never inside.

use std::collections::BTreeSet;

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::faults;
use crate::garage::bikes::{self, Linked, SourceBike};
use crate::garage::carried;
use crate::garage::rides::{self, Listed, ListedRide, NewRide, RideSource};
use crate::ids::{BikeId, RideId};
use crate::store::Store;
use crate::strava::mapping;
use crate::strava::model::{Activity, Gear, GearSummary, Page};
use crate::strava::state::{self, Listing};
use crate::time::{Timestamp, When};

/// What a sync changed, for the rider and for scripts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Changes {
    pub bikes_added: u32,
    pub bikes_renamed: u32,
    pub rides_added: u32,
    pub rides_updated: u32,
    /// Deleted in Strava (or no longer a ride there), so deleted here.
    pub rides_deleted: u32,
    /// Deleted in Strava earlier and listed again.
    pub rides_restored: u32,
    /// Activities that are not rides (runs, swims…).
    pub not_rides: u32,
    /// Activities Strava sent in a form that could not be read.
    pub unreadable: u32,
}

impl Changes {
    pub fn add(&mut self, o: Changes) {
        self.bikes_added += o.bikes_added;
        self.bikes_renamed += o.bikes_renamed;
        self.rides_added += o.rides_added;
        self.rides_updated += o.rides_updated;
        self.rides_deleted += o.rides_deleted;
        self.rides_restored += o.rides_restored;
        self.not_rides += o.not_rides;
        self.unreadable += o.unreadable;
    }
}

fn kind_of_frame(frame_type: Option<i64>) -> &'static str {
    // Strava's frame types: 1 mountain bike, 2 cross, 3 road, 4 time trial.
    match frame_type {
        Some(1) => "mtb",
        Some(2) => "cx",
        Some(3) => "road",
        Some(4) => "tt",
        _ => "other",
    }
}

/// Links the athlete's bikes and any fetched gear (bikes retired in Strava), in one write.
pub(crate) fn link_bikes(
    store: &mut Store,
    listed: &[GearSummary],
    fetched: &[Gear],
) -> Result<Changes> {
    let now = store.now();
    let tx = store.write()?;
    let mut changes = Changes::default();
    let bikes = listed
        .iter()
        .map(|g| SourceBike {
            id: mapping::bike_id(&g.id),
            gear_id: g.id.clone(),
            name: g.name.clone().unwrap_or_default(),
            kind: "other".to_owned(),
            retired: g.retired.unwrap_or(false),
        })
        .chain(fetched.iter().map(|g| SourceBike {
            id: mapping::bike_id(&g.id),
            gear_id: g.id.clone(),
            name: g.display_name(),
            kind: kind_of_frame(g.frame_type).to_owned(),
            retired: g.retired.unwrap_or(true),
        }));
    for bike in bikes {
        match bikes::link_source_bike(&tx, &bike, now)?.1 {
            Linked::Added => changes.bikes_added += 1,
            Linked::Renamed => changes.bikes_renamed += 1,
            Linked::Unchanged => {}
        }
    }
    tx.commit()?;
    Ok(changes)
}

/// Gear ids the page names that no bike here is linked to: they must be fetched first.
pub(crate) fn unknown_gear(store: &Store, page: &Page) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for a in &page.activities {
        if let Some(gear) = a.gear_id.as_deref().filter(|g| !g.is_empty()) {
            if mapping::is_cycling(a) && bikes::by_gear(store.connection(), gear)?.is_none() {
                out.insert(gear.to_owned());
            }
        }
    }
    Ok(out)
}

fn listed_ride(tx: &Connection, a: &Activity) -> Result<Option<ListedRide>> {
    let Some((start, offset)) = mapping::start(a) else {
        return Ok(None);
    };
    let gear = a.gear_id.clone().filter(|g| !g.is_empty());
    let bike_from_gear = match &gear {
        Some(g) => bikes::by_gear(tx, g)?,
        None => None,
    };
    let moving = a.moving_time.unwrap_or(0.0).max(0.0);
    Ok(Some(ListedRide {
        id: mapping::ride_id(a.id),
        ride: NewRide {
            source: RideSource::Strava,
            external_id: Some(a.id.to_string()),
            bike_id: None,
            start_at: When::At(start),
            distance_m: a.distance.unwrap_or(0.0).max(0.0),
            moving_time_s: moving,
            elapsed_time_s: Some(a.elapsed_time.unwrap_or(moving).max(moving)),
            elevation_m: a.total_elevation_gain.unwrap_or(0.0).max(0.0),
            energy_kj: a.kilojoules.filter(|k| *k >= 0.0),
            sport_type: mapping::sport_type(a).unwrap_or("Ride").to_owned(),
            indoor: mapping::is_indoor(a),
            commute: a.commute.unwrap_or(false),
            // Whatever Strava allows in a title is kept readable: control characters become
            // spaces, and it is cut at the garage's name length.
            name: a
                .name
                .clone()
                .unwrap_or_default()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .take(200)
                .collect::<String>()
                .trim()
                .to_owned(),
        },
        source_gear_id: gear,
        bike_from_gear,
        utc_offset_s: offset,
    }))
}

/// Applies one page of a listing and moves its cursor, in one transaction: `listing` names the
/// listing (rides it does not see are deleted at its end), `next` is the cursor to store with it.
pub(crate) fn apply_page(
    store: &mut Store,
    page: &Page,
    listing: i64,
    next: Option<Listing>,
) -> Result<Changes> {
    let now = store.now();
    let tx = store.write()?;
    // A disconnect while this page was on its way: write nothing (Strava's data must go).
    if !state::is_connected(&tx)? && !crate::strava::tokens::configured_by_env() {
        return Err(Error::Conflict(
            "Strava was disconnected during this sync; nothing more was written".to_owned(),
        ));
    }
    let mut changes = Changes {
        unreadable: page.unreadable.len() as u32,
        ..Changes::default()
    };
    let mut mark = tx.prepare_cached(
        "INSERT INTO strava_listing (activity_id, listed_in) VALUES (?1, ?2)
         ON CONFLICT (activity_id) DO UPDATE SET listed_in = excluded.listed_in",
    )?;
    // An activity that cannot be read is still there: never delete its ride for that.
    for id in page.unreadable.iter().filter_map(|(id, _)| *id) {
        mark.execute(params![id, listing])?;
    }
    let mut touched: BTreeSet<BikeId> = BTreeSet::new();
    for a in &page.activities {
        if !mapping::is_cycling(a) {
            changes.not_rides += 1;
            continue;
        }
        let Some(ride) = listed_ride(&tx, a)? else {
            changes.unreadable += 1;
            mark.execute(params![a.id, listing])?;
            continue;
        };
        mark.execute(params![a.id, listing])?;
        // One activity the garage cannot take as it is (a start days ahead by this clock, say)
        // is skipped and reported, never allowed to stop every later sync.
        match rides::upsert_listed(&tx, ride, now, &mut touched) {
            Ok(Listed::Inserted) => changes.rides_added += 1,
            Ok(Listed::Updated) => changes.rides_updated += 1,
            Ok(Listed::Restored) => changes.rides_restored += 1,
            Ok(Listed::Unchanged | Listed::KeptDeleted) => {}
            Err(e) if e.kind() == ErrorKind::Invalid => {
                tracing::warn!(activity = a.id, "skipped a Strava activity: {e}");
                changes.unreadable += 1;
            }
            Err(e) => return Err(e),
        }
    }
    drop(mark);
    if let Some(newest) = page.newest_start {
        state::saw_activity(&tx, Timestamp(newest * 1000))?;
    }
    rides::refresh_bikes(&tx, &touched, now)?;
    faults::point("strava.page_before_cursor");
    state::set_listing(&tx, next)?;
    tx.commit()?;
    faults::point("strava.page_committed");
    Ok(changes)
}

/// Closes a history listing whose pages are all in, in one transaction: deletes the Strava rides
/// it did not list (deleted there, or no longer rides), marks the history complete, and — on the
/// first complete import of this athlete since connecting — ends the carry of wear from rides a
/// disconnect deleted, which are back now.
pub(crate) fn finish_history(store: &mut Store, listing: Listing) -> Result<u32> {
    let now = store.now();
    let tx = store.write()?;
    let st = state::load(&tx)?;
    let end = Timestamp(listing.start * 1000);
    let deleted = delete_unlisted_in(&tx, listing.id, Timestamp(i64::MIN), end, now)?;
    if !st.history_complete {
        if let Some(athlete) = st.athlete_id {
            if carried::clear(&tx, "strava", &athlete.to_string(), now)? > 0 {
                rides::refresh_all(&tx, now)?;
            }
        }
    }
    state::set_history_complete(&tx)?;
    state::set_listing(&tx, None)?;
    tx.commit()?;
    Ok(deleted)
}

/// Deletes the Strava rides starting in `[from, to)` that `listing` did not list: deleted in
/// Strava, or no longer rides there. Runs only after a listing completed.
pub(crate) fn delete_unlisted(
    store: &mut Store,
    listing: i64,
    from: Timestamp,
    to: Timestamp,
) -> Result<u32> {
    let now = store.now();
    let tx = store.write()?;
    let n = delete_unlisted_in(&tx, listing, from, to, now)?;
    tx.commit()?;
    Ok(n)
}

fn delete_unlisted_in(
    tx: &Connection,
    listing: i64,
    from: Timestamp,
    to: Timestamp,
    now: Timestamp,
) -> Result<u32> {
    let gone: Vec<RideId> = {
        let mut stmt = tx.prepare(
            "SELECT r.id FROM rides r
             LEFT JOIN strava_listing l ON l.activity_id = CAST(r.external_id AS INTEGER)
             WHERE r.source = 'strava' AND r.deleted_at IS NULL
               AND r.start_at >= ?1 AND r.start_at < ?2
               AND (l.listed_in IS NULL OR l.listed_in != ?3)",
        )?;
        let rows = stmt.query_map(params![from, to, listing], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut touched = BTreeSet::new();
    let n = rides::delete_unlisted(tx, &gone, now, &mut touched)?;
    rides::refresh_bikes(tx, &touched, now)?;
    Ok(n as u32)
}
