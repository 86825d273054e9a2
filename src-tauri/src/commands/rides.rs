//! The Rides place: a page of rides with filters, log and edit with the limits of what a ride
//! can be, delete with undo, assign many at once, and the answer to a flagged ride.

use pedalwrencher_core::garage::rides::{
    self, limits, Implausible, Limits, NewRide, Ride, RidePatch, RideQuery, Verdict,
};
use pedalwrencher_core::{BikeId, RideId};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::state::{AppState, CommandError};

/// How the window lets the rider keep numbers a ride cannot have.
const CONFIRM: &str = "choose \"Keep it\" to store it anyway";

fn limits(force: bool) -> Limits {
    if force {
        Limits::Waived
    } else {
        Limits::Enforce { confirm: CONFIRM }
    }
}

/// One page of rides and how many the filters let through in all.
#[derive(Debug, Serialize, specta::Type)]
pub struct RidePage {
    rides: Vec<Ride>,
    total: i64,
}

/// Rides newest first, filtered (bike, unassigned, flagged, indoor, source, date range) and paged
/// (`offset`, `limit`).
#[tauri::command(async)]
#[specta::specta]
pub fn rides_page(state: State<'_, AppState>, input: RideQuery) -> Result<RidePage, CommandError> {
    state.with(|s| {
        Ok(RidePage {
            rides: rides::list(s, &input)?,
            total: rides::count(s, &input)?,
        })
    })
}

/// The numbers of a ride being typed that a ride cannot have, each with its field, to show next
/// to the field before saving. Writes nothing.
#[tauri::command]
#[specta::specta]
pub fn check_ride(input: NewRide) -> Vec<Implausible> {
    limits::check(&input)
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct LogRide {
    #[serde(flatten)]
    ride: NewRide,
    /// The rider confirmed numbers a ride cannot have ("Keep it").
    #[serde(default)]
    force: bool,
}

/// Logs a ride typed by the rider: numbers a ride cannot have are refused (kind `invalid`, with
/// the reason) unless `force`.
#[tauri::command(async)]
#[specta::specta]
pub fn log_ride(state: State<'_, AppState>, input: LogRide) -> Result<Ride, CommandError> {
    state.with(|s| rides::add_within(s, input.ride, limits(input.force)))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct EditRide {
    ride_id: RideId,
    /// Fields left out keep their value.
    #[serde(flatten)]
    patch: RidePatch,
    #[serde(default)]
    force: bool,
}

/// Edits a ride; changed numbers a ride cannot have are refused unless `force`.
#[tauri::command(async)]
#[specta::specta]
pub fn edit_ride(state: State<'_, AppState>, input: EditRide) -> Result<Ride, CommandError> {
    state.with(|s| rides::edit_within(s, &input.ride_id, input.patch, limits(input.force)))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct RideRef {
    ride_id: RideId,
}

/// Deletes a ride; its wear is taken back. `undelete_ride` is the Undo.
#[tauri::command(async)]
#[specta::specta]
pub fn delete_ride(state: State<'_, AppState>, input: RideRef) -> Result<(), CommandError> {
    state.with(|s| rides::delete(s, &input.ride_id))
}

/// The "Undo" after deleting a ride.
#[tauri::command(async)]
#[specta::specta]
pub fn undelete_ride(state: State<'_, AppState>, input: RideRef) -> Result<Ride, CommandError> {
    state.with(|s| rides::undelete(s, &input.ride_id))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct AssignRides {
    ride_ids: Vec<RideId>,
    /// None: unassigned.
    bike_id: Option<BikeId>,
}

/// Puts many rides on a bike (or none) at once: all of them, or none if one fails.
#[tauri::command(async)]
#[specta::specta]
pub fn assign_rides(state: State<'_, AppState>, input: AssignRides) -> Result<u32, CommandError> {
    state.with(|s| {
        s.atomically(|s| {
            for id in &input.ride_ids {
                rides::assign(s, id, input.bike_id.clone())?;
            }
            Ok(input.ride_ids.len() as u32)
        })
    })
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct ReviewRide {
    ride_id: RideId,
    verdict: Verdict,
}

/// The rider's answer to a flagged ride: keep it as it is, exclude it, or count it again.
#[tauri::command(async)]
#[specta::specta]
pub fn review_ride(state: State<'_, AppState>, input: ReviewRide) -> Result<Ride, CommandError> {
    state.with(|s| rides::review(s, &input.ride_id, input.verdict))
}
