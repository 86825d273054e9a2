//! Services: a rule's task marked done, which starts its counter again. A service can be undone
//! (deleted), which gives the rule back the wear it had.
//!
//! Each rule carries an epoch that moves whenever its anchor does: on every service and on the
//! deletion of its latest one. Reminders are keyed on it, so a service, or its undo, starts a new
//! round of reminders while back-dating an installation does not.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::garage::rules;
use crate::ids::{ComponentId, RuleId, ServiceId};
use crate::store::Store;
use crate::time::{DateMeaning, Timestamp, When};
use crate::validate;
use crate::wear::usage;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Service {
    pub id: ServiceId,
    pub rule_id: RuleId,
    pub done_at: Timestamp,
    pub cost_cents: Option<i64>,
    pub notes: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct NewService {
    /// Defaults to now. A date typed without a time means the end of that day, after its rides
    /// (see [`DateMeaning::Service`]).
    #[serde(default)]
    pub done_at: Option<When>,
    #[serde(default)]
    pub cost_cents: Option<i64>,
    #[serde(default)]
    pub notes: String,
}

/// Records that a rule's task was done; its counter starts again from `done_at`.
pub fn mark_done(store: &mut Store, id: &RuleId, new: NewService) -> Result<Service> {
    store.atomically(|store| {
        let rule = rules::get(store, id)?;
        let now = store.now();
        let done_at = match &new.done_at {
            Some(when) => when.resolve("service date", DateMeaning::Service, now)?,
            None => now,
        };
        let service = Service {
            id: ServiceId::new(),
            rule_id: id.clone(),
            done_at: validate::past("service date", done_at, now)?,
            cost_cents: validate::cents("cost", new.cost_cents)?,
            notes: validate::text("notes", &new.notes, validate::MAX_NOTES_CHARS)?,
        };
        let tx = store.write()?;
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
        // A fresh counter makes any snooze moot, and starts a new round of reminders.
        tx.execute(
            "UPDATE rules SET snoozed_until = NULL, snoozed_until_used = NULL, epoch = epoch + 1, updated_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        usage::refresh(
            &tx,
            usage::Scope::Components(std::slice::from_ref(&rule.component_id)),
            now,
        )?;
        tx.commit()?;
        Ok(service)
    })
}

/// What deleting a service changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Undone {
    pub service: Service,
    /// The rule's epoch afterwards; it moved when the deleted service was the latest one.
    pub epoch: i64,
}

/// Deletes a service (the "Undo" after Done): the rule's counter goes back to the service before
/// it, or to the installation if there was none. Deleting an older service changes no counter.
pub fn delete(store: &mut Store, id: &ServiceId) -> Result<Undone> {
    store.atomically(|store| {
        let service = get_in(&store.conn, id)?;
        let rule = rules::get(store, &service.rule_id)?;
        let was_latest = latest(&store.conn, &rule.id)?.as_ref() == Some(&service.id);
        let now = store.now();
        let tx = store.write()?;
        tx.execute(
            "UPDATE services SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        if was_latest {
            tx.execute(
                "UPDATE rules SET epoch = epoch + 1, updated_at = ?2 WHERE id = ?1",
                params![rule.id, now],
            )?;
        }
        usage::refresh(
            &tx,
            usage::Scope::Components(std::slice::from_ref(&rule.component_id)),
            now,
        )?;
        tx.commit()?;
        let epoch = rules::get(store, &rule.id)?.epoch;
        Ok(Undone { service, epoch })
    })
}

/// Brings back a deleted service (the "Undo" after deleting one from a part's history): the
/// rule's counter starts from it again if it is the latest, and a new round of reminders starts.
pub fn restore(store: &mut Store, id: &ServiceId) -> Result<Service> {
    store.atomically(|store| {
        let rule_id: RuleId = store
            .conn
            .query_row(
                "SELECT rule_id FROM services WHERE id = ?1 AND deleted_at IS NOT NULL",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound {
                kind: "deleted service",
                id: id.to_string(),
                list: "services RULE_ID",
            })?;
        let rule = rules::get(store, &rule_id)?;
        let now = store.now();
        let tx = store.write()?;
        tx.execute(
            "UPDATE services SET deleted_at = NULL, updated_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        if latest(&tx, &rule.id)?.as_ref() == Some(id) {
            tx.execute(
                "UPDATE rules SET epoch = epoch + 1, updated_at = ?2 WHERE id = ?1",
                params![rule.id, now],
            )?;
        }
        usage::refresh(
            &tx,
            usage::Scope::Components(std::slice::from_ref(&rule.component_id)),
            now,
        )?;
        tx.commit()?;
        get(store, id)
    })
}

/// The service that anchors a rule's counter: the latest by date (ties: the one made last).
pub(crate) fn latest(conn: &Connection, rule: &RuleId) -> Result<Option<ServiceId>> {
    Ok(conn
        .query_row(
            "SELECT id FROM services WHERE rule_id = ?1 AND deleted_at IS NULL
             ORDER BY done_at DESC, id DESC LIMIT 1",
            [rule],
            |r| r.get(0),
        )
        .optional()?)
}

const COLUMNS: &str = "id, rule_id, done_at, cost_cents, notes";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Service> {
    Ok(Service {
        id: r.get(0)?,
        rule_id: r.get(1)?,
        done_at: r.get(2)?,
        cost_cents: r.get(3)?,
        notes: r.get(4)?,
    })
}

pub fn get(store: &Store, id: &ServiceId) -> Result<Service> {
    get_in(&store.conn, id)
}

fn get_in(conn: &Connection, id: &ServiceId) -> Result<Service> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM services WHERE id = ?1 AND deleted_at IS NULL"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        kind: "service",
        id: id.to_string(),
        list: "services RULE_ID",
    })
}

/// Every service done on a component's rules (a rule deleted since included), newest first: the
/// part's service history.
pub fn list_for_component(store: &Store, component: &ComponentId) -> Result<Vec<Service>> {
    crate::garage::components::get(store, component)?;
    let cols: String = COLUMNS
        .split(',')
        .map(|c| format!("s.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = store.conn.prepare(&format!(
        "SELECT {cols} FROM services s JOIN rules r ON r.id = s.rule_id
         WHERE r.component_id = ?1 AND s.deleted_at IS NULL
         ORDER BY s.done_at DESC, s.id DESC"
    ))?;
    let rows = stmt.query_map([component], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The services of a rule, newest first.
pub fn list(store: &Store, rule: &RuleId) -> Result<Vec<Service>> {
    rules::get(store, rule)?;
    let mut stmt = store.conn.prepare(&format!(
        "SELECT {COLUMNS} FROM services WHERE rule_id = ?1 AND deleted_at IS NULL
         ORDER BY done_at DESC, id DESC"
    ))?;
    let rows = stmt.query_map([rule], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
