//! `ride add`, `edit`, `assign`, `delete`.

use pedalwrencher_core::garage::rides::{self, NewRide, RidePatch, RideSource};
use pedalwrencher_core::units::parse_duration_s;
use pedalwrencher_core::{BikeId, Metric, Result, RideId, Store, When};

use crate::args::RideCmd;
use crate::input::{si, when};
use crate::output::Out;

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
            let r = rides::add(s, new)?;
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
            let r = rides::edit(s, &RideId::from(id), patch)?;
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
