//! The garage's edits the window needs beyond adding things (issue 16): edit, retire or bring
//! back a bike; edit a part; list rides; edit a rule; snooze a reminder; a rule's services. Each
//! is one line over the core.

use pedalwrencher_core::garage::bikes::{self, Bike, BikePatch};
use pedalwrencher_core::garage::components::{self, Component, ComponentPatch};
use pedalwrencher_core::garage::rides::{self, Ride, RideQuery};
use pedalwrencher_core::garage::rules::{self, RulePatch};
use pedalwrencher_core::garage::services::{self, Service};
use pedalwrencher_core::{ActivityFilter, BikeId, ComponentId, RuleId, Timestamp};
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
