//! Where a component is mounted, over time: `[installed_at, removed_at)` on one bike or on one
//! other component (a tyre on a wheel, a wheel on a bike). A component's intervals never overlap;
//! back-dated intervals are fine as long as they fit. A part may go on a parent that is itself on
//! the shelf, never on itself through its own children (see `wear::mounts` for how a part's bike
//! is found through its parents).

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::garage::{bikes, components};
use crate::ids::{BikeId, ComponentId, InstallationId};
use crate::store::Store;
use crate::time::{DateMeaning, Timestamp, When};
use crate::validate;
use crate::wear::{mounts, usage};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Installation {
    pub id: InstallationId,
    pub component_id: ComponentId,
    /// The bike it is mounted on directly; None when it is mounted on a part.
    pub bike_id: Option<BikeId>,
    /// The part it is mounted on (a wheel); None when it is mounted on a bike.
    pub parent_id: Option<ComponentId>,
    pub installed_at: Timestamp,
    pub removed_at: Option<Timestamp>,
}

impl Installation {
    pub fn mount(&self) -> Option<Mount> {
        match (&self.bike_id, &self.parent_id) {
            (Some(b), _) => Some(Mount::Bike(b.clone())),
            (None, Some(p)) => Some(Mount::Part(p.clone())),
            (None, None) => None,
        }
    }
}

/// What a component is mounted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mount {
    Bike(BikeId),
    Part(ComponentId),
}

impl Mount {
    fn columns(&self) -> (Option<&BikeId>, Option<&ComponentId>) {
        match self {
            Mount::Bike(b) => (Some(b), None),
            Mount::Part(p) => (None, Some(p)),
        }
    }
}

/// Mounts a component on a bike from `from` (until `until`, or open-ended). Dates typed without
/// a time mean the start of that day (see [`DateMeaning::Mounting`]).
pub fn install(
    store: &mut Store,
    component: &ComponentId,
    bike: &BikeId,
    from: &When,
    until: Option<&When>,
) -> Result<Installation> {
    install_on(store, component, &Mount::Bike(bike.clone()), from, until)
}

/// Mounts a component on a bike or on another component from `from` (until `until`, or
/// open-ended).
pub fn install_on(
    store: &mut Store,
    component: &ComponentId,
    on: &Mount,
    from: &When,
    until: Option<&When>,
) -> Result<Installation> {
    let now = store.now();
    let from = from.resolve("installation date", DateMeaning::Mounting, now)?;
    let until = until
        .map(|u| u.resolve("removal date", DateMeaning::Mounting, now))
        .transpose()?;
    let tx = store.write()?;
    let inst = insert(&tx, component, on, from, until, now)?;
    usage::refresh(
        &tx,
        usage::Scope::Components(std::slice::from_ref(component)),
        now,
    )?;
    tx.commit()?;
    Ok(inst)
}

/// Takes a component off its bike or part at `at`; it stays in the garage, on the shelf, with
/// whatever is mounted on it.
pub fn remove(store: &mut Store, component: &ComponentId, at: &When) -> Result<Mount> {
    store.atomically(|store| {
        components::get(store, component)?;
        let now = store.now();
        let at = at.resolve("removal date", DateMeaning::Mounting, now)?;
        let tx = store.write()?;
        let bike = close_open(&tx, component, at, now)?.ok_or_else(|| {
            Error::Conflict(
                "that component is not mounted on any bike or part; install it first".to_owned(),
            )
        })?;
        usage::refresh(
            &tx,
            usage::Scope::Components(std::slice::from_ref(component)),
            now,
        )?;
        tx.commit()?;
        Ok(bike)
    })
}

/// Moves a component to another bike at `at`: closes one installation and opens the next.
pub fn move_to(
    store: &mut Store,
    component: &ComponentId,
    bike: &BikeId,
    at: &When,
) -> Result<Installation> {
    move_onto(store, component, &Mount::Bike(bike.clone()), at)
}

/// Moves a component onto another bike or part at `at`; what is mounted on it goes along.
pub fn move_onto(
    store: &mut Store,
    component: &ComponentId,
    on: &Mount,
    at: &When,
) -> Result<Installation> {
    store.atomically(|store| {
        components::get(store, component)?;
        let now = store.now();
        let at = at.resolve("move date", DateMeaning::Mounting, now)?;
        let tx = store.write()?;
        close_open(&tx, component, at, now)?.ok_or_else(|| {
            Error::Conflict(
                "that component is not mounted on any bike or part; use install instead of move"
                    .to_owned(),
            )
        })?;
        let inst = insert(&tx, component, on, at, None, now)?;
        usage::refresh(
            &tx,
            usage::Scope::Components(std::slice::from_ref(component)),
            now,
        )?;
        tx.commit()?;
        Ok(inst)
    })
}

pub(crate) fn insert(
    tx: &Connection,
    component: &ComponentId,
    on: &Mount,
    from: Timestamp,
    until: Option<Timestamp>,
    now: Timestamp,
) -> Result<Installation> {
    let retired: bool = tx
        .query_row(
            "SELECT retired FROM components WHERE id = ?1 AND deleted_at IS NULL",
            [component],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| components::not_found(component))?;
    if retired {
        return Err(Error::Conflict(
            "that component is retired; add a new one instead of installing it".to_owned(),
        ));
    }
    check_mount(tx, on)?;
    let from = validate::past("installation date", from, now)?;
    let until = until
        .map(|u| validate::past("removal date", u, now))
        .transpose()?;
    if let Some(until) = until {
        if until <= from {
            return Err(Error::invalid(
                "the removal date must be after the installation date",
            ));
        }
    }
    if let Mount::Part(parent) = on {
        if mounts::would_cycle(
            tx,
            component,
            parent,
            from.0,
            until.map_or(i64::MAX, |u| u.0),
        )? {
            return Err(Error::Conflict(
                "that would mount the part on itself: the other part is on it (directly or through \
                 other parts) then; take that one off first, or mount both on something else"
                    .to_owned(),
            ));
        }
    }
    // Intervals [a, b) and [c, d) overlap when a < d and c < b (open ends are +infinity).
    let clash: Option<(String, Timestamp, Option<Timestamp>)> = tx
        .query_row(
            "SELECT COALESCE(b.name, p.name, '?'), i.installed_at, i.removed_at FROM installations i
             LEFT JOIN bikes b ON b.id = i.bike_id LEFT JOIN components p ON p.id = i.parent_id
             WHERE i.component_id = ?1 AND i.deleted_at IS NULL
               AND i.installed_at < COALESCE(?3, 9223372036854775807)
               AND ?2 < COALESCE(i.removed_at, 9223372036854775807)
             LIMIT 1",
            params![component, from, until],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((bike_name, since, till)) = clash {
        let span = match till {
            Some(t) => format!("from {} to {}", since.local_date(), t.local_date()),
            None => format!("since {}", since.local_date()),
        };
        return Err(Error::Conflict(format!(
            "that component is already on \"{bike_name}\" {span}; remove or move it first, or pick dates outside that span"
        )));
    }
    let (bike, parent) = on.columns();
    let inst = Installation {
        id: InstallationId::new(),
        component_id: component.clone(),
        bike_id: bike.cloned(),
        parent_id: parent.cloned(),
        installed_at: from,
        removed_at: until,
    };
    tx.execute(
        "INSERT INTO installations (id, component_id, bike_id, parent_id, installed_at, removed_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![inst.id, inst.component_id, inst.bike_id, inst.parent_id, inst.installed_at, inst.removed_at, now],
    )?;
    Ok(inst)
}

/// A bike or a part a component may go on: it exists and is in use. A parent on the shelf is
/// fine (a wheel being fitted with tyres before it goes on a bike).
fn check_mount(tx: &Connection, on: &Mount) -> Result<()> {
    match on {
        Mount::Bike(bike) => {
            let retired: bool = tx
                .query_row(
                    "SELECT retired FROM bikes WHERE id = ?1 AND deleted_at IS NULL",
                    [bike],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| bikes::not_found(bike))?;
            if retired {
                return Err(Error::Conflict(
                    "that bike is retired; mount the part on a bike in use, or bring the bike back into use first"
                        .to_owned(),
                ));
            }
        }
        Mount::Part(parent) => {
            let retired: bool = tx
                .query_row(
                    "SELECT retired FROM components WHERE id = ?1 AND deleted_at IS NULL",
                    [parent],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| components::not_found(parent))?;
            if retired {
                return Err(Error::Conflict(
                    "that part is retired; mount this one on a part in use".to_owned(),
                ));
            }
        }
    }
    Ok(())
}

/// Closes the open installation at `at`, returning what it was on (None if on the shelf).
pub(crate) fn close_open(
    tx: &Connection,
    component: &ComponentId,
    at: Timestamp,
    now: Timestamp,
) -> Result<Option<Mount>> {
    let open: Option<(
        InstallationId,
        Option<BikeId>,
        Option<ComponentId>,
        Timestamp,
    )> = tx
        .query_row(
            "SELECT id, bike_id, parent_id, installed_at FROM installations
             WHERE component_id = ?1 AND removed_at IS NULL AND deleted_at IS NULL",
            [component],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((id, bike, parent, since)) = open else {
        return Ok(None);
    };
    let on = match (bike, parent) {
        (Some(b), _) => Mount::Bike(b),
        (None, Some(p)) => Mount::Part(p),
        (None, None) => return Ok(None),
    };
    let at = validate::past("removal date", at, now)?;
    if at <= since {
        return Err(Error::invalid(format!(
            "the removal date must be after the installation date ({})",
            since.local_date()
        )));
    }
    tx.execute(
        "UPDATE installations SET removed_at = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, at, now],
    )?;
    Ok(Some(on))
}

/// A part mounted directly on another one now: its id, its name and since when.
pub(crate) struct OnIt {
    pub(crate) id: ComponentId,
    pub(crate) name: String,
    pub(crate) since: Timestamp,
}

/// The parts mounted directly on `parent` now (open installations), oldest mounting first.
pub(crate) fn on_it_now(tx: &Connection, parent: &ComponentId) -> Result<Vec<OnIt>> {
    let mut stmt = tx.prepare_cached(
        "SELECT c.id, c.name, i.installed_at FROM installations i JOIN components c ON c.id = i.component_id
         WHERE i.parent_id = ?1 AND i.removed_at IS NULL AND i.deleted_at IS NULL AND c.deleted_at IS NULL
         ORDER BY i.installed_at, c.name COLLATE NOCASE, c.id",
    )?;
    let rows = stmt.query_map([parent], |r| {
        Ok(OnIt {
            id: r.get(0)?,
            name: r.get(1)?,
            since: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every installation of a component, oldest first.
pub fn history(store: &Store, component: &ComponentId) -> Result<Vec<Installation>> {
    let mut stmt = store.conn.prepare(
        "SELECT id, component_id, bike_id, parent_id, installed_at, removed_at FROM installations
         WHERE component_id = ?1 AND deleted_at IS NULL ORDER BY installed_at",
    )?;
    let rows = stmt.query_map([component], |r| {
        Ok(Installation {
            id: r.get(0)?,
            component_id: r.get(1)?,
            bike_id: r.get(2)?,
            parent_id: r.get(3)?,
            installed_at: r.get(4)?,
            removed_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Components on `bike` at instant `at`, directly or through parts mounted there: those whose
/// wear a ride then changes.
pub(crate) fn mounted_at(
    conn: &Connection,
    bike: &BikeId,
    at: Timestamp,
) -> Result<Vec<ComponentId>> {
    mounts::on_bike_at(conn, bike, at.0)
}
