//! The component page: list, edit, remove to the shelf, move, replace and retire a part, its
//! installations, its service history and what it cost.

use pedalwrencher_core::garage::components::{self, Component, ComponentListing, ComponentPatch};
use pedalwrencher_core::garage::cost::{self, ComponentCost};
use pedalwrencher_core::garage::installations::{self, Installation};
use pedalwrencher_core::garage::services::{self, Service};
use pedalwrencher_core::garage::workshop::{self, ItsParts, Replaced, Retired};
use pedalwrencher_core::{BikeId, ComponentId, When};
use serde::Deserialize;
use tauri::State;

use crate::state::{AppState, CommandError};

#[derive(Debug, Deserialize, specta::Type)]
pub struct ComponentsQuery {
    /// Only those mounted on this bike now.
    #[serde(default)]
    bike_id: Option<BikeId>,
    #[serde(default)]
    include_retired: bool,
}

/// Components with where each is mounted now (none: on the shelf).
#[tauri::command(async)]
#[specta::specta]
pub fn components_list(
    state: State<'_, AppState>,
    input: ComponentsQuery,
) -> Result<Vec<ComponentListing>, CommandError> {
    state.with(|s| components::list(s, input.bike_id.as_ref(), input.include_retired))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct ComponentRef {
    component_id: ComponentId,
}

#[tauri::command(async)]
#[specta::specta]
pub fn component_get(
    state: State<'_, AppState>,
    input: ComponentRef,
) -> Result<Component, CommandError> {
    state.with(|s| components::get(s, &input.component_id))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct EditComponent {
    component_id: ComponentId,
    /// Fields left out keep their value.
    #[serde(flatten)]
    patch: ComponentPatch,
}

#[tauri::command(async)]
#[specta::specta]
pub fn edit_component(
    state: State<'_, AppState>,
    input: EditComponent,
) -> Result<Component, CommandError> {
    state.with(|s| components::edit(s, &input.component_id, input.patch))
}

/// A component and a date: when it came off, was replaced or retired.
#[derive(Debug, Deserialize, specta::Type)]
pub struct DatedComponent {
    component_id: ComponentId,
    /// A typed date (`YYYY-MM-DD`) or an instant; the core resolves it.
    at: When,
}

/// Takes a part off its bike (or the part it sits on) onto the shelf, with what it carries.
#[tauri::command(async)]
#[specta::specta]
pub fn remove_component(
    state: State<'_, AppState>,
    input: DatedComponent,
) -> Result<(), CommandError> {
    state.with(|s| installations::remove(s, &input.component_id, &input.at).map(|_| ()))
}

/// A part to replace, when, and what becomes of the parts on it.
#[derive(Debug, Deserialize, specta::Type)]
pub struct ReplaceComponent {
    component_id: ComponentId,
    /// A typed date (`YYYY-MM-DD`) or an instant; the core resolves it.
    at: When,
    /// The parts on it move onto the new one (the default) or go to the shelf.
    #[serde(default)]
    its_parts: ItsParts,
}

/// Retires a part and mounts a new one like it in its place; returns the new one, and where
/// the old one's parts went.
#[tauri::command(async)]
#[specta::specta]
pub fn replace_component(
    state: State<'_, AppState>,
    input: ReplaceComponent,
) -> Result<Replaced, CommandError> {
    state.with(|s| workshop::replace(s, &input.component_id, &input.at, input.its_parts))
}

/// Retires a part (worn out, thrown away): off its bike, no more reminders; the parts on it go
/// to the shelf.
#[tauri::command(async)]
#[specta::specta]
pub fn retire_component(
    state: State<'_, AppState>,
    input: DatedComponent,
) -> Result<Retired, CommandError> {
    state.with(|s| workshop::retire(s, &input.component_id, &input.at))
}

/// Where the part has been mounted, oldest first.
#[tauri::command(async)]
#[specta::specta]
pub fn component_installations(
    state: State<'_, AppState>,
    input: ComponentRef,
) -> Result<Vec<Installation>, CommandError> {
    state.with(|s| installations::history(s, &input.component_id))
}

/// The part's service history, newest first.
#[tauri::command(async)]
#[specta::specta]
pub fn component_services(
    state: State<'_, AppState>,
    input: ComponentRef,
) -> Result<Vec<Service>, CommandError> {
    state.with(|s| services::list_for_component(s, &input.component_id))
}

/// What the part cost (purchase and services), and per 1,000 km and 1,000 mi.
#[tauri::command(async)]
#[specta::specta]
pub fn component_cost(
    state: State<'_, AppState>,
    input: ComponentRef,
) -> Result<ComponentCost, CommandError> {
    state.with(|s| cost::component_cost(s, &input.component_id))
}
