//! The bike page: list, edit, retire and restore a bike, and its distance per month.

use pedalwrencher_core::garage::bikes::{self, Bike, BikePatch, BikeSummary};
use pedalwrencher_core::garage::cost::{self, MonthDistance};
use pedalwrencher_core::BikeId;
use serde::Deserialize;
use tauri::State;

use crate::state::{AppState, CommandError};

/// Every bike (retired last) with its ride totals (excluded rides left out).
#[tauri::command(async)]
#[specta::specta]
pub fn bikes_list(state: State<'_, AppState>) -> Result<Vec<BikeSummary>, CommandError> {
    state.with(|s| bikes::list(s))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct BikeRef {
    bike_id: BikeId,
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct EditBike {
    bike_id: BikeId,
    /// Fields left out keep their value.
    #[serde(flatten)]
    patch: BikePatch,
}

#[tauri::command(async)]
#[specta::specta]
pub fn edit_bike(state: State<'_, AppState>, input: EditBike) -> Result<Bike, CommandError> {
    state.with(|s| bikes::edit(s, &input.bike_id, input.patch))
}

/// Retires a bike (sold, stolen): its parts keep their state but never remind.
#[tauri::command(async)]
#[specta::specta]
pub fn retire_bike(state: State<'_, AppState>, input: BikeRef) -> Result<Bike, CommandError> {
    state.with(|s| bikes::retire(s, &input.bike_id))
}

/// Brings a retired bike back: its parts remind again.
#[tauri::command(async)]
#[specta::specta]
pub fn restore_bike(state: State<'_, AppState>, input: BikeRef) -> Result<Bike, CommandError> {
    let patch = BikePatch {
        retired: Some(false),
        ..BikePatch::default()
    };
    state.with(|s| bikes::edit(s, &input.bike_id, patch))
}

/// The bike's distance in each of the last 12 months, this month last (the bike page's chart).
#[tauri::command(async)]
#[specta::specta]
pub fn bike_distance_by_month(
    state: State<'_, AppState>,
    input: BikeRef,
) -> Result<Vec<MonthDistance>, CommandError> {
    state.with(|s| cost::distance_by_month(s, &input.bike_id, 12))
}
