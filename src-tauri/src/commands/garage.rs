//! The garage: overview, presets, and the everyday edits.

use pedalwrencher_core::bikes::{self, Bike, NewBike};
use pedalwrencher_core::components::{self, Component, NewComponent};
use pedalwrencher_core::demo::{self, DemoOutcome};
use pedalwrencher_core::garage::{self, Garage};
use pedalwrencher_core::presets::{self, Preset};
use pedalwrencher_core::rides::{self, NewRide, Ride};
use pedalwrencher_core::rules::{self, NewService, RuleStatus, Service};
use pedalwrencher_core::{RuleId, Timestamp};
use serde::Deserialize;
use tauri::State;

use crate::state::{AppState, CommandError};

#[tauri::command(async)]
pub fn garage(state: State<'_, AppState>) -> Result<Garage, CommandError> {
    state.with(|s| garage::overview(s, Timestamp::now()))
}

#[tauri::command(async)]
pub fn due_list(state: State<'_, AppState>) -> Result<Vec<RuleStatus>, CommandError> {
    state.with(|s| rules::statuses(s, Timestamp::now()))
}

#[tauri::command]
pub fn presets() -> Vec<Preset> {
    presets::all().to_vec()
}

#[tauri::command(async)]
pub fn load_demo(state: State<'_, AppState>) -> Result<DemoOutcome, CommandError> {
    state.with(|s| demo::load(s, Timestamp::now()))
}

#[tauri::command(async)]
pub fn add_bike(state: State<'_, AppState>, input: NewBike) -> Result<Bike, CommandError> {
    state.with(|s| bikes::add(s, input))
}

#[tauri::command(async)]
pub fn add_component(
    state: State<'_, AppState>,
    input: NewComponent,
) -> Result<Component, CommandError> {
    state.with(|s| components::add(s, input))
}

#[tauri::command(async)]
pub fn add_ride(state: State<'_, AppState>, input: NewRide) -> Result<Ride, CommandError> {
    state.with(|s| rides::add(s, input))
}

#[derive(Debug, Deserialize)]
pub struct MarkDone {
    rule_id: RuleId,
    #[serde(flatten)]
    service: NewService,
}

#[tauri::command(async)]
pub fn mark_done(state: State<'_, AppState>, input: MarkDone) -> Result<Service, CommandError> {
    state.with(|s| rules::mark_done(s, &input.rule_id, input.service))
}
