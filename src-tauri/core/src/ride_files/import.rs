//! Ride files into the garage. Each file is all or nothing (its own savepoint); files are written
//! in batches, one transaction each, so ten thousand files cost a few dozen commits and an
//! import stopped half-way keeps every batch it finished. Reading happens before a batch takes
//! the write lock, so the app is kept waiting only for the writes.
//!
//! A file's ride is recognised as one already here, from any source, when:
//! - the same file (its content's SHA-256) or the same activity (a FIT file's serial and creation
//!   time, a Strava activity id) was imported before;
//! - Strava brought the activity with the same id;
//! - a ride starts within a minute of it with a distance within 2 %.
//!
//! Of two files of one activity, the more complete (longer timer time, then more records) is kept.

use std::collections::BTreeSet;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

use crate::error::Result;
use crate::garage::bikes::{self, NewBike};
use crate::garage::rides::{self, limits, NewRide, Ride, RideSource};
use crate::ids::{BikeId, RideId};
use crate::store::Store;
use crate::time::{Timestamp, When};

use super::problem::Problem;
use super::read::ReadOptions;
use super::sensors;
use super::summary::Summary;

/// Rides written per transaction.
const BATCH: usize = 250;
/// A ride starting this close to one here may be the same ride ...
pub const SAME_START_MS: i64 = 60_000;
/// ... when their distances are this close.
pub const SAME_DISTANCE: f64 = 0.02;

/// Fixed namespace for the ids of rides from files (a UUIDv5 of the file's content or its
/// activity's own id), so two devices importing the same file make the same row.
const NAMESPACE: Uuid = Uuid::from_u128(0x2f0c_6a1e_8b47_4d3a_9e55_7c1d_0b6e_a418);

pub fn ride_id(external_id: &str) -> RideId {
    RideId(Uuid::new_v5(&NAMESPACE, format!("file:{external_id}").as_bytes()).to_string())
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The bike the rider picked for the whole batch; else the archive's gear, else the bike the
    /// sensors point to, else unassigned.
    pub bike: Option<BikeId>,
    pub read: ReadOptions,
    /// Put rides on the bike whose rides named the same sensors (on unless the rider says no).
    pub learn_bikes: bool,
}

/// A file's ride, read, with what an archive adds to it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub summary: Summary,
    /// Strava's activity id (bulk export).
    pub strava_id: Option<i64>,
    /// The bike the archive names (Strava's "Activity Gear").
    pub gear: Option<String>,
    pub commute: bool,
}

impl From<Summary> for Candidate {
    fn from(summary: Summary) -> Self {
        Candidate {
            summary,
            strava_id: None,
            gear: None,
            commute: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(tag = "status", rename_all = "snake_case", rename = "RideFileOutcome")]
pub enum Outcome {
    Imported {
        ride_id: RideId,
        bike_id: Option<BikeId>,
        /// The bike was chosen because its rides named the same sensors (undo with
        /// `ride assign`).
        #[serde(skip_serializing_if = "Option::is_none")]
        bike_from_sensors: Option<String>,
        /// Why the ride's numbers look wrong, when the garage's checks say so.
        #[serde(skip_serializing_if = "Option::is_none")]
        flagged: Option<String>,
    },
    Duplicate {
        ride_id: RideId,
        /// What is kept, in words.
        kept: String,
    },
    Skipped {
        reason: String,
    },
    Failed {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename = "RideFileEntry")]
pub struct Entry {
    pub file: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl Entry {
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Failed { .. })
    }
}

/// Where an entry of an archive is, so a later run can go on where this one stopped.
#[derive(Debug, Clone)]
pub struct Mark {
    pub archive: String,
    pub entry: String,
}

struct Pending {
    file: String,
    read: std::result::Result<Candidate, Problem>,
    mark: Option<Mark>,
    /// Imported by an earlier run of the same archive (as this ride, if it became one).
    done_before: Option<Option<RideId>>,
}

/// Takes files' rides (or their problems) one at a time and writes them in batches; every
/// file's outcome goes to `report`, in the order given.
pub struct Importer<'s> {
    store: &'s mut Store,
    options: Options,
    pending: Vec<Pending>,
    report: Box<dyn FnMut(Entry) + 's>,
}

impl<'s> Importer<'s> {
    pub fn new(store: &'s mut Store, options: Options, report: impl FnMut(Entry) + 's) -> Self {
        Importer {
            store,
            options,
            pending: Vec::new(),
            report: Box::new(report),
        }
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub fn add(
        &mut self,
        file: String,
        read: std::result::Result<Candidate, Problem>,
        mark: Option<Mark>,
    ) -> Result<()> {
        self.push(Pending {
            file,
            read,
            mark,
            done_before: None,
        })
    }

    fn push(&mut self, p: Pending) -> Result<()> {
        self.pending.push(p);
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// When an earlier run already imported this archive entry, reports it (as the ride it
    /// became) and returns true; the caller then does not read it again.
    pub fn done_before(&mut self, file: &str, mark: &Mark) -> Result<bool> {
        let done: Option<Option<RideId>> = self
            .store
            .connection()
            .prepare_cached("SELECT ride_id FROM import_entries WHERE archive = ?1 AND entry = ?2")?
            .query_row(params![mark.archive, mark.entry], |r| r.get(0))
            .optional()?;
        let Some(ride) = done else { return Ok(false) };
        self.push(Pending {
            file: file.to_owned(),
            read: Err(Problem::DoneBefore),
            mark: None,
            done_before: Some(ride),
        })?;
        Ok(true)
    }

    pub fn finish(mut self) -> Result<()> {
        self.flush()
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.pending);
        let options = self.options.clone();
        let entries = self
            .store
            .atomically(|store| write_batch(store, &options, batch))?;
        for e in entries {
            (self.report)(e);
        }
        Ok(())
    }
}

fn write_batch(store: &mut Store, options: &Options, batch: Vec<Pending>) -> Result<Vec<Entry>> {
    let now = store.now();
    let mut bikes_touched = BTreeSet::new();
    let mut entries = Vec::with_capacity(batch.len());
    for p in batch {
        let outcome = match (p.done_before, p.read) {
            (Some(Some(ride_id)), _) => Outcome::Duplicate {
                ride_id,
                kept: "the ride this archive entry became in an earlier run".to_owned(),
            },
            (_, Err(problem)) if problem.is_skip() => Outcome::Skipped {
                reason: problem.to_string(),
            },
            (_, Err(problem)) => Outcome::Failed {
                reason: problem.to_string(),
            },
            (_, Ok(c)) => {
                // The gear's bike is made in the batch's transaction, before the file's own
                // savepoint: a file that then fails leaves the bike, which its next import uses.
                let gear_bike = match (&options.bike, &c.gear) {
                    (None, Some(gear)) => bike_for_gear(store, gear).map(Some),
                    _ => Ok(None),
                };
                let written = match gear_bike {
                    Ok(bike) => {
                        let tx = store.write()?;
                        match write_one(&tx, options, bike, c, now, &mut bikes_touched) {
                            Ok(o) => tx.commit().map(|()| o),
                            // Dropped without commit: this file's writes roll back.
                            Err(e) => Err(e),
                        }
                    }
                    Err(e) => Err(e),
                };
                written.unwrap_or_else(|e| Outcome::Failed {
                    reason: e.to_string(),
                })
            }
        };
        if let Some(m) = &p.mark {
            // A failed entry is tried again next time; the others are done.
            let ride = match &outcome {
                Outcome::Imported { ride_id, .. } => Some(ride_id),
                Outcome::Duplicate { ride_id, .. } => Some(ride_id),
                Outcome::Skipped { .. } => None,
                Outcome::Failed { .. } => None,
            };
            if !matches!(outcome, Outcome::Failed { .. }) {
                store.connection().execute(
                    "INSERT OR IGNORE INTO import_entries (archive, entry, ride_id) VALUES (?1, ?2, ?3)",
                    params![m.archive, m.entry, ride],
                )?;
            }
        }
        entries.push(Entry {
            file: p.file,
            outcome,
        });
    }
    let tx = store.write()?;
    rides::refresh_bikes(&tx, &bikes_touched, now)?;
    tx.commit()?;
    Ok(entries)
}

/// The bike a Strava export's "Activity Gear" names: the one of that name (Strava's own bike
/// first, when Strava is connected), else a new one.
fn bike_for_gear(store: &mut Store, gear: &str) -> Result<BikeId> {
    let found: Option<BikeId> = store
        .connection()
        .prepare_cached(
            "SELECT id FROM bikes WHERE deleted_at IS NULL AND name = ?1 COLLATE NOCASE
             ORDER BY strava_gear_id IS NULL, id LIMIT 1",
        )?
        .query_row([gear.trim()], |r| r.get(0))
        .optional()?;
    match found {
        Some(id) => Ok(id),
        None => Ok(bikes::add(
            store,
            NewBike {
                name: gear.trim().to_owned(),
                kind: None,
                strava_gear_id: None,
                notes: "Made by a ride import from its gear name.".to_owned(),
            },
        )?
        .id),
    }
}

fn write_one(
    tx: &Connection,
    options: &Options,
    gear_bike: Option<BikeId>,
    c: Candidate,
    now: Timestamp,
    bikes_touched: &mut BTreeSet<BikeId>,
) -> Result<Outcome> {
    let s = &c.summary;
    let external = match (c.strava_id, &s.source_id) {
        (Some(id), _) => format!("strava:{id}"),
        (None, Some(own)) => own.clone(),
        (None, None) => format!("sha256:{}", s.fingerprint),
    };
    let same_activity = match rides::by_source_id(tx, RideSource::File, &external)? {
        Some((r, true)) => {
            return Ok(duplicate(
                r.id,
                "nothing: the ride was deleted here and stays deleted",
            ))
        }
        Some((r, false)) => Some(r),
        None => None,
    };
    if let Some(id) = by_fingerprint(tx, &s.fingerprint)? {
        return Ok(duplicate(id, "the ride imported before from the same file"));
    }
    if let Some(id) = c.strava_id {
        if let Some((r, _)) = rides::by_source_id(tx, RideSource::Strava, &id.to_string())? {
            return Ok(duplicate(r.id, "the ride Strava brought"));
        }
    }
    let new = NewRide {
        source: RideSource::File,
        external_id: Some(external.clone()),
        bike_id: None,
        start_at: When::At(s.start),
        distance_m: s.distance_m,
        moving_time_s: s.moving_time_s,
        elapsed_time_s: Some(s.elapsed_time_s.max(s.moving_time_s)),
        elevation_m: s.elevation_m,
        energy_kj: s.energy_kj,
        sport_type: s.sport_type.clone(),
        indoor: s.indoor,
        commute: c.commute,
        name: s.name.clone(),
    };
    let same = match same_activity {
        Some(r) => Some(r),
        None => rides::starting_near(tx, s.start, SAME_START_MS)?
            .into_iter()
            .find(|r| same_distance(r.distance_m, s.distance_m)),
    };
    if let Some(old) = same {
        if old.source == RideSource::File && more_complete(tx, &old, s)? {
            let ride = rides::replace_numbers(tx, &old, new, s.utc_offset_s, now)?;
            remember_file(tx, &ride.id, s)?;
            bikes_touched.extend(ride.bike_id.clone());
            return Ok(duplicate(
                ride.id,
                "this file's numbers, more complete than the file imported before",
            ));
        }
        return Ok(duplicate(
            old.id,
            &format!("the {} ride already here", old.source.as_str()),
        ));
    }
    let (bike, learned) = match (options.bike.clone(), gear_bike) {
        (Some(b), _) | (None, Some(b)) => (Some(b), None),
        (None, None) if options.learn_bikes => match sensors::bike_for(tx, &s.sensors)? {
            Some((b, why)) => (Some(b), Some(why)),
            None => (None, None),
        },
        (None, None) => (None, None),
    };
    let ride = rides::insert_filed(
        tx,
        ride_id(&external),
        NewRide {
            bike_id: bike,
            ..new
        },
        s.utc_offset_s,
        now,
    )?;
    remember_file(tx, &ride.id, s)?;
    bikes_touched.extend(ride.bike_id.clone());
    Ok(Outcome::Imported {
        flagged: review(&ride),
        ride_id: ride.id,
        bike_id: ride.bike_id,
        bike_from_sensors: learned,
    })
}

/// Why a ride's numbers look impossible (a GPS glitch's 900 km/h), in words, or None. The
/// limits belong to the garage's ride checks (`garage::rides::limits`), which flagged the ride
/// as it was written: it is imported flagged for the rider's review, not counted in silence.
pub fn review(ride: &Ride) -> Option<String> {
    if ride.review.is_empty() {
        return None;
    }
    Some(limits::describe(&ride.review))
}

fn duplicate(ride_id: RideId, kept: &str) -> Outcome {
    Outcome::Duplicate {
        ride_id,
        kept: kept.to_owned(),
    }
}

fn same_distance(a: f64, b: f64) -> bool {
    (a - b).abs() <= SAME_DISTANCE * a.max(b) + 1.0
}

fn by_fingerprint(tx: &Connection, fingerprint: &str) -> Result<Option<RideId>> {
    if fingerprint.is_empty() {
        return Ok(None);
    }
    Ok(tx
        .prepare_cached(
            "SELECT f.ride_id FROM ride_files f JOIN rides r ON r.id = f.ride_id
             WHERE f.fingerprint = ?1",
        )?
        .query_row([fingerprint], |r| r.get(0))
        .optional()?)
}

/// Longer timer time, or as long with more records.
fn more_complete(tx: &Connection, old: &Ride, new: &Summary) -> Result<bool> {
    if new.moving_time_s > old.moving_time_s + 1.0 {
        return Ok(true);
    }
    if new.moving_time_s < old.moving_time_s - 1.0 {
        return Ok(false);
    }
    let old_records: Option<i64> = tx
        .prepare_cached("SELECT records FROM ride_files WHERE ride_id = ?1")?
        .query_row([&old.id], |r| r.get(0))
        .optional()?;
    Ok(new.records as i64 > old_records.unwrap_or(0))
}

fn remember_file(tx: &Connection, ride: &RideId, s: &Summary) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO ride_files (ride_id, records, fingerprint) VALUES (?1, ?2, ?3)
         ON CONFLICT (ride_id) DO UPDATE SET records = excluded.records, fingerprint = excluded.fingerprint",
    )?
    .execute(params![ride, s.records as i64, s.fingerprint])?;
    sensors::remember(tx, ride, &s.sensors)
}
