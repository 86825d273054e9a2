//! The garage's edits the window needs beyond adding things (issue 16): edit, retire or bring
//! back a bike; edit, move, shelve, replace or retire a part; list and edit rides; add, edit or
//! delete a rule; snooze a reminder; a rule's services. Each is one line over the core.

use pedalwrencher_core::garage::bikes::{self, Bike, BikePatch};
use pedalwrencher_core::garage::components::{self, Component, ComponentPatch};
use pedalwrencher_core::garage::installations::{self, Installation};
use pedalwrencher_core::garage::rides::{self, Ride, RidePatch, RideQuery};
use pedalwrencher_core::garage::rules::{self, NewRule, RulePatch};
use pedalwrencher_core::garage::services::{self, Service};
use pedalwrencher_core::garage::workshop;
use pedalwrencher_core::{
    ActivityFilter, BikeId, ComponentId, Metric, RideId, RuleId, Timestamp, When,
};
use serde::Deserialize;
use tauri::State;

use crate::state::{AppState, CommandError};

/// Fields left out keep their value.
#[derive(Debug, Deserialize, specta::Type)]
pub struct EditBike {
    bike_id: BikeId,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    /// True retires it (its parts stop reminding); false brings it back.
    #[serde(default)]
    retired: Option<bool>,
}

#[tauri::command(async)]
#[specta::specta]
pub fn edit_bike(state: State<'_, AppState>, input: EditBike) -> Result<Bike, CommandError> {
    let patch = BikePatch {
        name: input.name,
        kind: input.kind,
        strava_gear_id: None,
        notes: input.notes,
        retired: input.retired,
    };
    state.with(|s| bikes::edit(s, &input.bike_id, patch))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct ListRides {
    #[serde(default)]
    bike_id: Option<BikeId>,
    #[serde(default)]
    unassigned_only: bool,
    #[serde(default)]
    limit: Option<u32>,
}

/// Rides, newest first: all of them, a bike's, or the unassigned ones.
#[tauri::command(async)]
#[specta::specta]
pub fn list_rides(state: State<'_, AppState>, input: ListRides) -> Result<Vec<Ride>, CommandError> {
    let query = RideQuery {
        bike: input.bike_id,
        unassigned_only: input.unassigned_only,
        limit: input.limit,
    };
    state.with(|s| rides::list(s, &query))
}

/// Fields left out keep their value; the interval is in the rule's metric (SI units).
#[derive(Debug, Deserialize, specta::Type)]
pub struct EditRule {
    rule_id: RuleId,
    #[serde(default)]
    task: Option<String>,
    #[serde(default)]
    interval: Option<f64>,
    #[serde(default)]
    warn_fraction: Option<f64>,
    #[serde(default)]
    repeat: Option<bool>,
    #[serde(default)]
    filter: Option<ActivityFilter>,
}

#[tauri::command(async)]
#[specta::specta]
pub fn edit_rule(state: State<'_, AppState>, input: EditRule) -> Result<(), CommandError> {
    let patch = RulePatch {
        task: input.task,
        interval: input.interval,
        warn_fraction: input.warn_fraction,
        repeat: input.repeat,
        filter: input.filter,
    };
    state.with(|s| rules::edit(s, &input.rule_id, patch).map(|_| ()))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct SnoozeUntil {
    rule_id: RuleId,
    /// None: no longer snoozed by date.
    until: Option<Timestamp>,
}

/// Quiets a rule's reminders until an instant; its state is still shown as it is.
#[tauri::command(async)]
#[specta::specta]
pub fn snooze_until(state: State<'_, AppState>, input: SnoozeUntil) -> Result<(), CommandError> {
    state.with(|s| rules::snooze(s, &input.rule_id, input.until).map(|_| ()))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct SnoozeForUse {
    rule_id: RuleId,
    /// Further use in the rule's metric (SI units); None: no longer snoozed by use.
    more: Option<f64>,
}

/// Quiets a rule's reminders for this much more use.
#[tauri::command(async)]
#[specta::specta]
pub fn snooze_for_use(state: State<'_, AppState>, input: SnoozeForUse) -> Result<(), CommandError> {
    state.with(|s| rules::snooze_for_use(s, &input.rule_id, input.more).map(|_| ()))
}

/// Fields left out keep their value; the cost in cents, null to forget it.
#[derive(Debug, Deserialize, specta::Type)]
pub struct EditComponent {
    component_id: ComponentId,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    brand: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    purchase_cost_cents: Option<Option<i64>>,
}

#[tauri::command(async)]
#[specta::specta]
pub fn edit_component(
    state: State<'_, AppState>,
    input: EditComponent,
) -> Result<Component, CommandError> {
    let patch = ComponentPatch {
        name: input.name,
        brand: input.brand,
        model: input.model,
        notes: input.notes,
        purchase_cost_cents: input.purchase_cost_cents,
        initial: None,
    };
    state.with(|s| components::edit(s, &input.component_id, patch))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct RuleServices {
    rule_id: RuleId,
}

/// What was done on a rule (date, cost, notes), newest first.
#[tauri::command(async)]
#[specta::specta]
pub fn rule_services(
    state: State<'_, AppState>,
    input: RuleServices,
) -> Result<Vec<Service>, CommandError> {
    state.with(|s| services::list(s, &input.rule_id))
}

/// A part and the day (`YYYY-MM-DD`, or an instant) a workshop job on it happened.
#[derive(Debug, Deserialize, specta::Type)]
pub struct PartOn {
    component_id: ComponentId,
    at: When,
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct MovePart {
    component_id: ComponentId,
    bike_id: BikeId,
    at: When,
}

/// Moves a part to another bike from a day on: its wear follows it.
#[tauri::command(async)]
#[specta::specta]
pub fn move_component(
    state: State<'_, AppState>,
    input: MovePart,
) -> Result<Installation, CommandError> {
    state.with(|s| installations::move_to(s, &input.component_id, &input.bike_id, &input.at))
}

/// Takes a part off its bike, onto the shelf.
#[tauri::command(async)]
#[specta::specta]
pub fn shelve_component(state: State<'_, AppState>, input: PartOn) -> Result<(), CommandError> {
    state.with(|s| installations::remove(s, &input.component_id, &input.at).map(|_| ()))
}

/// Retires a worn part and mounts a fresh one of its kind, with its rules.
#[tauri::command(async)]
#[specta::specta]
pub fn replace_component(
    state: State<'_, AppState>,
    input: PartOn,
) -> Result<Component, CommandError> {
    state.with(|s| workshop::replace(s, &input.component_id, &input.at))
}

/// Takes a part out of service for good.
#[tauri::command(async)]
#[specta::specta]
pub fn retire_component(
    state: State<'_, AppState>,
    input: PartOn,
) -> Result<Component, CommandError> {
    state.with(|s| workshop::retire(s, &input.component_id, &input.at))
}

/// A rule to add to a part; the interval in the metric's SI unit.
#[derive(Debug, Deserialize, specta::Type)]
pub struct AddRule {
    component_id: ComponentId,
    task: String,
    metric: Metric,
    interval: f64,
    #[serde(default)]
    warn_fraction: Option<f64>,
    #[serde(default)]
    repeat: bool,
    #[serde(default)]
    filter: ActivityFilter,
}

#[tauri::command(async)]
#[specta::specta]
pub fn add_rule(state: State<'_, AppState>, input: AddRule) -> Result<(), CommandError> {
    let rule = NewRule {
        task: input.task,
        metric: input.metric,
        interval: input.interval,
        warn_fraction: input.warn_fraction,
        repeat: input.repeat,
        filter: input.filter,
    };
    state.with(|s| rules::add(s, &input.component_id, rule).map(|_| ()))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct DeleteRule {
    rule_id: RuleId,
}

#[tauri::command(async)]
#[specta::specta]
pub fn delete_rule(state: State<'_, AppState>, input: DeleteRule) -> Result<(), CommandError> {
    state.with(|s| rules::delete(s, &input.rule_id))
}

/// Fields left out keep their value (SI units: metres, seconds).
#[derive(Debug, Deserialize, specta::Type)]
pub struct EditRide {
    ride_id: RideId,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    distance_m: Option<f64>,
    #[serde(default)]
    moving_time_s: Option<f64>,
    #[serde(default)]
    elevation_m: Option<f64>,
    #[serde(default)]
    indoor: Option<bool>,
    #[serde(default)]
    commute: Option<bool>,
}

#[tauri::command(async)]
#[specta::specta]
pub fn edit_ride(state: State<'_, AppState>, input: EditRide) -> Result<Ride, CommandError> {
    let patch = RidePatch {
        name: input.name,
        distance_m: input.distance_m,
        moving_time_s: input.moving_time_s,
        elevation_m: input.elevation_m,
        indoor: input.indoor,
        commute: input.commute,
        ..RidePatch::default()
    };
    state.with(|s| rides::edit(s, &input.ride_id, patch))
}
