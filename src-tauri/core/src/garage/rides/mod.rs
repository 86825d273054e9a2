//! Rides: typed in by hand, imported from a file or synced from Strava. Upserted by
//! (source, external id) so an import can run twice without duplicating anything.
//!
//! This file holds what a ride is and the checks every write makes; the rest is split by job:
//! - `edit` adds, edits, assigns and deletes one ride as the rider asks;
//! - `import` upserts many rides from a file in one transaction;
//! - `filed` finds, inserts and completes the rides of ride files (`ride_files::import`);
//! - `listed` upserts and deletes the rides a source (Strava) lists, inside its writes;
//! - `query` reads them back; `rows` is the SQL they all share.

mod edit;
mod filed;
mod import;
mod listed;
mod query;
mod rows;

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{BikeId, RideId};
use crate::store::sql_text_enum;
use crate::time::{DateMeaning, Timestamp, When};
use crate::validate;

pub use self::edit::{add, assign, delete, edit, RidePatch};
pub(crate) use self::filed::{by_source_id, insert_filed, replace_numbers, starting_near};
pub use self::import::{import, ImportReport};
pub(crate) use self::listed::{
    delete_unlisted, refresh_all, refresh_bikes, scrub_source, upsert_listed,
};
pub use self::listed::{Listed, ListedRide};
pub use self::query::{count_unassigned, get, list, RideQuery};

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
