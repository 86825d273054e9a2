//! What a part cost and what a bike was ridden: a component's total cost (purchase and services)
//! and its cost per 1,000 km or miles; a bike's distance per month (the bike page's chart).
//!
//! Excluded rides (see `rides::review`) count for nothing here, as in the wear.

use std::collections::BTreeMap;

use chrono::{Datelike, Local, Months, NaiveDate, TimeZone};
use rusqlite::params;
use serde::Serialize;

use crate::error::Result;
use crate::garage::{bikes, components};
use crate::ids::{BikeId, ComponentId};
use crate::store::Store;
use crate::time::Timestamp;
use crate::wear::mounts;

/// The international mile.
const M_PER_MI: f64 = 1_609.344;

/// A component's cost so far. Amounts in cents of the rider's currency (the garage keeps one).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct ComponentCost {
    pub component_id: ComponentId,
    /// None when no purchase cost was entered.
    pub purchase_cents: Option<i64>,
    /// The costs of every service done on its rules (a rule deleted since included: it was paid).
    pub services_cents: i64,
    pub services: i64,
    pub total_cents: i64,
    /// Its distance in all: the starting distance it came with and every ride while mounted.
    pub distance_m: f64,
    /// None until the part has been ridden.
    pub per_1000_km_cents: Option<f64>,
    pub per_1000_mi_cents: Option<f64>,
}

pub fn component_cost(store: &Store, id: &ComponentId) -> Result<ComponentCost> {
    let part = components::get(store, id)?;
    let (services_cents, services): (i64, i64) = store.conn.query_row(
        "SELECT COALESCE(SUM(s.cost_cents), 0), COUNT(*) FROM services s
         JOIN rules r ON r.id = s.rule_id
         WHERE r.component_id = ?1 AND s.deleted_at IS NULL",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    // Through its parents: a tyre on a wheel rode what the wheel's bikes rode while it was on it.
    let spans = mounts::Resolver::new(&store.conn).spans(id)?;
    let mut ridden = 0.0;
    let mut on_bike = store.conn.prepare_cached(
        "SELECT COALESCE(SUM(distance_m), 0) FROM rides
         WHERE bike_id = ?1 AND start_at >= ?2 AND start_at < ?3 AND deleted_at IS NULL AND excluded = 0",
    )?;
    for span in &spans {
        ridden += on_bike.query_row(params![span.bike, span.from, span.until], |r| {
            r.get::<_, f64>(0)
        })?;
    }
    let distance_m = part.initial.distance_m + ridden;
    let total_cents = part.purchase_cost_cents.unwrap_or(0) + services_cents;
    let per = |metres: f64| (distance_m > 0.0).then(|| total_cents as f64 * metres / distance_m);
    Ok(ComponentCost {
        component_id: part.id,
        purchase_cents: part.purchase_cost_cents,
        services_cents,
        services,
        total_cents,
        distance_m,
        per_1000_km_cents: per(1_000_000.0),
        per_1000_mi_cents: per(1000.0 * M_PER_MI),
    })
}

/// One calendar month of a bike's riding.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct MonthDistance {
    /// `YYYY-MM`, in the rider's time zone.
    pub month: String,
    pub distance_m: f64,
    pub rides: i64,
}

/// The bike's distance in each of the last `months` calendar months, the current one last; months
/// without rides are there with 0, so a chart has no gaps.
pub fn distance_by_month(store: &Store, bike: &BikeId, months: u32) -> Result<Vec<MonthDistance>> {
    distance_by_month_in(&Local, store, bike, months)
}

/// [`distance_by_month`] in a given time zone (tests pin one).
pub fn distance_by_month_in<Tz: TimeZone>(
    tz: &Tz,
    store: &Store,
    bike: &BikeId,
    months: u32,
) -> Result<Vec<MonthDistance>> {
    bikes::get(store, bike)?;
    let month_of = |t: Timestamp| {
        t.to_utc()
            .map(|t| t.with_timezone(tz).date_naive().format("%Y-%m").to_string())
    };
    let now = store.now();
    let today = now
        .to_utc()
        .map(|t| t.with_timezone(tz).date_naive())
        .unwrap_or_default();
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or_default();
    let first = this_month
        .checked_sub_months(Months::new(months.saturating_sub(1)))
        .unwrap_or(this_month);
    let mut out: BTreeMap<String, MonthDistance> = BTreeMap::new();
    let mut month = first;
    while month <= this_month {
        let key = month.format("%Y-%m").to_string();
        out.insert(
            key.clone(),
            MonthDistance {
                month: key,
                distance_m: 0.0,
                rides: 0,
            },
        );
        month = match month.checked_add_months(Months::new(1)) {
            Some(next) => next,
            None => break,
        };
    }
    let from = tz
        .from_local_datetime(&first.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map_or(i64::MIN, |t| t.timestamp_millis());
    let mut stmt = store.conn.prepare_cached(
        "SELECT start_at, distance_m FROM rides
         WHERE bike_id = ?1 AND deleted_at IS NULL AND excluded = 0 AND start_at >= ?2",
    )?;
    let rows = stmt.query_map(params![bike, from], |r| {
        Ok((r.get::<_, Timestamp>(0)?, r.get::<_, f64>(1)?))
    })?;
    for row in rows {
        let (start, distance) = row?;
        if let Some(m) = month_of(start).and_then(|k| out.get_mut(&k)) {
            m.distance_m += distance;
            m.rides += 1;
        }
    }
    Ok(out.into_values().collect())
}
