//! Components: parts with their own wear history. Where a component is mounted lives in
//! `installations`; adding one with its preset's rules, retiring and replacing are jobs of the
//! `workshop`.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{BikeId, ComponentId};
use crate::store::Store;
use crate::time::{Timestamp, When};
use crate::validate;
use crate::wear::usage;

/// Usage a second-hand part already had when it joined the garage, in SI units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default)]
pub struct InitialUsage {
    pub distance_m: f64,
    pub moving_time_s: f64,
    pub rides: f64,
    pub elevation_m: f64,
    pub energy_kj: f64,
    pub days: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Component {
    pub id: ComponentId,
    pub kind: String,
    pub name: String,
    pub brand: String,
    pub model: String,
    pub notes: String,
    pub purchase_cost_cents: Option<i64>,
    pub initial: InitialUsage,
    pub retired: bool,
    pub replaced_by: Option<ComponentId>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct NewComponent {
    /// A preset kind (`chain`, `fork`, …) or `custom`.
    pub kind: String,
    /// Defaults to the preset's label.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub brand: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub purchase_cost_cents: Option<i64>,
    #[serde(default)]
    pub initial: InitialUsage,
    /// Mount it at once on this bike.
    #[serde(default)]
    pub bike_id: Option<BikeId>,
    /// Or mount it at once on this part (a tyre on a wheel).
    #[serde(default)]
    pub parent_id: Option<ComponentId>,
    /// When it was mounted (defaults to now); may be in the past.
    #[serde(default)]
    pub installed_at: Option<When>,
    /// Skip the preset's default rules.
    #[serde(default)]
    pub without_rules: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct ComponentPatch {
    pub name: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub notes: Option<String>,
    pub purchase_cost_cents: Option<Option<i64>>,
    pub initial: Option<InitialUsage>,
}

pub(crate) fn check_initial(i: &InitialUsage) -> Result<InitialUsage> {
    Ok(InitialUsage {
        distance_m: validate::non_negative("starting distance", i.distance_m)?,
        moving_time_s: validate::non_negative("starting moving time", i.moving_time_s)?,
        rides: validate::non_negative("starting ride count", i.rides)?,
        elevation_m: validate::non_negative("starting elevation", i.elevation_m)?,
        energy_kj: validate::non_negative("starting energy", i.energy_kj)?,
        days: validate::non_negative("starting age in days", i.days)?,
    })
}

/// Writes a component: inserted when new, every field but its identity updated when it exists.
pub(crate) fn save(tx: &Connection, c: &Component, now: Timestamp) -> Result<()> {
    tx.execute(
        "INSERT INTO components (id, kind, name, brand, model, notes, purchase_cost_cents,
            initial_distance_m, initial_moving_time_s, initial_rides, initial_elevation_m, initial_energy_kj,
            initial_days, retired, replaced_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, brand = excluded.brand, model = excluded.model,
            notes = excluded.notes, purchase_cost_cents = excluded.purchase_cost_cents,
            initial_distance_m = excluded.initial_distance_m, initial_moving_time_s = excluded.initial_moving_time_s,
            initial_rides = excluded.initial_rides, initial_elevation_m = excluded.initial_elevation_m,
            initial_energy_kj = excluded.initial_energy_kj, initial_days = excluded.initial_days,
            retired = excluded.retired, replaced_by = excluded.replaced_by, updated_at = excluded.updated_at",
        params![
            c.id,
            c.kind,
            c.name,
            c.brand,
            c.model,
            c.notes,
            c.purchase_cost_cents,
            c.initial.distance_m,
            c.initial.moving_time_s,
            c.initial.rides,
            c.initial.elevation_m,
            c.initial.energy_kj,
            c.initial.days,
            c.retired,
            c.replaced_by,
            now
        ],
    )?;
    Ok(())
}

pub fn edit(store: &mut Store, id: &ComponentId, patch: ComponentPatch) -> Result<Component> {
    store.atomically(|store| {
        let mut c = get(store, id)?;
        if let Some(n) = patch.name {
            c.name = validate::name("component name", &n)?;
        }
        if let Some(b) = patch.brand {
            c.brand = validate::text("brand", b.trim(), validate::MAX_NAME_CHARS)?;
        }
        if let Some(m) = patch.model {
            c.model = validate::text("model", m.trim(), validate::MAX_NAME_CHARS)?;
        }
        if let Some(n) = patch.notes {
            c.notes = validate::text("notes", &n, validate::MAX_NOTES_CHARS)?;
        }
        if let Some(cost) = patch.purchase_cost_cents {
            c.purchase_cost_cents = validate::cents("purchase cost", cost)?;
        }
        if let Some(i) = patch.initial {
            c.initial = check_initial(&i)?;
        }
        let now = store.now();
        let tx = store.write()?;
        save(&tx, &c, now)?;
        usage::refresh(
            &tx,
            usage::Scope::Components(std::slice::from_ref(&c.id)),
            now,
        )?;
        tx.commit()?;
        Ok(c)
    })
}

const COLUMNS: &str = "id, kind, name, brand, model, notes, purchase_cost_cents, initial_distance_m,
    initial_moving_time_s, initial_rides, initial_elevation_m, initial_energy_kj, initial_days, retired, replaced_by";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Component> {
    Ok(Component {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        brand: r.get(3)?,
        model: r.get(4)?,
        notes: r.get(5)?,
        purchase_cost_cents: r.get(6)?,
        initial: InitialUsage {
            distance_m: r.get(7)?,
            moving_time_s: r.get(8)?,
            rides: r.get(9)?,
            elevation_m: r.get(10)?,
            energy_kj: r.get(11)?,
            days: r.get(12)?,
        },
        retired: r.get(13)?,
        replaced_by: r.get(14)?,
    })
}

pub fn get(store: &Store, id: &ComponentId) -> Result<Component> {
    get_in(&store.conn, id)
}

pub(crate) fn get_in(conn: &Connection, id: &ComponentId) -> Result<Component> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM components WHERE id = ?1 AND deleted_at IS NULL"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| not_found(id))
}

pub(crate) fn not_found(id: &ComponentId) -> Error {
    Error::NotFound {
        kind: "component",
        id: id.to_string(),
        list: "components",
    }
}

/// A component with where it is mounted now (None when on the shelf): its bike, found through
/// its parents, and the part it sits on directly, if any.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct ComponentListing {
    #[serde(flatten)]
    pub component: Component,
    pub bike_id: Option<BikeId>,
    pub bike: Option<String>,
    pub parent_id: Option<ComponentId>,
    pub parent: Option<String>,
    pub installed_at: Option<Timestamp>,
}

/// Components, optionally only those on one bike now (directly or through their parents).
pub fn list(
    store: &Store,
    bike: Option<&BikeId>,
    include_retired: bool,
) -> Result<Vec<ComponentListing>> {
    let cols: String = COLUMNS
        .split(',')
        .map(|c| format!("c.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = store.conn.prepare(&format!(
        "SELECT {cols}, b.id, b.name, i.parent_id, p.name, i.installed_at
         FROM components c
         LEFT JOIN installations i ON i.component_id = c.id AND i.removed_at IS NULL AND i.deleted_at IS NULL
         LEFT JOIN components p ON p.id = i.parent_id
         LEFT JOIN component_bike_now cb ON cb.component_id = c.id
         LEFT JOIN bikes b ON b.id = cb.bike_id
         WHERE c.deleted_at IS NULL AND (?1 OR c.retired = 0) AND (?2 IS NULL OR b.id = ?2)
         ORDER BY b.name COLLATE NOCASE, c.kind, c.name COLLATE NOCASE, c.id"
    ))?;
    let rows = stmt.query_map(params![include_retired, bike], |r| {
        Ok(ComponentListing {
            component: from_row(r)?,
            bike_id: r.get(15)?,
            bike: r.get(16)?,
            parent_id: r.get(17)?,
            parent: r.get(18)?,
            installed_at: r.get(19)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
