//! Service intervals on components, marking them done, snoozing, and their current state.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::components;
use crate::error::{Error, Result};
use crate::ids::{BikeId, ComponentId, RuleId, ServiceId};
use crate::metric::{ActivityFilter, Metric};
use crate::presets::PresetRule;
use crate::store::Store;
use crate::time::{Timestamp, MS_PER_DAY};
use crate::usage;
use crate::validate;

pub const DEFAULT_WARN_FRACTION: f64 = 0.8;

#[derive(Debug, Clone, PartialEq, Serialize)]
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
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
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
pub struct RulePatch {
    pub task: Option<String>,
    pub interval: Option<f64>,
    pub warn_fraction: Option<f64>,
    pub repeat: Option<bool>,
    pub filter: Option<ActivityFilter>,
}

pub(crate) fn insert(tx: &Connection, component: &ComponentId, new: NewRule) -> Result<Rule> {
    let rule = Rule {
        id: RuleId::new(),
        component_id: component.clone(),
        task: validate::name("task", &new.task)?,
        metric: new.metric,
        interval: validate::positive("interval", new.interval)?,
        warn_fraction: validate::fraction(
            "warn fraction",
            new.warn_fraction.unwrap_or(DEFAULT_WARN_FRACTION),
        )?,
        repeat: new.repeat,
        filter: new.filter,
        snoozed_until: None,
    };
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO rules (id, component_id, task, metric, interval, warn_fraction, repeat, filter, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![rule.id, rule.component_id, rule.task, rule.metric, rule.interval, rule.warn_fraction, rule.repeat, rule.filter, now],
    )?;
    Ok(rule)
}

pub fn add(store: &mut Store, component: &ComponentId, new: NewRule) -> Result<Rule> {
    store.atomically(|store| {
        components::get(store, component)?;
        let tx = store.write()?;
        let rule = insert(&tx, component, new)?;
        usage::refresh(
            &tx,
            usage::Scope::Components(std::slice::from_ref(component)),
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
        let tx = store.write()?;
        tx.execute(
            "UPDATE rules SET task = ?2, interval = ?3, warn_fraction = ?4, repeat = ?5, filter = ?6, updated_at = ?7
             WHERE id = ?1",
            params![rule.id, rule.task, rule.interval, rule.warn_fraction, rule.repeat, rule.filter, Timestamp::now()],
        )?;
        usage::refresh(
            &tx,
            usage::Scope::Components(std::slice::from_ref(&rule.component_id)),
        )?;
        tx.commit()?;
        Ok(rule)
    })
}

pub fn delete(store: &mut Store, id: &RuleId) -> Result<()> {
    store.atomically(|store| {
        get(store, id)?;
        let tx = store.write()?;
        tx.execute(
            "UPDATE rules SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1",
            params![id, Timestamp::now()],
        )?;
        tx.execute("DELETE FROM rule_usage WHERE rule_id = ?1", [id])?;
        tx.commit()?;
        Ok(())
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub id: ServiceId,
    pub rule_id: RuleId,
    pub done_at: Timestamp,
    pub cost_cents: Option<i64>,
    pub notes: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewService {
    /// Defaults to now.
    #[serde(default)]
    pub done_at: Option<Timestamp>,
    #[serde(default)]
    pub cost_cents: Option<i64>,
    #[serde(default)]
    pub notes: String,
}

/// Records that a rule's task was done; its counter starts again from `done_at`.
pub fn mark_done(store: &mut Store, id: &RuleId, new: NewService) -> Result<Service> {
    store.atomically(|store| {
        let rule = get(store, id)?;
        let service = Service {
            id: ServiceId::new(),
            rule_id: id.clone(),
            done_at: validate::past(
                "service date",
                new.done_at.unwrap_or_else(Timestamp::now),
                Timestamp::now(),
            )?,
            cost_cents: validate::cents("cost", new.cost_cents)?,
            notes: validate::text("notes", &new.notes, validate::MAX_NOTES_CHARS)?,
        };
        let tx = store.write()?;
        let now = Timestamp::now();
        tx.execute(
            "INSERT INTO services (id, rule_id, done_at, cost_cents, notes, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                service.id,
                service.rule_id,
                service.done_at,
                service.cost_cents,
                service.notes,
                now
            ],
        )?;
        // A fresh counter makes any snooze moot.
        tx.execute(
            "UPDATE rules SET snoozed_until = NULL, updated_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        usage::refresh(
            &tx,
            usage::Scope::Components(std::slice::from_ref(&rule.component_id)),
        )?;
        tx.commit()?;
        Ok(service)
    })
}

/// Quiets a rule's reminders until `until`; its state is still shown truthfully.
pub fn snooze(store: &mut Store, id: &RuleId, until: Option<Timestamp>) -> Result<Rule> {
    store.atomically(|store| {
        let until = until
            .map(|u| validate::instant("snooze date", u))
            .transpose()?;
        let mut rule = get(store, id)?;
        rule.snoozed_until = until;
        store.conn.execute(
            "UPDATE rules SET snoozed_until = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, until, Timestamp::now()],
        )?;
        Ok(rule)
    })
}

pub fn services(store: &Store, id: &RuleId) -> Result<Vec<Service>> {
    let mut stmt = store.conn.prepare(
        "SELECT id, rule_id, done_at, cost_cents, notes FROM services
         WHERE rule_id = ?1 AND deleted_at IS NULL ORDER BY done_at DESC",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(Service {
            id: r.get(0)?,
            rule_id: r.get(1)?,
            done_at: r.get(2)?,
            cost_cents: r.get(3)?,
            notes: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const COLUMNS: &str =
    "id, component_id, task, metric, interval, warn_fraction, repeat, filter, snoozed_until";

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
    })
}

pub fn get(store: &Store, id: &RuleId) -> Result<Rule> {
    store
        .conn
        .query_row(
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Ok,
    DueSoon,
    Due,
}

impl State {
    pub fn of(used: f64, interval: f64, warn_fraction: f64) -> State {
        if used >= interval {
            State::Due
        } else if used >= warn_fraction * interval {
            State::DueSoon
        } else {
            State::Ok
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::DueSoon => "due_soon",
            State::Due => "due",
        }
    }
}

/// Where a rule stands now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleStatus {
    pub rule_id: RuleId,
    pub component_id: ComponentId,
    pub component: String,
    pub component_kind: String,
    pub bike_id: Option<BikeId>,
    pub bike: Option<String>,
    pub task: String,
    pub metric: Metric,
    pub interval: f64,
    pub used: f64,
    /// Negative once overdue.
    pub remaining: f64,
    pub fraction: f64,
    pub state: State,
    pub warn_fraction: f64,
    pub repeat: bool,
    pub filter: ActivityFilter,
    /// How many whole intervals have passed since the anchor (drives repeat reminders).
    pub cycle: u32,
    pub snoozed_until: Option<Timestamp>,
    pub last_service_at: Option<Timestamp>,
}

/// The state of every rule on every component in service (not retired, not on a retired bike),
/// most worn first.
/// Reads one precomputed usage row per rule: no ride is scanned here.
pub fn statuses(store: &Store, now: Timestamp) -> Result<Vec<RuleStatus>> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT r.id, r.component_id, c.name, c.kind, b.id, b.name, r.task, r.metric, r.interval, r.warn_fraction,
                r.repeat, r.filter, r.snoozed_until, u.used, u.anchor_at, u.serviced, c.initial_days
         FROM rules r
         JOIN components c ON c.id = r.component_id AND c.deleted_at IS NULL AND c.retired = 0
         JOIN rule_usage u ON u.rule_id = r.id
         LEFT JOIN installations i ON i.component_id = c.id AND i.removed_at IS NULL AND i.deleted_at IS NULL
         LEFT JOIN bikes b ON b.id = i.bike_id
         -- Parts still on a retired (sold, stolen) bike left with it: no more reminders.
         WHERE r.deleted_at IS NULL AND (b.id IS NULL OR b.retired = 0)",
    )?;
    let rows = stmt.query_map([], |r| {
        let metric: Metric = r.get(7)?;
        let interval: f64 = r.get(8)?;
        let warn_fraction: f64 = r.get(9)?;
        let anchor_at: Option<Timestamp> = r.get(14)?;
        let serviced: bool = r.get(15)?;
        let used = match metric {
            Metric::Days => days_used(now, anchor_at, serviced, r.get(16)?),
            _ => r.get(13)?,
        };
        let fraction = used / interval;
        Ok(RuleStatus {
            rule_id: r.get(0)?,
            component_id: r.get(1)?,
            component: r.get(2)?,
            component_kind: r.get(3)?,
            bike_id: r.get(4)?,
            bike: r.get(5)?,
            task: r.get(6)?,
            metric,
            interval,
            used,
            remaining: interval - used,
            fraction,
            state: State::of(used, interval, warn_fraction),
            warn_fraction,
            repeat: r.get(10)?,
            filter: r.get(11)?,
            cycle: fraction.floor().clamp(0.0, f64::from(u32::MAX)) as u32,
            snoozed_until: r.get(12)?,
            last_service_at: if serviced { anchor_at } else { None },
        })
    })?;
    let mut out: Vec<RuleStatus> = rows.collect::<rusqlite::Result<_>>()?;
    out.sort_by(|a, b| {
        b.fraction
            .total_cmp(&a.fraction)
            .then_with(|| a.component.cmp(&b.component))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    Ok(out)
}

/// Calendar age: days since the anchor, plus the part's age when it arrived if never serviced.
pub fn days_used(
    now: Timestamp,
    anchor_at: Option<Timestamp>,
    serviced: bool,
    initial_days: f64,
) -> f64 {
    let offset = if serviced { 0.0 } else { initial_days };
    let elapsed = anchor_at.map_or(0.0, |a| {
        now.millis().saturating_sub(a.millis()).max(0) as f64 / MS_PER_DAY as f64
    });
    offset + elapsed
}
