//! From Strava's words to the garage's: which activities are rides, indoor or not, and the
//! ids of rows derived from Strava, the same on every device that imports them.

use chrono::DateTime;
use uuid::Uuid;

use crate::ids::{BikeId, RideId};
use crate::strava::model::Activity;
use crate::time::Timestamp;

/// Sport types that wear a bike. Runs, walks, swims and the rest are not rides.
pub const CYCLING: &[&str] = &[
    "Ride",
    "MountainBikeRide",
    "GravelRide",
    "EBikeRide",
    "EMountainBikeRide",
    "VirtualRide",
    "Velomobile",
    "Handcycle",
];

/// The sport type, falling back to the deprecated `type`.
pub fn sport_type(a: &Activity) -> Option<&str> {
    a.sport_type.as_deref().or(a.kind.as_deref())
}

pub fn is_cycling(a: &Activity) -> bool {
    sport_type(a).is_some_and(|s| CYCLING.contains(&s))
}

/// Virtual rides and rides on a trainer do not wear tyres.
pub fn is_indoor(a: &Activity) -> bool {
    a.trainer == Some(true) || sport_type(a) == Some("VirtualRide")
}

/// Fixed namespace for ids derived from Strava's (a UUIDv5 per object), so two devices that
/// import the same activity or gear make the same row.
const NAMESPACE: Uuid = Uuid::from_u128(0x6b1f_3a52_9c1e_4f0a_8d7e_5a0b_2c4d_9e31);

pub fn ride_id(activity: i64) -> RideId {
    RideId(Uuid::new_v5(&NAMESPACE, format!("strava:activity:{activity}").as_bytes()).to_string())
}

pub fn bike_id(gear: &str) -> BikeId {
    BikeId(Uuid::new_v5(&NAMESPACE, format!("strava:gear:{gear}").as_bytes()).to_string())
}

/// When the activity started, and the local offset then (start_date_local is the athlete's wall
/// clock written as if it were UTC).
pub fn start(a: &Activity) -> Option<(Timestamp, Option<i32>)> {
    let utc = DateTime::parse_from_rfc3339(&a.start_date).ok()?;
    let offset = a
        .start_date_local
        .as_deref()
        .and_then(|l| DateTime::parse_from_rfc3339(l).ok())
        .map(|local| (local.timestamp() - utc.timestamp()) as i32)
        // A real offset is within ±18 h; anything else is noise.
        .filter(|o| o.abs() <= 18 * 3600);
    Some((Timestamp(utc.timestamp_millis()), offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activity(sport: &str, trainer: bool) -> Activity {
        Activity {
            id: 42,
            name: None,
            distance: None,
            moving_time: None,
            elapsed_time: None,
            total_elevation_gain: None,
            kilojoules: None,
            kind: None,
            sport_type: Some(sport.to_owned()),
            start_date: "2026-05-01T06:00:00Z".into(),
            start_date_local: Some("2026-05-01T08:00:00Z".into()),
            trainer: Some(trainer),
            commute: None,
            gear_id: None,
        }
    }

    #[test]
    fn only_cycling_sport_types_are_rides_and_virtual_or_trainer_rides_are_indoor() {
        assert!(is_cycling(&activity("GravelRide", false)));
        assert!(!is_cycling(&activity("Run", false)));
        assert!(is_indoor(&activity("VirtualRide", false)));
        assert!(is_indoor(&activity("Ride", true)));
        assert!(!is_indoor(&activity("Ride", false)));
    }

    #[test]
    fn the_local_offset_is_read_from_start_date_local() {
        let (at, offset) = start(&activity("Ride", false)).unwrap();
        assert_eq!(at, Timestamp(1_777_615_200_000));
        assert_eq!(offset, Some(7200));
    }

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        assert_eq!(ride_id(1), ride_id(1));
        assert_ne!(ride_id(1), ride_id(2));
        assert_ne!(bike_id("b1").0, ride_id(1).0);
    }
}
