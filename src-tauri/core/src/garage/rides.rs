//! Rides: typed in by hand, imported from a file or synced from Strava. Upserted by
//! (source, external id) so an import can run twice without duplicating anything.

use std::collections::BTreeSet;
use std::str::FromStr;

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::faults;
use crate::garage::{bikes, installations};
use crate::ids::{BikeId, ComponentId, RideId};
use crate::store::{sql_text_enum, Store};
use crate::time::{DateMeaning, Timestamp, When};
use crate::validate;
use crate::wear::usage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RideSource {
    Strava,
    #[default]
    Manual,
    File,
}

impl RideSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RideSource::Strava => "strava",
            RideSource::Manual => "manual",
            RideSource::File => "file",
        }
    }
}

impl FromStr for RideSource {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "strava" => Ok(RideSource::Strava),
            "manual" => Ok(RideSource::Manual),
            "file" => Ok(RideSource::File),
            other => Err(Error::invalid(format!(
                "unknown ride source '{other}'; use strava, manual or file"
            ))),
        }
    }
}
sql_text_enum!(RideSource);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct NewRide {
    #[serde(default)]
    pub source: RideSource,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub bike_id: Option<BikeId>,
    /// A date typed without a time means local noon that day, or now if it is today (see
    /// [`DateMeaning::RideStart`]).
    pub start_at: When,
    pub distance_m: f64,
    pub moving_time_s: f64,
    /// Defaults to the moving time.
    #[serde(default)]
    pub elapsed_time_s: Option<f64>,
    #[serde(default)]
    pub elevation_m: f64,
    #[serde(default)]
    pub energy_kj: Option<f64>,
    #[serde(default = "default_sport")]
    pub sport_type: String,
    #[serde(default)]
    pub indoor: bool,
    #[serde(default)]
    pub commute: bool,
    #[serde(default)]
    pub name: String,
}

fn default_sport() -> String {
    "Ride".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Ride {
    pub id: RideId,
    pub source: RideSource,
    pub external_id: Option<String>,
    pub bike_id: Option<BikeId>,
    pub start_at: Timestamp,
    pub distance_m: f64,
    pub moving_time_s: f64,
    pub elapsed_time_s: f64,
    pub elevation_m: f64,
    pub energy_kj: Option<f64>,
    pub sport_type: String,
    pub indoor: bool,
    pub commute: bool,
    pub name: String,
    /// The gear its source (Strava) named, kept apart from the bike it counts for.
    pub source_gear_id: Option<String>,
    /// The rider chose its bike by hand: later syncs keep it unless the source names new gear.
    pub bike_chosen: bool,
    /// The local time zone offset at its start, when the source said (seconds east of UTC).
    pub utc_offset_s: Option<i32>,
}

/// Checks a ride as given; `now` bounds its start: a ride cannot start more than a day from now
/// (the day covers time zones and clocks a little off), so a typo such as 2062 for 2026 cannot
/// add wear that no service can clear.
fn checked(id: RideId, new: NewRide, now: Timestamp) -> Result<Ride> {
    let start_at = new
        .start_at
        .resolve("ride start", DateMeaning::RideStart, now)?;
    let moving = validate::non_negative("moving time", new.moving_time_s)?;
    let elapsed = validate::non_negative("elapsed time", new.elapsed_time_s.unwrap_or(moving))?;
    if elapsed < moving {
        return Err(Error::invalid(
            "elapsed time cannot be shorter than moving time",
        ));
    }
    let external_id = match new.external_id {
        Some(e) => Some(validate::name("external id", &e)?),
        None => None,
    };
    Ok(Ride {
        id,
        source: new.source,
        external_id,
        bike_id: new.bike_id,
        start_at: validate::past("ride start", start_at, now)?,
        distance_m: validate::non_negative("distance", new.distance_m)?,
        moving_time_s: moving,
        elapsed_time_s: elapsed,
        elevation_m: validate::non_negative("elevation gain", new.elevation_m)?,
        energy_kj: new
            .energy_kj
            .map(|e| validate::non_negative("energy", e))
            .transpose()?,
        sport_type: validate::name("sport type", &new.sport_type)?,
        indoor: new.indoor,
        commute: new.commute,
        name: validate::text("ride name", new.name.trim(), validate::MAX_NAME_CHARS)?,
        source_gear_id: None,
        bike_chosen: false,
        utc_offset_s: None,
    })
}

fn ensure_bike(tx: &Connection, bike: Option<&BikeId>) -> Result<()> {
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

/// Components whose wear a ride on `bike` at `at` touches.
fn touched(
    tx: &Connection,
    bike: Option<&BikeId>,
    at: Timestamp,
    into: &mut BTreeSet<ComponentId>,
) -> Result<()> {
    if let Some(bike) = bike {
        into.extend(installations::mounted_at(tx, bike, at)?);
    }
    Ok(())
}

fn refresh(tx: &Connection, touched: BTreeSet<ComponentId>, now: Timestamp) -> Result<()> {
    let touched: Vec<ComponentId> = touched.into_iter().collect();
    usage::refresh(tx, usage::Scope::Components(&touched), now)
}

pub fn add(store: &mut Store, new: NewRide) -> Result<Ride> {
    let now = store.now();
    let ride = checked(RideId::new(), new, now)?;
    let tx = store.write()?;
    ensure_bike(&tx, ride.bike_id.as_ref())?;
    if let Some(ext) = &ride.external_id {
        if let Some((_, deleted)) = find_external(&tx, ride.source, ext)? {
            let how = if deleted {
                "was stored and then deleted; deleted rides stay deleted"
            } else {
                "is already stored"
            };
            return Err(Error::Conflict(format!(
                "a {} ride with external id '{ext}' {how}",
                ride.source.as_str()
            )));
        }
    }
    insert(&tx, &ride, now)?;
    let mut set = BTreeSet::new();
    touched(&tx, ride.bike_id.as_ref(), ride.start_at, &mut set)?;
    refresh(&tx, set, now)?;
    tx.commit()?;
    Ok(ride)
}

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
        }
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

/// Fields left `None` keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RidePatch {
    pub bike_id: Option<Option<BikeId>>,
    pub start_at: Option<When>,
    pub distance_m: Option<f64>,
    pub moving_time_s: Option<f64>,
    pub elapsed_time_s: Option<f64>,
    pub elevation_m: Option<f64>,
    pub energy_kj: Option<Option<f64>>,
    pub indoor: Option<bool>,
    pub commute: Option<bool>,
    pub name: Option<String>,
}

pub fn edit(store: &mut Store, id: &RideId, patch: RidePatch) -> Result<Ride> {
    store.atomically(|store| {
        let old = get(store, id)?;
        let bike_given = patch.bike_id.is_some();
        let moving = patch.moving_time_s.unwrap_or(old.moving_time_s);
        let new = NewRide {
            source: old.source,
            external_id: old.external_id.clone(),
            bike_id: patch.bike_id.unwrap_or_else(|| old.bike_id.clone()),
            start_at: patch.start_at.unwrap_or(When::At(old.start_at)),
            distance_m: patch.distance_m.unwrap_or(old.distance_m),
            moving_time_s: moving,
            elapsed_time_s: Some(
                patch
                    .elapsed_time_s
                    .unwrap_or(old.elapsed_time_s.max(moving)),
            ),
            elevation_m: patch.elevation_m.unwrap_or(old.elevation_m),
            energy_kj: patch.energy_kj.unwrap_or(old.energy_kj),
            sport_type: old.sport_type.clone(),
            indoor: patch.indoor.unwrap_or(old.indoor),
            commute: patch.commute.unwrap_or(old.commute),
            name: patch.name.unwrap_or_else(|| old.name.clone()),
        };
        let now = store.now();
        let mut ride = checked(old.id.clone(), new, now)?;
        ride.source_gear_id = old.source_gear_id.clone();
        ride.utc_offset_s = old.utc_offset_s;
        // A bike chosen by hand survives later syncs.
        ride.bike_chosen = old.bike_chosen || bike_given;
        let tx = store.write()?;
        ensure_bike(&tx, ride.bike_id.as_ref())?;
        let mut set = BTreeSet::new();
        touched(&tx, old.bike_id.as_ref(), old.start_at, &mut set)?;
        update(&tx, &ride, now)?;
        touched(&tx, ride.bike_id.as_ref(), ride.start_at, &mut set)?;
        refresh(&tx, set, now)?;
        tx.commit()?;
        Ok(ride)
    })
}

/// Puts a ride on a bike (or back to unassigned with `None`).
pub fn assign(store: &mut Store, id: &RideId, bike: Option<BikeId>) -> Result<Ride> {
    edit(
        store,
        id,
        RidePatch {
            bike_id: Some(bike),
            ..Default::default()
        },
    )
}

/// Soft-deletes a ride; the wear it caused is taken back.
pub fn delete(store: &mut Store, id: &RideId) -> Result<()> {
    store.atomically(|store| {
        let old = get(store, id)?;
        let now = store.now();
        let tx = store.write()?;
        let mut set = BTreeSet::new();
        touched(&tx, old.bike_id.as_ref(), old.start_at, &mut set)?;
        tx.execute(
            "UPDATE rides SET deleted_at = ?2, updated_at = ?2, deleted_by = 'rider' WHERE id = ?1",
            params![id, now],
        )?;
        refresh(&tx, set, now)?;
        tx.commit()?;
        Ok(())
    })
}

/// Imports already know which rides are new, so new ones get a plain INSERT (cheaper per row
/// than an upsert on the hot path of a 50,000-ride import).
fn insert(tx: &Connection, r: &Ride, now: Timestamp) -> Result<()> {
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
fn update(tx: &Connection, r: &Ride, now: Timestamp) -> Result<()> {
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

const COLUMNS: &str =
    "id, source, external_id, bike_id, start_at, distance_m, moving_time_s, elapsed_time_s,
    elevation_m, energy_kj, sport_type, indoor, commute, name, source_gear_id, bike_chosen, utc_offset_s";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Ride> {
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
fn find_external(
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
    let mut ride = checked(id, listed.ride, now)?;
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
            let deleted: bool = r.get(17)?;
            let by: Option<String> = r.get(18)?;
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
            energy_kj = NULL, source_gear_id = NULL, utc_offset_s = NULL,
            deleted_at = COALESCE(deleted_at, ?2), deleted_by = COALESCE(deleted_by, 'source'), updated_at = ?2
         WHERE source = ?1",
        params![source, now],
    )?)
}
