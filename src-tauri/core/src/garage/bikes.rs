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
pub struct Bike {
    pub id: BikeId,
    pub name: String,
    pub kind: String,
    pub strava_gear_id: Option<String>,
    pub retired: bool,
    pub notes: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
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
pub struct BikePatch {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub strava_gear_id: Option<Option<String>>,
    pub notes: Option<String>,
    pub retired: Option<bool>,
}

/// A bike with the totals of the rides assigned to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
            "UPDATE bikes SET name = ?2, kind = ?3, strava_gear_id = ?4, retired = ?5, notes = ?6, updated_at = ?7
             WHERE id = ?1",
            params![bike.id, bike.name, bike.kind, bike.strava_gear_id, bike.retired, bike.notes, store.now()],
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
        "SELECT b.id, b.name, b.kind, b.strava_gear_id, b.retired, b.notes,
                COUNT(r.id), COALESCE(SUM(r.distance_m), 0), COALESCE(SUM(r.moving_time_s), 0)
         FROM bikes b
         LEFT JOIN rides r ON r.bike_id = b.id AND r.deleted_at IS NULL
         WHERE b.deleted_at IS NULL
         GROUP BY b.id
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
