//! Bikes: add, edit, retire, list with their ride totals.

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::BikeId;
use crate::store::Store;
use crate::validate;

pub const KINDS: &[&str] = &[
    "road", "gravel", "mtb", "cx", "tt", "touring", "city", "ebike", "other",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Bike {
    pub id: BikeId,
    pub name: String,
    pub kind: String,
    pub strava_gear_id: Option<String>,
    pub retired: bool,
    pub notes: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct NewBike {
    pub name: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub strava_gear_id: Option<String>,
    #[serde(default)]
    pub notes: String,
}

/// Fields left `None` keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct BikePatch {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub strava_gear_id: Option<Option<String>>,
    pub notes: Option<String>,
    pub retired: Option<bool>,
}

/// A bike with the totals of the rides assigned to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct BikeSummary {
    pub id: BikeId,
    pub name: String,
    pub kind: String,
    pub strava_gear_id: Option<String>,
    pub retired: bool,
    pub notes: String,
    pub rides: i64,
    pub distance_m: f64,
    pub moving_time_s: f64,
}

fn kind(value: Option<&str>) -> Result<String> {
    let kind = value
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .unwrap_or("other")
        .to_ascii_lowercase();
    if KINDS.contains(&kind.as_str()) {
        Ok(kind)
    } else {
        Err(Error::invalid(format!(
            "unknown bike kind '{kind}'; use one of {}",
            KINDS.join(", ")
        )))
    }
}

fn gear_id(value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(id) => validate::text("Strava gear id", id, 64).map(Some),
    }
}

pub fn add(store: &mut Store, new: NewBike) -> Result<Bike> {
    store.atomically(|store| {
        let bike = Bike {
            id: BikeId::new(),
            name: validate::name("bike name", &new.name)?,
            kind: kind(new.kind.as_deref())?,
            strava_gear_id: gear_id(new.strava_gear_id.as_deref())?,
            retired: false,
            notes: validate::text("notes", &new.notes, validate::MAX_NOTES_CHARS)?,
        };
        ensure_gear_id_free(store, bike.strava_gear_id.as_deref(), None)?;
        let now = store.now();
        store.conn.execute(
            "INSERT INTO bikes (id, name, kind, strava_gear_id, retired, notes, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?6)",
            params![
                bike.id,
                bike.name,
                bike.kind,
                bike.strava_gear_id,
                bike.notes,
                now
            ],
        )?;
        Ok(bike)
    })
}

pub fn edit(store: &mut Store, id: &BikeId, patch: BikePatch) -> Result<Bike> {
    store.atomically(|store| {
        let mut bike = get(store, id)?;
        // A name typed here wins over the name a source (Strava) gives the bike.
        let name_chosen = patch.name.is_some();
        if let Some(name) = patch.name {
            bike.name = validate::name("bike name", &name)?;
        }
        if let Some(k) = patch.kind {
            bike.kind = kind(Some(&k))?;
        }
        if let Some(g) = patch.strava_gear_id {
            bike.strava_gear_id = gear_id(g.as_deref())?;
            ensure_gear_id_free(store, bike.strava_gear_id.as_deref(), Some(id))?;
        }
        if let Some(notes) = patch.notes {
            bike.notes = validate::text("notes", &notes, validate::MAX_NOTES_CHARS)?;
        }
        if let Some(retired) = patch.retired {
            bike.retired = retired;
        }
        store.conn.execute(
            "UPDATE bikes SET name = ?2, kind = ?3, strava_gear_id = ?4, retired = ?5, notes = ?6, updated_at = ?7,
                name_chosen = name_chosen OR ?8
             WHERE id = ?1",
            params![bike.id, bike.name, bike.kind, bike.strava_gear_id, bike.retired, bike.notes, store.now(), name_chosen],
        )?;
        Ok(bike)
    })
}

pub fn retire(store: &mut Store, id: &BikeId) -> Result<Bike> {
    edit(
        store,
        id,
        BikePatch {
            retired: Some(true),
            ..Default::default()
        },
    )
}

fn ensure_gear_id_free(store: &Store, gear: Option<&str>, except: Option<&BikeId>) -> Result<()> {
    let Some(gear) = gear else { return Ok(()) };
    let holder: Option<String> = store
        .conn
        .query_row(
            "SELECT name FROM bikes WHERE strava_gear_id = ?1 AND deleted_at IS NULL AND id IS NOT ?2",
            params![gear, except],
            |r| r.get(0),
        )
        .optional()?;
    match holder {
        Some(name) => Err(Error::Conflict(format!(
            "Strava gear id '{gear}' already belongs to the bike \"{name}\"; each Strava bike maps to one bike here"
        ))),
        None => Ok(()),
    }
}

const COLUMNS: &str = "id, name, kind, strava_gear_id, retired, notes";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Bike> {
    Ok(Bike {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        strava_gear_id: r.get(3)?,
        retired: r.get(4)?,
        notes: r.get(5)?,
    })
}

pub fn get(store: &Store, id: &BikeId) -> Result<Bike> {
    store
        .conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM bikes WHERE id = ?1 AND deleted_at IS NULL"),
            [id],
            from_row,
        )
        .optional()?
        .ok_or_else(|| not_found(id))
}

pub(crate) fn not_found(id: &BikeId) -> Error {
    Error::NotFound {
        kind: "bike",
        id: id.to_string(),
        list: "bikes",
    }
}

pub fn find_by_name(store: &Store, name: &str) -> Result<Option<Bike>> {
    Ok(store
        .conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM bikes WHERE name = ?1 AND deleted_at IS NULL ORDER BY id LIMIT 1"),
            [name],
            from_row,
        )
        .optional()?)
}

/// Every bike (retired last) with the totals of its rides.
pub fn list(store: &Store) -> Result<Vec<BikeSummary>> {
    let mut stmt = store.conn.prepare(
        // Summed apart, then joined: the sum reads the index `rides_bike_totals` alone, where a
        // join per ride also read each ride's row (0013_bike_totals.sql). Named, because the
        // planner prefers `rides_bike_start`, in bike order too, and then reads every ride's row:
        // 45 ms against 5 on 50,000 rides.
        "SELECT b.id, b.name, b.kind, b.strava_gear_id, b.retired, b.notes,
                COALESCE(t.rides, 0), COALESCE(t.distance_m, 0), COALESCE(t.moving_time_s, 0)
         FROM bikes b
         LEFT JOIN (SELECT bike_id, COUNT(*) AS rides, SUM(distance_m) AS distance_m,
                           SUM(moving_time_s) AS moving_time_s
                    FROM rides INDEXED BY rides_bike_totals
                    WHERE deleted_at IS NULL AND excluded = 0
                    GROUP BY bike_id) t ON t.bike_id = b.id
         WHERE b.deleted_at IS NULL
         ORDER BY b.retired, b.name COLLATE NOCASE, b.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(BikeSummary {
            id: r.get(0)?,
            name: r.get(1)?,
            kind: r.get(2)?,
            strava_gear_id: r.get(3)?,
            retired: r.get(4)?,
            notes: r.get(5)?,
            rides: r.get(6)?,
            distance_m: r.get(7)?,
            moving_time_s: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A bike as a source (Strava) describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceBike {
    /// The id a new bike gets: derived from the gear id, the same on every device.
    pub id: BikeId,
    pub gear_id: String,
    pub name: String,
    /// One of [`KINDS`].
    pub kind: String,
    /// Retired in the source: a bike first seen that way arrives retired.
    pub retired: bool,
}

/// What linking a source's bike did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linked {
    Added,
    Renamed,
    Unchanged,
}

/// Links a source's bike to the bike here with the same gear id, adding it if there is none,
/// inside the caller's write. Its name follows the source until the rider renames it here.
pub(crate) fn link_source_bike(
    tx: &rusqlite::Connection,
    b: &SourceBike,
    now: crate::time::Timestamp,
) -> Result<(BikeId, Linked)> {
    let name = validate::text("bike name", b.name.trim(), validate::MAX_NAME_CHARS)
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("Strava bike {}", b.gear_id));
    let existing: Option<(BikeId, String, bool)> = tx
        .query_row(
            "SELECT id, name, name_chosen FROM bikes WHERE strava_gear_id = ?1 AND deleted_at IS NULL",
            [&b.gear_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match existing {
        Some((id, old, chosen)) if chosen || old == name => Ok((id, Linked::Unchanged)),
        Some((id, _, _)) => {
            tx.execute(
                "UPDATE bikes SET name = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, name, now],
            )?;
            Ok((id, Linked::Renamed))
        }
        None => {
            tx.execute(
                "INSERT INTO bikes (id, name, kind, strava_gear_id, retired, notes, name_chosen, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, '', 0, ?6, ?6)
                 ON CONFLICT (id) DO UPDATE SET strava_gear_id = excluded.strava_gear_id, deleted_at = NULL,
                    updated_at = excluded.updated_at",
                params![b.id, name, kind(Some(&b.kind))?, b.gear_id, b.retired, now],
            )?;
            Ok((b.id.clone(), Linked::Added))
        }
    }
}

/// The bike linked to a source's gear id, if any.
pub(crate) fn by_gear(tx: &rusqlite::Connection, gear_id: &str) -> Result<Option<BikeId>> {
    Ok(tx
        .prepare_cached("SELECT id FROM bikes WHERE strava_gear_id = ?1 AND deleted_at IS NULL")?
        .query_row([gear_id], |r| r.get(0))
        .optional()?)
}
