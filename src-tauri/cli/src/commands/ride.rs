//! `ride add`, `edit`, `review`, `assign`, `delete`. The rider's own numbers are checked against
//! what a ride can have (`limits`) and refused unless `--force`.

use pedalwrencher_core::garage::rides::{self, Limits, NewRide, RidePatch, RideSource, Verdict};
use pedalwrencher_core::units::parse_duration_s;
use pedalwrencher_core::{BikeId, Error, Metric, Result, RideId, Store, When};

use crate::args::RideCmd;
use crate::input::{si, when};
use crate::output::Out;

/// Numbers a ride cannot have are refused unless the rider confirms them with `--force`.
fn limits(force: bool) -> Limits {
    if force {
        Limits::Waived
    } else {
        Limits::Enforce {
            confirm: "add --force to keep it",
        }
    }
}

pub fn run(s: &mut Store, out: &Out, cmd: RideCmd) -> Result<()> {
    let now = s.now();
    match cmd {
        RideCmd::Add {
            bike,
            date,
            distance,
            time,
            elevation,
            energy,
            indoor,
            commute,
            name,
            force,
        } => {
            let moving = parse_duration_s(&time)?;
            let new = NewRide {
                bike_id: bike.map(BikeId::from),
                start_at: when(date, now),
                distance_m: si(out.units, "distance", Metric::DistanceM, distance)?,
                moving_time_s: moving,
                elapsed_time_s: None,
                elevation_m: si(out.units, "elevation gain", Metric::ElevationM, elevation)?,
                energy_kj: energy,
                sport_type: if indoor { "VirtualRide" } else { "Ride" }.to_owned(),
                indoor,
                commute,
                name,
                source: RideSource::Manual,
                external_id: None,
            };
            let r = rides::add_within(s, new, limits(force))?;
            out.emit(&r, |r| {
                format!(
                    "Ride logged ({}). id: {}",
                    out.units.format(Metric::DistanceM, r.distance_m),
                    r.id
                )
            })
        }
        RideCmd::Edit {
            id,
            date,
            distance,
            time,
            elevation,
            energy,
            indoor,
            commute,
            name,
            force,
        } => {
            let patch = RidePatch {
                start_at: date.map(When::Typed),
                distance_m: distance
                    .map(|d| si(out.units, "distance", Metric::DistanceM, d))
                    .transpose()?,
                moving_time_s: time.as_deref().map(parse_duration_s).transpose()?,
                elevation_m: elevation
                    .map(|e| si(out.units, "elevation gain", Metric::ElevationM, e))
                    .transpose()?,
                energy_kj: energy.map(Some),
                indoor,
                commute,
                name,
                ..Default::default()
            };
            let r = rides::edit_within(s, &RideId::from(id), patch, limits(force))?;
            out.emit(&r, |r| {
                format!(
                    "Ride saved ({}). id: {}",
                    out.units.format(Metric::DistanceM, r.distance_m),
                    r.id
                )
            })
        }
        RideCmd::Assign { id, bike, unassign } => {
            let bike = if unassign {
                None
            } else {
                bike.map(BikeId::from)
            };
            let r = rides::assign(s, &RideId::from(id), bike)?;
            out.emit(&r, |r| match &r.bike_id {
                Some(b) => format!("Ride assigned to bike {b}."),
                None => "Ride is now unassigned.".to_owned(),
            })
        }
        RideCmd::Review { id, verdict } => {
            let verdict = match verdict.as_str() {
                "keep" => Verdict::Keep,
                "exclude" => Verdict::Exclude,
                "include" => Verdict::Include,
                other => {
                    return Err(Error::Invalid(format!(
                        "unknown answer '{other}'; use keep, exclude or include"
                    )))
                }
            };
            let r = rides::review(s, &RideId::from(id), verdict)?;
            out.emit(&r, |r| match (verdict, r.excluded) {
                (Verdict::Keep, _) => "Ride kept as it is; it is no longer flagged.".to_owned(),
                (_, true) => "Ride excluded: it counts for nothing now.".to_owned(),
                (_, false) => "Ride counted again.".to_owned(),
            })
        }
        RideCmd::Delete { id } => {
            rides::delete(s, &RideId::from(id))?;
            out.emit(&serde_json::json!({ "deleted": true }), |_| {
                "Ride deleted; its wear is taken back.".to_owned()
            })
        }
        // Dispatched to `ride_import` before this (it has its own exit code).
        RideCmd::Import(_) => Err(pedalwrencher_core::Error::Invalid(
            "ride import is handled by its own command".into(),
        )),
    }
}
