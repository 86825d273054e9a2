//! Service intervals on components, and snoozing them. Marking one done lives in `services`;
//! where each stands now is the wear engine's (`wear::evaluation`).

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::garage::components;
use crate::garage::presets::PresetRule;
use crate::ids::{ComponentId, RuleId};
use crate::settings;
use crate::store::Store;
use crate::time::Timestamp;
use crate::validate;
use crate::wear::metric::{ActivityFilter, Metric};
use crate::wear::usage;

pub use crate::settings::DEFAULT_WARN_FRACTION;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Rule {
    pub id: RuleId,
    pub component_id: ComponentId,
    pub task: String,
    pub metric: Metric,
    /// In the metric's SI unit (metres, seconds, rides, metres, kJ, days).
    pub interval: f64,
    pub warn_fraction: f64,
    pub repeat: bool,
    pub filter: ActivityFilter,
    pub snoozed_until: Option<Timestamp>,
    /// Quiet until the rule's usage reaches this (its metric, SI): "200 km more".
    pub snoozed_until_used: Option<f64>,
    /// Moves on every service and on the undo of the latest one; reminders are keyed on it.
    pub epoch: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct NewRule {
    pub task: String,
    pub metric: Metric,
    pub interval: f64,
    #[serde(default)]
    pub warn_fraction: Option<f64>,
    #[serde(default)]
    pub repeat: bool,
    #[serde(default)]
    pub filter: ActivityFilter,
}

impl From<&PresetRule> for NewRule {
    fn from(p: &PresetRule) -> Self {
        NewRule {
            task: p.task.clone(),
            metric: p.metric,
            interval: p.interval,
            warn_fraction: None,
            repeat: p.repeat,
            filter: p.filter,
        }
    }
}

impl From<&Rule> for NewRule {
    fn from(r: &Rule) -> Self {
        NewRule {
            task: r.task.clone(),
            metric: r.metric,
            interval: r.interval,
            warn_fraction: Some(r.warn_fraction),
            repeat: r.repeat,
            filter: r.filter,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct RulePatch {
    pub task: Option<String>,
    pub interval: Option<f64>,
    pub warn_fraction: Option<f64>,
    pub repeat: Option<bool>,
    pub filter: Option<ActivityFilter>,
}

/// The warn fraction a rule gets when it is added without one, by any path (the window, `rule
/// add`, a preset's rules): this device's setting (Settings → default warning point), read from
/// `settings.json` in the data folder, beside the database file. A garage with no file (in
/// memory) has no settings: 0.8. A settings file that cannot be read, or holds a fraction no rule
/// may have, gives 0.8 too, with a warning: a damaged settings file must not stop a rider adding
/// a part (the settings screen says what is wrong with it).
fn default_warn_fraction(conn: &Connection) -> f64 {
    let Some(dir) = conn
        .path()
        .filter(|p| !p.is_empty())
        .and_then(|p| Path::new(p).parent())
    else {
        return DEFAULT_WARN_FRACTION;
    };
    match settings::load(dir) {
        Ok(s) if validate::fraction("warn fraction", s.default_warn_fraction).is_ok() => {
            s.default_warn_fraction
        }
        Ok(s) => {
            tracing::warn!(
                fraction = s.default_warn_fraction,
                "the default warning point in settings.json is out of range; using 0.8"
            );
            DEFAULT_WARN_FRACTION
        }
        Err(e) => {
            tracing::warn!("could not read the default warning point ({e}); using 0.8");
            DEFAULT_WARN_FRACTION
        }
    }
}

pub(crate) fn insert(
    tx: &Connection,
    component: &ComponentId,
    new: NewRule,
    now: Timestamp,
) -> Result<Rule> {
    let rule = Rule {
        id: RuleId::new(),
        component_id: component.clone(),
        task: validate::name("task", &new.task)?,
        metric: new.metric,
        interval: validate::positive("interval", new.interval)?,
        warn_fraction: validate::fraction(
            "warn fraction",
            match new.warn_fraction {
                Some(w) => w,
                None => default_warn_fraction(tx),
            },
        )?,
        repeat: new.repeat,
        filter: new.filter,
        snoozed_until: None,
        snoozed_until_used: None,
        epoch: 0,
    };
    tx.execute(
        "INSERT INTO rules (id, component_id, task, metric, interval, warn_fraction, repeat, filter, epoch, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?9)",
        params![rule.id, rule.component_id, rule.task, rule.metric, rule.interval, rule.warn_fraction, rule.repeat, rule.filter, now],
    )?;
    Ok(rule)
}

pub fn add(store: &mut Store, component: &ComponentId, new: NewRule) -> Result<Rule> {
    store.atomically(|store| {
        components::get(store, component)?;
        let now = store.now();
        let tx = store.write()?;
        let rule = insert(&tx, component, new, now)?;
        usage::refresh(
            &tx,
            usage::Scope::Components(std::slice::from_ref(component)),
            now,
        )?;
        tx.commit()?;
        Ok(rule)
    })
}

pub fn edit(store: &mut Store, id: &RuleId, patch: RulePatch) -> Result<Rule> {
    store.atomically(|store| {
        let mut rule = get(store, id)?;
        if let Some(t) = patch.task {
            rule.task = validate::name("task", &t)?;
        }
        if let Some(i) = patch.interval {
            rule.interval = validate::positive("interval", i)?;
        }
        if let Some(w) = patch.warn_fraction {
            rule.warn_fraction = validate::fraction("warn fraction", w)?;
        }
        if let Some(r) = patch.repeat {
            rule.repeat = r;
        }
        if let Some(f) = patch.filter {
            rule.filter = f;
        }
        let now = store.now();
        let tx = store.write()?;
        tx.execute(
            "UPDATE rules SET task = ?2, interval = ?3, warn_fraction = ?4, repeat = ?5, filter = ?6, updated_at = ?7
             WHERE id = ?1",
            params![rule.id, rule.task, rule.interval, rule.warn_fraction, rule.repeat, rule.filter, now],
        )?;
        usage::refresh(
            &tx,
            usage::Scope::Components(std::slice::from_ref(&rule.component_id)),
            now,
        )?;
        tx.commit()?;
        Ok(rule)
    })
}

pub fn delete(store: &mut Store, id: &RuleId) -> Result<()> {
    store.atomically(|store| {
        get(store, id)?;
        let now = store.now();
        let tx = store.write()?;
        tx.execute(
            "UPDATE rules SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        tx.execute("DELETE FROM rule_usage WHERE rule_id = ?1", [id])?;
        tx.commit()?;
        Ok(())
    })
}

/// Quiets a rule's reminders until `until` (None: no time limit); its state is still shown
/// truthfully. When the snooze runs out the rider is reminded once more if still due.
pub fn snooze(store: &mut Store, id: &RuleId, until: Option<Timestamp>) -> Result<Rule> {
    store.atomically(|store| {
        let until = until
            .map(|u| validate::instant("snooze date", u))
            .transpose()?;
        let mut rule = get(store, id)?;
        rule.snoozed_until = until;
        store.conn.execute(
            "UPDATE rules SET snoozed_until = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, until, store.now()],
        )?;
        Ok(rule)
    })
}

/// Quiets a rule's reminders for `more` of further use in its metric (SI: metres, seconds, …),
/// counted from its usage now; None removes that snooze. A calendar rule is snoozed by date.
pub fn snooze_for_use(store: &mut Store, id: &RuleId, more: Option<f64>) -> Result<Rule> {
    store.atomically(|store| {
        let mut rule = get(store, id)?;
        let until_used = match more {
            None => None,
            Some(more) => {
                let more = validate::positive("further use", more)?;
                if rule.metric == Metric::Days {
                    return Err(Error::invalid(
                        "this rule counts calendar days; snooze it for a number of days instead",
                    ));
                }
                let used = crate::wear::statuses(store)?
                    .into_iter()
                    .find(|s| s.rule_id == rule.id)
                    .map_or(0.0, |s| s.used);
                Some(used + more)
            }
        };
        rule.snoozed_until_used = until_used;
        store.conn.execute(
            "UPDATE rules SET snoozed_until_used = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, until_used, store.now()],
        )?;
        Ok(rule)
    })
}

const COLUMNS: &str = "id, component_id, task, metric, interval, warn_fraction, repeat, filter, snoozed_until, epoch, snoozed_until_used";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Rule> {
    Ok(Rule {
        id: r.get(0)?,
        component_id: r.get(1)?,
        task: r.get(2)?,
        metric: r.get(3)?,
        interval: r.get(4)?,
        warn_fraction: r.get(5)?,
        repeat: r.get(6)?,
        filter: r.get(7)?,
        snoozed_until: r.get(8)?,
        epoch: r.get(9)?,
        snoozed_until_used: r.get(10)?,
    })
}

pub fn get(store: &Store, id: &RuleId) -> Result<Rule> {
    get_in(&store.conn, id)
}

pub(crate) fn get_in(conn: &Connection, id: &RuleId) -> Result<Rule> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM rules WHERE id = ?1 AND deleted_at IS NULL"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        kind: "rule",
        id: id.to_string(),
        list: "due",
    })
}

/// The rules of one component, oldest first.
pub fn list(store: &Store, component: &ComponentId) -> Result<Vec<Rule>> {
    list_for_component(&store.conn, component)
}

pub(crate) fn list_for_component(conn: &Connection, component: &ComponentId) -> Result<Vec<Rule>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM rules WHERE component_id = ?1 AND deleted_at IS NULL ORDER BY id"
    ))?;
    let rows = stmt.query_map([component], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
