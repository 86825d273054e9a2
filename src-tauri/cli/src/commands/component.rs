//! `component add`, `edit`, `install`, `remove`, `move`, `retire`, `replace`.

use pedalwrencher_core::garage::components::{self, ComponentPatch, InitialUsage, NewComponent};
use pedalwrencher_core::garage::installations::{self, Mount};
use pedalwrencher_core::garage::workshop::{ItsParts, PartOnIt};
use pedalwrencher_core::garage::{rules, workshop};
use pedalwrencher_core::units::parse_duration_s;
use pedalwrencher_core::{BikeId, ComponentId, Metric, Result, Store, When};

use crate::args::ComponentCmd;
use crate::input::{money, si, when};
use crate::output::Out;

pub fn run(s: &mut Store, out: &Out, cmd: ComponentCmd) -> Result<()> {
    let now = s.now();
    match cmd {
        ComponentCmd::Add {
            kind,
            name,
            bike,
            on,
            installed,
            brand,
            model,
            cost,
            used,
            no_rules,
        } => {
            let initial = InitialUsage {
                distance_m: si(
                    out.units,
                    "starting distance",
                    Metric::DistanceM,
                    used.used_distance.unwrap_or(0.0),
                )?,
                moving_time_s: used
                    .used_hours
                    .as_deref()
                    .map(parse_duration_s)
                    .transpose()?
                    .unwrap_or(0.0),
                days: used.used_days.unwrap_or(0.0),
                ..Default::default()
            };
            let new = NewComponent {
                kind,
                name,
                brand,
                model,
                purchase_cost_cents: money(cost.as_deref())?,
                initial,
                installed_at: installed.map(When::Typed),
                bike_id: bike.map(BikeId::from),
                parent_id: on.map(ComponentId::from),
                without_rules: no_rules,
                ..Default::default()
            };
            let c = workshop::add_component(s, new)?;
            let rules = rules::list(s, &c.id)?;
            out.emit(
                &serde_json::json!({ "component": c, "rules": rules }),
                |_| {
                    let mut text =
                        format!("Component \"{}\" ({}) added. id: {}", c.name, c.kind, c.id);
                    for r in &rules {
                        text.push_str(&format!(
                            "\n  rule {}: {} every {}",
                            r.id,
                            r.task,
                            out.units.format(r.metric, r.interval)
                        ));
                    }
                    text
                },
            )
        }
        ComponentCmd::Edit {
            id,
            name,
            brand,
            model,
            notes,
            cost,
        } => {
            let purchase_cost_cents = match cost.as_deref() {
                None => None,
                Some("none") => Some(None),
                Some(text) => Some(money(Some(text))?),
            };
            let patch = ComponentPatch {
                name,
                brand,
                model,
                notes,
                purchase_cost_cents,
                initial: None,
            };
            let c = components::edit(s, &ComponentId::from(id), patch)?;
            out.emit(&c, |c| {
                format!("Component \"{}\" saved. id: {}", c.name, c.id)
            })
        }
        ComponentCmd::Install {
            id,
            bike,
            on,
            at,
            until,
        } => {
            let until = until.map(When::Typed);
            let i = installations::install_on(
                s,
                &ComponentId::from(id),
                &mount(bike, on),
                &when(at, now),
                until.as_ref(),
            )?;
            out.emit(&i, |i| {
                format!("Installed from {}.", i.installed_at.local_date())
            })
        }
        ComponentCmd::Remove { id, at } => {
            let from = installations::remove(s, &ComponentId::from(id), &when(at, now))?;
            let (id, kind) = match &from {
                Mount::Bike(b) => (b.to_string(), "bike"),
                Mount::Part(p) => (p.to_string(), "part"),
            };
            out.emit(
                &serde_json::json!({ "removed_from": id, "removed_from_kind": kind }),
                |_| "Removed; it is now on the shelf.".to_owned(),
            )
        }
        ComponentCmd::Move { id, bike, on, at } => {
            let i = installations::move_onto(
                s,
                &ComponentId::from(id),
                &mount(bike, on),
                &when(at, now),
            )?;
            out.emit(&i, |i| format!("Moved on {}.", i.installed_at.local_date()))
        }
        ComponentCmd::Retire { id, at } => {
            let r = workshop::retire(s, &ComponentId::from(id), &when(at, now))?;
            out.emit(&r, |r| {
                format!(
                    "\"{}\" retired.{}",
                    r.component.name,
                    parts_line("On the shelf now", &r.shelved)
                )
            })
        }
        ComponentCmd::Replace {
            id,
            at,
            shelve_parts,
        } => {
            let its_parts = if shelve_parts {
                ItsParts::Shelve
            } else {
                ItsParts::Move
            };
            let r = workshop::replace(s, &ComponentId::from(id), &when(at, now), its_parts)?;
            out.emit(&r, |r| {
                format!(
                    "Replaced. The new \"{}\" has id {}.{}{}",
                    r.fresh.name,
                    r.fresh.id,
                    parts_line("Moved onto it", &r.moved),
                    parts_line("On the shelf now", &r.shelved)
                )
            })
        }
    }
}

/// " Moved onto it: Rear tyre, Cassette." or nothing when there were none.
fn parts_line(what: &str, parts: &[PartOnIt]) -> String {
    if parts.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    format!(" {what}: {}.", names.join(", "))
}

/// `--bike` or `--on`: clap makes sure exactly one is given.
fn mount(bike: Option<String>, on: Option<String>) -> Mount {
    match (bike, on) {
        (Some(bike), _) => Mount::Bike(BikeId::from(bike)),
        (None, on) => Mount::Part(ComponentId::from(on.unwrap_or_default())),
    }
}
