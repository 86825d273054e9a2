//! A part's rules: list, add a custom one, edit, delete, snooze by days or by further use, and
//! the services of one rule.

use pedalwrencher_core::garage::rules::{self, NewRule, Rule, RulePatch};
use pedalwrencher_core::garage::services::{self, Service};
use pedalwrencher_core::time::MS_PER_DAY;
use pedalwrencher_core::{ComponentId, RuleId, ServiceId, Timestamp};
use serde::Deserialize;
use tauri::State;

use crate::state::{AppState, CommandError};

#[derive(Debug, Deserialize, specta::Type)]
pub struct RulesOf {
    component_id: ComponentId,
}

/// The rules of one part, oldest first.
#[tauri::command(async)]
#[specta::specta]
pub fn component_rules(
    state: State<'_, AppState>,
    input: RulesOf,
) -> Result<Vec<Rule>, CommandError> {
    state.with(|s| rules::list(s, &input.component_id))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct AddRule {
    component_id: ComponentId,
    #[serde(flatten)]
    rule: NewRule,
}

#[tauri::command(async)]
#[specta::specta]
pub fn add_rule(state: State<'_, AppState>, input: AddRule) -> Result<Rule, CommandError> {
    state.with(|s| rules::add(s, &input.component_id, input.rule))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct EditRule {
    rule_id: RuleId,
    /// Fields left out keep their value.
    #[serde(flatten)]
    patch: RulePatch,
}

#[tauri::command(async)]
#[specta::specta]
pub fn edit_rule(state: State<'_, AppState>, input: EditRule) -> Result<Rule, CommandError> {
    state.with(|s| rules::edit(s, &input.rule_id, input.patch))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct RuleRef {
    rule_id: RuleId,
}

#[tauri::command(async)]
#[specta::specta]
pub fn delete_rule(state: State<'_, AppState>, input: RuleRef) -> Result<(), CommandError> {
    state.with(|s| rules::delete(s, &input.rule_id))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct SnoozeDays {
    rule_id: RuleId,
    /// Quiet for this many days from now (fractions allowed); null ends the snooze.
    days: Option<f64>,
}

/// Quiets a rule's reminders for some days; its state is still shown truthfully.
#[tauri::command(async)]
#[specta::specta]
pub fn snooze_rule(state: State<'_, AppState>, input: SnoozeDays) -> Result<Rule, CommandError> {
    state.with(|s| {
        let until = input
            .days
            .map(|d| Timestamp(s.now().millis() + (d * MS_PER_DAY as f64) as i64));
        rules::snooze(s, &input.rule_id, until)
    })
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct SnoozeUse {
    rule_id: RuleId,
    /// Quiet for this much further use, in the rule's metric (SI: metres, seconds, rides, …);
    /// null ends the snooze.
    more: Option<f64>,
}

/// Quiets a rule's reminders for some further use ("200 km more").
#[tauri::command(async)]
#[specta::specta]
pub fn snooze_rule_for_use(
    state: State<'_, AppState>,
    input: SnoozeUse,
) -> Result<Rule, CommandError> {
    state.with(|s| rules::snooze_for_use(s, &input.rule_id, input.more))
}

/// The services done on one rule, newest first.
#[tauri::command(async)]
#[specta::specta]
pub fn rule_services(
    state: State<'_, AppState>,
    input: RuleRef,
) -> Result<Vec<Service>, CommandError> {
    state.with(|s| services::list(s, &input.rule_id))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct ServiceRef {
    service_id: ServiceId,
}

/// The "Undo" after deleting a service from a part's history.
#[tauri::command(async)]
#[specta::specta]
pub fn restore_service(
    state: State<'_, AppState>,
    input: ServiceRef,
) -> Result<Service, CommandError> {
    state.with(|s| services::restore(s, &input.service_id))
}
