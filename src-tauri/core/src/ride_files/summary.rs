//! What a ride file says about the ride, in SI units, before it meets the garage.

use serde::Serialize;

use crate::time::Timestamp;

/// A sensor or device the file names (FIT `device_info`): the head unit, a power meter, Di2.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Sensor {
    /// Manufacturer and serial number, e.g. "garmin:3912345678"; stable across rides.
    pub serial: String,
    /// What it is, as the file says ("bike_power", "shifting", "head unit", …).
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub start: Timestamp,
    /// Seconds east of UTC at the start, when the file says.
    pub utc_offset_s: Option<i32>,
    pub distance_m: f64,
    /// Timer time (the head unit's moving time), not elapsed time.
    pub moving_time_s: f64,
    pub elapsed_time_s: f64,
    pub elevation_m: f64,
    pub energy_kj: Option<f64>,
    /// Strava's words for the sport ("Ride", "VirtualRide", "GravelRide", "MountainBikeRide", …).
    pub sport_type: String,
    pub indoor: bool,
    pub name: String,
    /// The activity's own id where the source has one (a FIT file's serial and creation time, a
    /// Strava activity id), so a copy of the same activity is known even if its bytes differ.
    pub source_id: Option<String>,
    /// How many samples the ride was summed from: of two files of one activity, the more
    /// complete one (longer timer time, then more records) is kept.
    pub records: u64,
    pub sensors: Vec<Sensor>,
    /// SHA-256 of the file's content (unzipped): the same file twice is one ride.
    pub fingerprint: String,
}
