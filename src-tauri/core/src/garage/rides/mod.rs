//! Rides: typed in by hand, imported from a file or synced from Strava. Upserted by
//! (source, external id) so an import can run twice without duplicating anything.
//!
//! This file holds what a ride is and the checks every write makes; the rest is split by job:
//! - `edit` adds, edits, assigns and deletes one ride as the rider asks;
//! - `import` upserts many rides from a file in one transaction;
//! - `filed` finds, inserts and completes the rides of ride files (`ride_files::import`);
//! - `listed` upserts and deletes the rides a source (Strava) lists, inside its writes;
//! - `query` reads them back; `rows` is the SQL they all share;
//! - `limits` names the numbers a ride cannot have; `review` is the rider's answer to a ride
//!   flagged for them (keep it, exclude it, count it again).

mod edit;
mod filed;
mod import;
pub mod limits;
mod listed;
mod query;
mod review;
mod rows;

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{BikeId, RideId};
use crate::store::sql_text_enum;
use crate::time::{DateMeaning, Timestamp, When};
use crate::validate;

pub use self::edit::{
    add, add_within, assign, delete, edit, edit_within, undelete, Limits, RidePatch,
};
pub(crate) use self::filed::{by_source_id, insert_filed, replace_numbers, starting_near};
pub use self::import::{import, ImportReport};
pub use self::limits::Implausible;
pub(crate) use self::listed::{
    delete_unlisted, refresh_all, refresh_bikes, scrub_source, upsert_listed,
};
pub use self::listed::{Listed, ListedRide};
pub use self::query::{count, count_unassigned, get, list, RideQuery};
pub use self::review::{review, Verdict};

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
    /// Numbers a ride cannot have, found when a source (Strava, a file) brought it in: the ride
    /// is kept but waits for the rider's review. Empty when there is nothing to review.
    pub review: Vec<Implausible>,
    /// The rider excluded it: it counts for nothing (wear, totals, charts) but stays listed.
    pub excluded: bool,
}

impl Ride {
    /// Whether two versions of a ride say the same numbers (a review of one holds for the other).
    fn same_numbers(&self, other: &Ride) -> bool {
        self.distance_m == other.distance_m
            && self.moving_time_s == other.moving_time_s
            && self.elevation_m == other.elevation_m
            && self.energy_kj == other.energy_kj
    }
}

/// What a source's ride waits for: its findings, unless the rider already reviewed the same
/// numbers (a later sync of an unchanged ride does not flag it again).
fn flagged(found: Vec<Implausible>, old: Option<&Ride>, ride: &Ride) -> Vec<Implausible> {
    match old {
        Some(old) if old.review.is_empty() && old.same_numbers(ride) => Vec::new(),
        _ => found,
    }
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
        review: Vec::new(),
        excluded: false,
    })
}
