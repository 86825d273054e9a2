//! Jobs that span several tables: adding a part with its preset's rules and mounting it,
//! retiring a part, replacing a worn part with a fresh one under the same rules. They sit above
//! the table-level modules, which never call up into here.

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::garage::components::{self, Component, InitialUsage, NewComponent};
use crate::garage::installations::{self, Mount};
use crate::garage::presets;
use crate::garage::rules::{self, NewRule};
use crate::ids::ComponentId;
use crate::store::Store;
use crate::time::{DateMeaning, Timestamp, When};
use crate::validate;
use crate::wear::usage;

/// Adds a component with its preset's rules and, if a bike is given, mounts it — in one
/// transaction.
pub fn add_component(store: &mut Store, new: NewComponent) -> Result<Component> {
    let preset = presets::find(&new.kind)?;
    let name = match new.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => validate::name("component name", n)?,
        None => preset.label.clone(),
    };
    let component = Component {
        id: ComponentId::new(),
        kind: preset.kind.clone(),
        name,
        brand: validate::text("brand", new.brand.trim(), validate::MAX_NAME_CHARS)?,
        model: validate::text("model", new.model.trim(), validate::MAX_NAME_CHARS)?,
        notes: validate::text("notes", &new.notes, validate::MAX_NOTES_CHARS)?,
        purchase_cost_cents: validate::cents("purchase cost", new.purchase_cost_cents)?,
        initial: components::check_initial(&new.initial)?,
        retired: false,
        replaced_by: None,
    };
    let rules: Vec<NewRule> = if new.without_rules {
        Vec::new()
    } else {
        preset.rules.iter().map(NewRule::from).collect()
    };
    let now = store.now();
    let installed_at = match &new.installed_at {
        Some(when) => when.resolve("installation date", DateMeaning::Mounting, now)?,
        None => now,
    };
    let tx = store.write()?;
    components::save(&tx, &component, now)?;
    for rule in rules {
        rules::insert(&tx, &component.id, rule, now)?;
    }
    let on = match (&new.bike_id, &new.parent_id) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "mount a new part on a bike or on another part, not both",
            ))
        }
        (Some(bike), None) => Some(Mount::Bike(bike.clone())),
        (None, Some(parent)) => Some(Mount::Part(parent.clone())),
        (None, None) => None,
    };
    if let Some(on) = &on {
        installations::insert(&tx, &component.id, on, installed_at, None, now)?;
    }
    usage::refresh(
        &tx,
        usage::Scope::Components(std::slice::from_ref(&component.id)),
        now,
    )?;
    tx.commit()?;
    Ok(component)
}

/// A part that was mounted on a retired or replaced one, named for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct PartOnIt {
    pub id: ComponentId,
    pub name: String,
}

/// A retired part, and the parts that were on it and are now on the shelf.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Retired {
    #[serde(flatten)]
    pub component: Component,
    pub shelved: Vec<PartOnIt>,
}

/// The fresh part that replaced a worn one, and where the worn one's parts went.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Replaced {
    #[serde(flatten)]
    pub fresh: Component,
    /// Moved onto the fresh part (a new wheel takes the old one's tyre and cassette).
    pub moved: Vec<PartOnIt>,
    /// Taken off onto the shelf instead.
    pub shelved: Vec<PartOnIt>,
}

/// What happens to the parts mounted on a part being replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ItsParts {
    /// They go onto the fresh part at the same instant.
    #[default]
    Move,
    /// They come off onto the shelf.
    Shelve,
}

/// Takes a component out of service for good: it is unmounted at `at` and no longer reminded.
/// The parts mounted on it come off onto the shelf at `at` too (their wear before stays as it
/// was), so nothing is left riding on a retired part.
pub fn retire(store: &mut Store, id: &ComponentId, at: &When) -> Result<Retired> {
    store.atomically(|store| {
        let c = components::get(store, id)?;
        let now = store.now();
        let at = at.resolve("removal date", DateMeaning::Mounting, now)?;
        let tx = store.write()?;
        installations::close_open(&tx, id, at, now)?;
        let shelved = take_off_its_parts(&tx, &c, at, now)?;
        tx.execute(
            "UPDATE components SET retired = 1, updated_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        usage::refresh(&tx, usage::Scope::Components(std::slice::from_ref(id)), now)?;
        tx.commit()?;
        Ok(Retired {
            component: Component { retired: true, ..c },
            shelved,
        })
    })
}

/// Replaces a worn part: the old one is retired and a fresh one of the same kind, with the same
/// rules, is mounted where the old one was at `at`. The parts mounted on the old one move onto
/// the fresh one at `at`, or go to the shelf (`its_parts`).
pub fn replace(
    store: &mut Store,
    id: &ComponentId,
    at: &When,
    its_parts: ItsParts,
) -> Result<Replaced> {
    store.atomically(|store| {
        let old = components::get(store, id)?;
        if old.retired {
            return Err(Error::Conflict(format!(
                "\"{}\" is already retired; add a new component instead",
                old.name
            )));
        }
        let fresh = Component {
            id: ComponentId::new(),
            initial: InitialUsage::default(),
            purchase_cost_cents: None,
            replaced_by: None,
            notes: String::new(),
            ..old.clone()
        };
        let now = store.now();
        let at = at.resolve("replacement date", DateMeaning::Mounting, now)?;
        let tx = store.write()?;
        let bike = installations::close_open(&tx, id, at, now)?;
        components::save(&tx, &fresh, now)?;
        for rule in rules::list_for_component(&tx, id)? {
            rules::insert(&tx, &fresh.id, NewRule::from(&rule), now)?;
        }
        if let Some(on) = bike {
            installations::insert(&tx, &fresh.id, &on, at, None, now)?;
        }
        let off = take_off_its_parts(&tx, &old, at, now)?;
        let (moved, shelved) = match its_parts {
            ItsParts::Move => {
                let onto = Mount::Part(fresh.id.clone());
                for part in &off {
                    installations::insert(&tx, &part.id, &onto, at, None, now)?;
                }
                (off, Vec::new())
            }
            ItsParts::Shelve => (Vec::new(), off),
        };
        tx.execute(
            "UPDATE components SET retired = 1, replaced_by = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, fresh.id, now],
        )?;
        // The refresh follows both parts down to what is or was mounted on them.
        usage::refresh(
            &tx,
            usage::Scope::Components(&[id.clone(), fresh.id.clone()]),
            now,
        )?;
        tx.commit()?;
        Ok(Replaced {
            fresh,
            moved,
            shelved,
        })
    })
}

/// Ends, at `at`, the mountings of the parts directly on `part` (what they carry stays on
/// them). Refused when one went on at or after `at`: ending it then would leave it nowhere.
fn take_off_its_parts(
    tx: &Connection,
    part: &Component,
    at: Timestamp,
    now: Timestamp,
) -> Result<Vec<PartOnIt>> {
    let on_it = installations::on_it_now(tx, &part.id)?;
    if let Some(late) = on_it.iter().find(|p| p.since >= at) {
        return Err(Error::invalid(format!(
            "the date must be after {}, when \"{}\" was mounted on \"{}\"; pick a later date, or \
             take \"{}\" off first",
            late.since.local_date(),
            late.name,
            part.name,
            late.name
        )));
    }
    for p in &on_it {
        installations::close_open(tx, &p.id, at, now)?;
    }
    Ok(on_it
        .into_iter()
        .map(|p| PartOnIt {
            id: p.id,
            name: p.name,
        })
        .collect())
}

#[cfg(test)]
mod tests;
