//! Numbers a ride cannot have. A typo such as `--distance 99999999` would put every part of the
//! bike at "due" at once, so a ride the rider types is refused with the reason unless they
//! confirm it, and a ride from a source (Strava, a file) is kept but flagged for review: the
//! rider then fixes it, keeps it as it is, or excludes it (an excluded ride counts for nothing).
//!
//! The limits sit well beyond what riders do (the longest one-day events are 500–600 km; the
//! hour record is 56 km/h; the steepest long climbs average 10–12 %), so a real ride is almost
//! never flagged, yet each catches a slipped key (an extra zero, metres typed as kilometres):
//! - more than 1,000 km in one ride;
//! - faster than 100 km/h on average (over at least 1 km, when the moving time is known);
//! - more than 48 hours of moving time;
//! - more than 50 m of climbing per km (5 % on average, counted over at least 1 km: a ride with
//!   no distance, on a trainer, may still say some climbing), or more than 20,000 m in all;
//! - more than 40,000 kJ of work (200 W for 48 hours is about 35,000 kJ).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

use super::NewRide;

pub const MAX_DISTANCE_M: f64 = 1_000_000.0;
pub const MAX_AVERAGE_SPEED_KMH: f64 = 100.0;
pub const MAX_MOVING_TIME_S: f64 = 48.0 * 3600.0;
pub const MAX_CLIMB_M_PER_KM: f64 = 50.0;
pub const MAX_ELEVATION_M: f64 = 20_000.0;
pub const MAX_ENERGY_KJ: f64 = 40_000.0;

/// One number a ride cannot have: which field, its value, the limit, and the reason in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Implausible {
    /// The field it concerns: `distance_m`, `moving_time_s`, `average_speed`, `elevation_m` or
    /// `energy_kj` (a later version may add others: kept as text).
    pub field: String,
    /// The value found, in the field's SI unit (`average_speed` in km/h).
    pub value: f64,
    /// The most a ride may have, in the same unit.
    pub limit: f64,
    /// Why, in words (metric; a front end words it in the rider's units from the numbers above).
    pub reason: String,
}

fn found(field: &str, value: f64, limit: f64, reason: String) -> Implausible {
    Implausible {
        field: field.to_owned(),
        value,
        limit,
        reason,
    }
}

fn grouped(value: f64) -> String {
    let whole = value.round() as i64;
    let digits = whole.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if whole < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The numbers of `ride` a ride cannot have; empty when it is plausible. The file importer and
/// the Strava sync call this to flag, the rider's own edits to refuse.
pub fn check(ride: &NewRide) -> Vec<Implausible> {
    let mut out = Vec::new();
    let km = ride.distance_m / 1000.0;
    let hours = ride.moving_time_s / 3600.0;
    if ride.distance_m > MAX_DISTANCE_M {
        out.push(found(
            "distance_m",
            ride.distance_m,
            MAX_DISTANCE_M,
            format!(
                "a distance of {} km is more than one ride can cover ({} km at most)",
                grouped(km),
                grouped(MAX_DISTANCE_M / 1000.0)
            ),
        ));
    }
    if km >= 1.0 && ride.moving_time_s > 0.0 {
        let speed = km / hours;
        if speed > MAX_AVERAGE_SPEED_KMH {
            out.push(found(
                "average_speed",
                speed,
                MAX_AVERAGE_SPEED_KMH,
                format!(
                    "{} km in {} is {} km/h on average, faster than a bike goes ({} km/h at most)",
                    grouped(km),
                    duration(ride.moving_time_s),
                    grouped(speed),
                    grouped(MAX_AVERAGE_SPEED_KMH)
                ),
            ));
        }
    }
    if ride.moving_time_s > MAX_MOVING_TIME_S {
        out.push(found(
            "moving_time_s",
            ride.moving_time_s,
            MAX_MOVING_TIME_S,
            format!(
                "a moving time of {} is longer than one ride ({} hours at most)",
                duration(ride.moving_time_s),
                grouped(MAX_MOVING_TIME_S / 3600.0)
            ),
        ));
    }
    if ride.elevation_m > MAX_ELEVATION_M {
        out.push(found(
            "elevation_m",
            ride.elevation_m,
            MAX_ELEVATION_M,
            format!(
                "{} m of climbing is more than one ride can climb ({} m at most)",
                grouped(ride.elevation_m),
                grouped(MAX_ELEVATION_M)
            ),
        ));
    } else if ride.elevation_m > MAX_CLIMB_M_PER_KM * km.max(1.0) {
        out.push(found(
            "elevation_m",
            ride.elevation_m,
            MAX_CLIMB_M_PER_KM * km.max(1.0),
            format!(
                "{} m of climbing over {} km is more than {} m per km",
                grouped(ride.elevation_m),
                grouped(km),
                grouped(MAX_CLIMB_M_PER_KM)
            ),
        ));
    }
    if let Some(kj) = ride.energy_kj.filter(|kj| *kj > MAX_ENERGY_KJ) {
        out.push(found(
            "energy_kj",
            kj,
            MAX_ENERGY_KJ,
            format!(
                "{} kJ of work is more than one ride ({} kJ at most)",
                grouped(kj),
                grouped(MAX_ENERGY_KJ)
            ),
        ));
    }
    out
}

fn duration(seconds: f64) -> String {
    let minutes = (seconds / 60.0).round() as i64;
    format!("{}h{:02}", grouped((minutes / 60) as f64), minutes % 60)
}

/// The reasons, joined for one message.
pub fn describe(found: &[Implausible]) -> String {
    found
        .iter()
        .map(|f| f.reason.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Refuses a ride the rider typed with numbers a ride cannot have; `confirm` says how the front
/// end lets the rider keep it anyway (`--force`, a "Keep it" button). Nothing is stored.
pub fn refuse(found: &[Implausible], confirm: &str) -> Result<()> {
    if found.is_empty() {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "this ride looks impossible: {}. Check the numbers (a slipped key?); if they are right, {confirm}",
        describe(found)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::When;

    fn ride(km: f64, hours: f64, climb_m: f64) -> NewRide {
        NewRide {
            source: Default::default(),
            external_id: None,
            bike_id: None,
            start_at: When::Typed("2026-01-01".into()),
            distance_m: km * 1000.0,
            moving_time_s: hours * 3600.0,
            elapsed_time_s: None,
            elevation_m: climb_m,
            energy_kj: None,
            sport_type: "Ride".into(),
            indoor: false,
            commute: false,
            name: String::new(),
        }
    }

    fn fields(r: &NewRide) -> Vec<String> {
        check(r).into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn real_rides_pass_even_long_ones() {
        assert!(check(&ride(42.0, 1.5, 400.0)).is_empty());
        // A 600 km brevet in 30 hours with 6,000 m of climbing.
        assert!(check(&ride(600.0, 30.0, 6_000.0)).is_empty());
        // Up to every limit exactly.
        assert!(check(&ride(1_000.0, 48.0, 20_000.0)).is_empty());
        // A trainer ride: no distance, a little virtual climbing.
        assert!(check(&ride(0.0, 1.0, 50.0)).is_empty());
        // A distance with no time (the CLI's default) says nothing about speed.
        assert!(check(&ride(900.0, 0.0, 0.0)).is_empty());
    }

    #[test]
    fn each_limit_is_named_with_its_field() {
        assert_eq!(fields(&ride(99_999_999.0, 0.0, 0.0)), ["distance_m"]);
        assert_eq!(fields(&ride(300.0, 2.0, 0.0)), ["average_speed"]);
        assert_eq!(fields(&ride(100.0, 99_999.0, 0.0)), ["moving_time_s"]);
        assert_eq!(fields(&ride(100.0, 5.0, 999_000.0)), ["elevation_m"]);
        assert_eq!(fields(&ride(10.0, 1.0, 600.0)), ["elevation_m"]);
        let mut energy = ride(100.0, 4.0, 0.0);
        energy.energy_kj = Some(50_000.0);
        assert_eq!(fields(&energy), ["energy_kj"]);
    }

    #[test]
    fn the_reason_says_the_number_and_the_limit() {
        let found = check(&ride(99_999_999.0, 0.0, 0.0));
        assert_eq!(found[0].value, 99_999_999_000.0);
        assert_eq!(found[0].limit, 1_000_000.0);
        assert_eq!(
            found[0].reason,
            "a distance of 99,999,999 km is more than one ride can cover (1,000 km at most)"
        );
        let speed = check(&ride(300.0, 2.0, 0.0));
        assert_eq!(speed[0].value, 150.0);
        assert_eq!(
            speed[0].reason,
            "300 km in 2h00 is 150 km/h on average, faster than a bike goes (100 km/h at most)"
        );
    }

    #[test]
    fn refuse_passes_plausible_rides_and_says_how_to_confirm() {
        assert!(refuse(&[], "add --force").is_ok());
        let e = refuse(&check(&ride(2_000.0, 0.0, 0.0)), "add --force").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Invalid);
        assert!(e.to_string().ends_with("if they are right, add --force"));
    }
}
