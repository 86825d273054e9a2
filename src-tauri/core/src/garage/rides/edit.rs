//! One ride at a time, as the rider asks: add, edit, put on a bike, delete. Each write brings the
//! wear of the components the ride touches (before and after) up to date in the same transaction.

use std::collections::BTreeSet;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::garage::installations;
use crate::ids::{BikeId, ComponentId, RideId};
use crate::store::Store;
use crate::time::{Timestamp, When};
use crate::wear::usage;

use super::query::get;
use super::rows::{ensure_bike, find_external, from_row, insert, update, COLUMNS};
use super::{checked, NewRide, Ride};

/// Components whose wear a ride on `bike` at `at` touches.
fn touched(
    tx: &Connection,
    bike: Option<&BikeId>,
    at: Timestamp,
    into: &mut BTreeSet<ComponentId>,
) -> Result<()> {
    if let Some(bike) = bike {
        into.extend(installations::mounted_at(tx, bike, at)?);
    }
    Ok(())
}

fn refresh(tx: &Connection, touched: BTreeSet<ComponentId>, now: Timestamp) -> Result<()> {
    let touched: Vec<ComponentId> = touched.into_iter().collect();
    usage::refresh(tx, usage::Scope::Components(&touched), now)
}

/// Whether a write refuses numbers a ride cannot have (see `limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limits {
    /// Refused after every other check, and `confirm` tells the rider how to keep them anyway
    /// (`add --force`, "press Keep it"): the rider's own typing.
    Enforce { confirm: &'static str },
    /// Stored as given: the rider confirmed them, or a program wrote them (tests, the demo).
    Waived,
}

pub fn add(store: &mut Store, new: NewRide) -> Result<Ride> {
    add_within(store, new, Limits::Waived)
}

/// Adds a ride the rider typed, refusing numbers a ride cannot have unless `limits` is waived.
pub fn add_within(store: &mut Store, new: NewRide, limits: Limits) -> Result<Ride> {
    let now = store.now();
    let found = super::limits::check(&new);
    let ride = checked(RideId::new(), new, now)?;
    if let Limits::Enforce { confirm } = limits {
        super::limits::refuse(&found, confirm)?;
    }
    let tx = store.write()?;
    ensure_bike(&tx, ride.bike_id.as_ref())?;
    if let Some(ext) = &ride.external_id {
        if let Some((_, deleted)) = find_external(&tx, ride.source, ext)? {
            let how = if deleted {
                "was stored and then deleted; deleted rides stay deleted"
            } else {
                "is already stored"
            };
            return Err(Error::Conflict(format!(
                "a {} ride with external id '{ext}' {how}",
                ride.source.as_str()
            )));
        }
    }
    insert(&tx, &ride, now)?;
    let mut set = BTreeSet::new();
    touched(&tx, ride.bike_id.as_ref(), ride.start_at, &mut set)?;
    refresh(&tx, set, now)?;
    tx.commit()?;
    Ok(ride)
}

/// Fields left `None` keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct RidePatch {
    pub bike_id: Option<Option<BikeId>>,
    pub start_at: Option<When>,
    pub distance_m: Option<f64>,
    pub moving_time_s: Option<f64>,
    pub elapsed_time_s: Option<f64>,
    pub elevation_m: Option<f64>,
    pub energy_kj: Option<Option<f64>>,
    pub indoor: Option<bool>,
    pub commute: Option<bool>,
    pub name: Option<String>,
}

fn merge(old: &Ride, patch: RidePatch) -> NewRide {
    let moving = patch.moving_time_s.unwrap_or(old.moving_time_s);
    NewRide {
        source: old.source,
        external_id: old.external_id.clone(),
        bike_id: patch.bike_id.unwrap_or_else(|| old.bike_id.clone()),
        start_at: patch.start_at.unwrap_or(When::At(old.start_at)),
        distance_m: patch.distance_m.unwrap_or(old.distance_m),
        moving_time_s: moving,
        elapsed_time_s: Some(
            patch
                .elapsed_time_s
                .unwrap_or(old.elapsed_time_s.max(moving)),
        ),
        elevation_m: patch.elevation_m.unwrap_or(old.elevation_m),
        energy_kj: patch.energy_kj.unwrap_or(old.energy_kj),
        sport_type: old.sport_type.clone(),
        indoor: patch.indoor.unwrap_or(old.indoor),
        commute: patch.commute.unwrap_or(old.commute),
        name: patch.name.unwrap_or_else(|| old.name.clone()),
    }
}

/// Edits a ride as the rider asks. Numbers the rider changed count as reviewed (a front end
/// refuses impossible ones first unless the rider confirmed them, see `limits`); a ride flagged
/// for review whose numbers stay as they were stays flagged.
pub fn edit(store: &mut Store, id: &RideId, patch: RidePatch) -> Result<Ride> {
    edit_within(store, id, patch, Limits::Waived)
}

/// Edits a ride as the rider typed it, refusing numbers a ride cannot have unless `limits` is
/// waived. Only numbers the edit changes are checked: a flagged ride can still be renamed.
pub fn edit_within(
    store: &mut Store,
    id: &RideId,
    patch: RidePatch,
    limits: Limits,
) -> Result<Ride> {
    store.atomically(|store| {
        let old = get(store, id)?;
        let bike_given = patch.bike_id.is_some();
        let new = merge(&old, patch);
        let found = super::limits::check(&new);
        let now = store.now();
        let mut ride = checked(old.id.clone(), new, now)?;
        if let Limits::Enforce { confirm } = limits {
            if !old.same_numbers(&ride) {
                super::limits::refuse(&found, confirm)?;
            }
        }
        ride.source_gear_id = old.source_gear_id.clone();
        ride.utc_offset_s = old.utc_offset_s;
        ride.excluded = old.excluded;
        if old.same_numbers(&ride) {
            ride.review = old.review.clone();
        }
        // A bike chosen by hand survives later syncs.
        ride.bike_chosen = old.bike_chosen || bike_given;
        let tx = store.write()?;
        ensure_bike(&tx, ride.bike_id.as_ref())?;
        let mut set = BTreeSet::new();
        touched(&tx, old.bike_id.as_ref(), old.start_at, &mut set)?;
        update(&tx, &ride, now)?;
        touched(&tx, ride.bike_id.as_ref(), ride.start_at, &mut set)?;
        refresh(&tx, set, now)?;
        tx.commit()?;
        Ok(ride)
    })
}

/// Puts a ride on a bike (or back to unassigned with `None`).
pub fn assign(store: &mut Store, id: &RideId, bike: Option<BikeId>) -> Result<Ride> {
    edit(
        store,
        id,
        RidePatch {
            bike_id: Some(bike),
            ..Default::default()
        },
    )
}

/// Brings back a ride the rider deleted (the "Undo" after Delete); its wear counts again. A ride
/// its source stopped listing comes back only through the source.
pub fn undelete(store: &mut Store, id: &RideId) -> Result<Ride> {
    store.atomically(|store| {
        let found: Option<String> = store
            .conn
            .query_row(
                "SELECT deleted_by FROM rides WHERE id = ?1 AND deleted_at IS NOT NULL",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        if found.as_deref() != Some("rider") {
            return Err(Error::NotFound {
                kind: "ride deleted by the rider",
                id: id.to_string(),
                list: "rides",
            });
        }
        let now = store.now();
        let tx = store.write()?;
        tx.execute(
            "UPDATE rides SET deleted_at = NULL, deleted_by = NULL, updated_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        let ride = tx.query_row(
            &format!("SELECT {COLUMNS} FROM rides WHERE id = ?1"),
            [id],
            from_row,
        )?;
        let mut set = BTreeSet::new();
        touched(&tx, ride.bike_id.as_ref(), ride.start_at, &mut set)?;
        refresh(&tx, set, now)?;
        tx.commit()?;
        Ok(ride)
    })
}

/// Soft-deletes a ride; the wear it caused is taken back.
pub fn delete(store: &mut Store, id: &RideId) -> Result<()> {
    store.atomically(|store| {
        let old = get(store, id)?;
        let now = store.now();
        let tx = store.write()?;
        let mut set = BTreeSet::new();
        touched(&tx, old.bike_id.as_ref(), old.start_at, &mut set)?;
        tx.execute(
            "UPDATE rides SET deleted_at = ?2, updated_at = ?2, deleted_by = 'rider' WHERE id = ?1",
            params![id, now],
        )?;
        refresh(&tx, set, now)?;
        tx.commit()?;
        Ok(())
    })
}
