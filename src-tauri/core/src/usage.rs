//! Wear: how much of its metric each rule has used since its anchor.
//!
//! usage(rule) = starting usage (if never serviced)
//!             + Σ metric(ride) over rides whose start falls in an installation of the rule's
//!               component, at or after the last service, and that pass the rule's filter.
//!
//! The result is kept in `rule_usage` and recomputed, inside the writing transaction, for the
//! components a write touches. Recomputing loads the rides of only the bikes those components
//! were ever on and walks each installation's slice of them found by binary search.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{params, Connection};

use crate::error::Result;
use crate::ids::{BikeId, ComponentId, RuleId};
use crate::metric::{ActivityFilter, Metric};
use crate::store::Store;
use crate::time::Timestamp;

pub enum Scope<'a> {
    All,
    Components(&'a [ComponentId]),
}

struct RuleRow {
    id: RuleId,
    component: ComponentId,
    metric: Metric,
    filter: ActivityFilter,
    initial: f64,
    last_service: Option<i64>,
}

struct InstallRow {
    bike: BikeId,
    from: i64,
    until: i64,
}

struct RideRow {
    start: i64,
    distance_m: f64,
    moving_time_s: f64,
    elevation_m: f64,
    energy_kj: f64,
    indoor: bool,
}

impl RideRow {
    fn value(&self, metric: Metric) -> f64 {
        match metric {
            Metric::DistanceM => self.distance_m,
            Metric::MovingTimeS => self.moving_time_s,
            Metric::Rides => 1.0,
            Metric::ElevationM => self.elevation_m,
            Metric::EnergyKj => self.energy_kj,
            Metric::Days => 0.0,
        }
    }
}

const RULES_SQL: &str = "
    SELECT r.id, r.component_id, r.metric, r.filter,
           c.initial_distance_m, c.initial_moving_time_s, c.initial_rides, c.initial_elevation_m, c.initial_energy_kj,
           (SELECT MAX(s.done_at) FROM services s WHERE s.rule_id = r.id AND s.deleted_at IS NULL)
    FROM rules r JOIN components c ON c.id = r.component_id
    WHERE r.deleted_at IS NULL AND c.deleted_at IS NULL";

fn rule_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RuleRow> {
    let metric: Metric = r.get(2)?;
    let initial = match metric {
        Metric::DistanceM => r.get(4)?,
        Metric::MovingTimeS => r.get(5)?,
        Metric::Rides => r.get(6)?,
        Metric::ElevationM => r.get(7)?,
        Metric::EnergyKj => r.get(8)?,
        Metric::Days => 0.0, // calendar age is computed when read, from the anchor
    };
    Ok(RuleRow {
        id: r.get(0)?,
        component: r.get(1)?,
        metric,
        filter: r.get(3)?,
        initial,
        last_service: r.get(9)?,
    })
}

fn load_rules(conn: &Connection, scope: &Scope<'_>) -> Result<Vec<RuleRow>> {
    match scope {
        Scope::All => {
            let mut stmt = conn.prepare(RULES_SQL)?;
            let rows = stmt.query_map([], rule_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        }
        Scope::Components(ids) => {
            let mut stmt = conn.prepare_cached(&format!("{RULES_SQL} AND r.component_id = ?1"))?;
            let mut out = Vec::new();
            for id in ids.iter() {
                for row in stmt.query_map([id], rule_from_row)? {
                    out.push(row?);
                }
            }
            Ok(out)
        }
    }
}

fn load_installations(
    conn: &Connection,
    components: &BTreeSet<&ComponentId>,
) -> Result<HashMap<ComponentId, Vec<InstallRow>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT bike_id, installed_at, removed_at FROM installations
         WHERE component_id = ?1 AND deleted_at IS NULL ORDER BY installed_at",
    )?;
    let mut out = HashMap::new();
    for &c in components {
        let rows = stmt.query_map([c], |r| {
            Ok(InstallRow {
                bike: r.get(0)?,
                from: r.get(1)?,
                until: r.get::<_, Option<i64>>(2)?.unwrap_or(i64::MAX),
            })
        })?;
        out.insert(c.clone(), rows.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    Ok(out)
}

/// Rides of each bike, sorted by start time (the index `rides_bike_start` serves this order).
fn load_rides(
    conn: &Connection,
    bikes: &BTreeSet<&BikeId>,
) -> Result<HashMap<BikeId, Vec<RideRow>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT start_at, distance_m, moving_time_s, elevation_m, COALESCE(energy_kj, 0), indoor
         FROM rides WHERE bike_id = ?1 AND deleted_at IS NULL ORDER BY start_at",
    )?;
    let mut out = HashMap::new();
    for &b in bikes {
        let rows = stmt.query_map([b], |r| {
            Ok(RideRow {
                start: r.get(0)?,
                distance_m: r.get(1)?,
                moving_time_s: r.get(2)?,
                elevation_m: r.get(3)?,
                energy_kj: r.get(4)?,
                indoor: r.get(5)?,
            })
        })?;
        out.insert(b.clone(), rows.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    Ok(out)
}

/// Recomputes and stores the usage of every rule in `scope`.
pub(crate) fn refresh(conn: &Connection, scope: Scope<'_>) -> Result<()> {
    let rules = load_rules(conn, &scope)?;
    let components: BTreeSet<&ComponentId> = rules.iter().map(|r| &r.component).collect();
    let installs = load_installations(conn, &components)?;
    let bikes: BTreeSet<&BikeId> = installs.values().flatten().map(|i| &i.bike).collect();
    let rides = load_rides(conn, &bikes)?;

    let mut upsert = conn.prepare_cached(
        "INSERT INTO rule_usage (rule_id, used, anchor_at, serviced, computed_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (rule_id) DO UPDATE SET used = excluded.used, anchor_at = excluded.anchor_at,
            serviced = excluded.serviced, computed_at = excluded.computed_at",
    )?;
    let now = Timestamp::now();
    let none = Vec::new();
    for rule in &rules {
        let spans = installs.get(&rule.component).unwrap_or(&none);
        let lower = rule.last_service.unwrap_or(i64::MIN);
        let mut used = if rule.last_service.is_some() {
            0.0
        } else {
            rule.initial
        };
        if rule.metric != Metric::Days {
            for span in spans {
                let (from, until) = (span.from.max(lower), span.until);
                if from >= until {
                    continue;
                }
                let Some(bike_rides) = rides.get(&span.bike) else {
                    continue;
                };
                let lo = bike_rides.partition_point(|r| r.start < from);
                let hi = bike_rides.partition_point(|r| r.start < until);
                used += bike_rides[lo..hi]
                    .iter()
                    .filter(|r| rule.filter.accepts(r.indoor))
                    .map(|r| r.value(rule.metric))
                    .sum::<f64>();
            }
        }
        let first_install = spans.iter().map(|s| s.from).min();
        let anchor = rule.last_service.or(first_install);
        upsert.execute(params![
            rule.id,
            used,
            anchor,
            rule.last_service.is_some(),
            now
        ])?;
    }
    Ok(())
}

/// Components that were ever mounted on any of `bikes`.
pub(crate) fn components_ever_on(
    conn: &Connection,
    bikes: &BTreeSet<BikeId>,
) -> Result<Vec<ComponentId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT component_id FROM installations WHERE bike_id = ?1 AND deleted_at IS NULL",
    )?;
    let mut out = BTreeSet::new();
    for b in bikes {
        for c in stmt.query_map([b], |r| r.get::<_, ComponentId>(0))? {
            out.insert(c?);
        }
    }
    Ok(out.into_iter().collect())
}

/// Computes usage for rules that have none yet (after an upgrade from a schema without the cache).
pub(crate) fn fill_missing(store: &mut Store) -> Result<()> {
    let missing: Vec<ComponentId> = {
        let mut stmt = store.conn.prepare(
            "SELECT DISTINCT r.component_id FROM rules r LEFT JOIN rule_usage u ON u.rule_id = r.id
             WHERE r.deleted_at IS NULL AND u.rule_id IS NULL",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if missing.is_empty() {
        return Ok(());
    }
    let tx = store.write()?;
    refresh(&tx, Scope::Components(&missing))?;
    tx.commit()?;
    Ok(())
}

/// Throws the cache away and recomputes every rule from the rides (repair, benchmarks).
pub fn rebuild(store: &mut Store) -> Result<()> {
    let tx = store.write()?;
    tx.execute("DELETE FROM rule_usage", [])?;
    refresh(&tx, Scope::All)?;
    tx.commit()?;
    Ok(())
}
