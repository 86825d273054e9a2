//! The garage: overview, presets, and the everyday edits.

use pedalwrencher_core::garage::bikes::{self, Bike, NewBike};
use pedalwrencher_core::garage::components::{Component, NewComponent};
use pedalwrencher_core::garage::demo::{self, DemoOutcome};
use pedalwrencher_core::garage::installations::{self, Installation};
use pedalwrencher_core::garage::overview::{self, Garage};
use pedalwrencher_core::garage::presets::{self, Preset};
use pedalwrencher_core::garage::rides::{self, NewRide, Ride};
use pedalwrencher_core::garage::services::{self, NewService, Service, Undone};
use pedalwrencher_core::garage::workshop;
use pedalwrencher_core::wear::{self, RuleStatus};
use pedalwrencher_core::{BikeId, ComponentId, RuleId, ServiceId, When};
use serde::Deserialize;
use tauri::State;

use crate::state::{AppState, CommandError};

#[tauri::command(async)]
#[specta::specta]
pub fn garage(state: State<'_, AppState>) -> Result<Garage, CommandError> {
    state.with(overview::overview)
}

#[tauri::command(async)]
#[specta::specta]
pub fn due_list(state: State<'_, AppState>) -> Result<Vec<RuleStatus>, CommandError> {
    state.with(wear::statuses)
}

#[tauri::command]
#[specta::specta]
pub fn presets() -> Vec<Preset> {
    presets::all().to_vec()
}

#[tauri::command(async)]
#[specta::specta]
pub fn load_demo(state: State<'_, AppState>) -> Result<DemoOutcome, CommandError> {
    state.with(demo::load)
}

#[tauri::command(async)]
#[specta::specta]
pub fn add_bike(state: State<'_, AppState>, input: NewBike) -> Result<Bike, CommandError> {
    state.with(|s| bikes::add(s, input))
}

#[tauri::command(async)]
#[specta::specta]
pub fn add_component(
    state: State<'_, AppState>,
    input: NewComponent,
) -> Result<Component, CommandError> {
    state.with(|s| workshop::add_component(s, input))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct Mount {
    component_id: ComponentId,
    bike_id: BikeId,
    /// A typed date (`YYYY-MM-DD`) or an instant; the core resolves it.
    at: When,
}

/// Mounts a part from the shelf on a bike.
#[tauri::command(async)]
#[specta::specta]
pub fn mount_component(
    state: State<'_, AppState>,
    input: Mount,
) -> Result<Installation, CommandError> {
    state.with(|s| installations::install(s, &input.component_id, &input.bike_id, &input.at, None))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct MoveTo {
    component_id: ComponentId,
    /// The bike it goes on, or
    bike_id: Option<BikeId>,
    /// the part it goes on (a tyre onto a wheel).
    parent_id: Option<ComponentId>,
    /// A typed date (`YYYY-MM-DD`) or an instant; the core resolves it.
    at: When,
}

/// Moves a mounted part to another bike or onto a part; what is mounted on it (a wheel's tyre,
/// cassette, rotor) goes along in the same step.
#[tauri::command(async)]
#[specta::specta]
pub fn move_component(
    state: State<'_, AppState>,
    input: MoveTo,
) -> Result<Installation, CommandError> {
    state.with(|s| {
        let on = match (input.bike_id, input.parent_id) {
            (Some(bike), None) => installations::Mount::Bike(bike),
            (None, Some(part)) => installations::Mount::Part(part),
            _ => {
                return Err(pedalwrencher_core::Error::Invalid(
                    "move it to a bike or onto a part: choose one".into(),
                ))
            }
        };
        installations::move_onto(s, &input.component_id, &on, &input.at)
    })
}

#[tauri::command(async)]
#[specta::specta]
pub fn add_ride(state: State<'_, AppState>, input: NewRide) -> Result<Ride, CommandError> {
    state.with(|s| rides::add(s, input))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct MarkDone {
    rule_id: RuleId,
    #[serde(flatten)]
    service: NewService,
}

#[tauri::command(async)]
#[specta::specta]
pub fn mark_done(state: State<'_, AppState>, input: MarkDone) -> Result<Service, CommandError> {
    state.with(|s| services::mark_done(s, &input.rule_id, input.service))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct DeleteService {
    service_id: ServiceId,
}

/// The "Undo" after Done: deletes the service, and the rule's wear is back where it was.
#[tauri::command(async)]
#[specta::specta]
pub fn delete_service(
    state: State<'_, AppState>,
    input: DeleteService,
) -> Result<Undone, CommandError> {
    state.with(|s| services::delete(s, &input.service_id))
}
