//! Wear: how much of its metric each rule has used since its anchor.
//!
//! usage(rule) = starting usage (if never serviced)
//!             + Σ metric(ride) over rides whose start falls in an installation of the rule's
//!               component, at or after the last service, and that pass the rule's filter
//!               (a component on a part counts on the bike its parents reach at the ride's start:
//!               see `mounts`)
//!             + wear carried over from source rides that had to be deleted (disconnecting
//!               Strava), while the rule's latest service is the one it was carried under.
//!
//! The result is kept in `rule_usage` and recomputed, inside the writing transaction, for the
//! components a write touches (and the parts mounted on them). Recomputing loads the rides of only
//! the bikes those components were ever on and walks each installation's slice of them found by binary search.
//!
//! The cache is derived state: a read that finds it stale (a rule without a row, or rows from an
//! older engine) repairs it, and a rule is never hidden for want of a row.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{params, Connection};

use crate::error::Result;
use crate::ids::{BikeId, ComponentId, RuleId};
use crate::store::{self, Store};
use crate::time::Timestamp;
use crate::wear::metric::{ActivityFilter, Metric};
use crate::wear::mounts::{self, Resolver, Span};

/// Bump when the formula changes: caches written by another version are rebuilt when read.
/// Migration 0003 records "1" for the caches that existed before the version was kept.
const ENGINE_VERSION: &str = "3";
const ENGINE_VERSION_KEY: &str = "wear_engine_version";

pub enum Scope<'a> {
    All,
    Components(&'a [ComponentId]),
    Rules(&'a [RuleId]),
}

/// A rule's usage since its anchor, as the cache holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    /// In the rule's metric; 0 for calendar days, which are computed when read.
    pub used: f64,
    /// The last service, else the first installation (drives calendar days).
    pub anchor_at: Option<Timestamp>,
    pub serviced: bool,
}

struct RuleRow {
    id: RuleId,
    component: ComponentId,
    metric: Metric,
    filter: ActivityFilter,
    initial: f64,
    last_service: Option<i64>,
    carried: f64,
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
           (SELECT MAX(s.done_at) FROM services s WHERE s.rule_id = r.id AND s.deleted_at IS NULL),
           (SELECT COALESCE(SUM(cu.amount), 0) FROM carried_usage cu
             WHERE cu.rule_id = r.id AND cu.deleted_at IS NULL
               AND cu.anchor_service_id IS (SELECT s.id FROM services s WHERE s.rule_id = r.id
                    AND s.deleted_at IS NULL ORDER BY s.done_at DESC, s.id DESC LIMIT 1))
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
        carried: r.get(10)?,
    })
}

fn load_rules(conn: &Connection, scope: &Scope<'_>) -> Result<Vec<RuleRow>> {
    let mut out = Vec::new();
    match scope {
        Scope::All => {
            let mut stmt = conn.prepare(RULES_SQL)?;
            for row in stmt.query_map([], rule_from_row)? {
                out.push(row?);
            }
        }
        Scope::Components(ids) => {
            let mut stmt = conn.prepare_cached(&format!("{RULES_SQL} AND r.component_id = ?1"))?;
            for id in ids.iter() {
                for row in stmt.query_map([id], rule_from_row)? {
                    out.push(row?);
                }
            }
        }
        Scope::Rules(ids) => {
            let mut stmt = conn.prepare_cached(&format!("{RULES_SQL} AND r.id = ?1"))?;
            for id in ids.iter() {
                for row in stmt.query_map([id], rule_from_row)? {
                    out.push(row?);
                }
            }
        }
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
         FROM rides WHERE bike_id = ?1 AND deleted_at IS NULL AND excluded = 0 ORDER BY start_at",
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

/// Computes the usage of every rule in `scope` from the rides, writing nothing.
pub(crate) fn compute(conn: &Connection, scope: Scope<'_>) -> Result<Vec<(RuleId, Usage)>> {
    let rules = load_rules(conn, &scope)?;
    let components: BTreeSet<ComponentId> = rules.iter().map(|r| r.component.clone()).collect();
    let mut resolver = Resolver::new(conn);
    let mut installs: HashMap<ComponentId, (Vec<Span>, Option<i64>)> = HashMap::new();
    for c in components {
        let found = (resolver.spans(&c)?, resolver.first_mounted(&c)?);
        installs.insert(c, found);
    }
    let bikes: BTreeSet<&BikeId> = installs
        .values()
        .flat_map(|i| &i.0)
        .map(|s| &s.bike)
        .collect();
    let rides = load_rides(conn, &bikes)?;

    let none = (Vec::new(), None);
    let mut out = Vec::with_capacity(rules.len());
    for rule in rules {
        let (spans, first_mounted) = installs.get(&rule.component).unwrap_or(&none);
        let lower = rule.last_service.unwrap_or(i64::MIN);
        let mut used = if rule.last_service.is_some() {
            0.0
        } else {
            rule.initial
        };
        if rule.metric != Metric::Days {
            used += rule.carried;
        }
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
        // Calendar age runs from the first mounting, on a bike or on a part on the shelf.
        let anchor = rule.last_service.or(*first_mounted).map(Timestamp);
        out.push((
            rule.id,
            Usage {
                used,
                anchor_at: anchor,
                serviced: rule.last_service.is_some(),
            },
        ));
    }
    Ok(out)
}

/// Recomputes and stores the usage of every rule in `scope`. Runs inside the caller's write.
/// Components bring the parts mounted on them along: moving a wheel moves its tyre's wear.
pub(crate) fn refresh(conn: &Connection, scope: Scope<'_>, now: Timestamp) -> Result<()> {
    let computed = match scope {
        Scope::Components(parts) => {
            let all = mounts::with_descendants(conn, parts)?;
            compute(conn, Scope::Components(&all))?
        }
        other => compute(conn, other)?,
    };
    let mut upsert = conn.prepare_cached(
        "INSERT INTO rule_usage (rule_id, used, anchor_at, serviced, computed_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (rule_id) DO UPDATE SET used = excluded.used, anchor_at = excluded.anchor_at,
            serviced = excluded.serviced, computed_at = excluded.computed_at",
    )?;
    for (rule, u) in computed {
        upsert.execute(params![rule, u.used, u.anchor_at, u.serviced, now])?;
    }
    Ok(())
}

/// Components that were ever mounted on any of `bikes`, directly or through parts mounted there.
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
    let direct: Vec<ComponentId> = out.into_iter().collect();
    mounts::with_descendants(conn, &direct)
}

/// Rules in service that have no cache row.
fn rules_without_usage(conn: &Connection) -> Result<Vec<RuleId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id FROM rules r
         JOIN components c ON c.id = r.component_id AND c.deleted_at IS NULL
         LEFT JOIN rule_usage u ON u.rule_id = r.id
         WHERE r.deleted_at IS NULL AND u.rule_id IS NULL",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Repairs a stale cache: rebuilt whole when written by another engine version, else filled in
/// for rules that have no row. Returns whether anything was repaired.
pub fn repair_if_stale(store: &mut Store) -> Result<bool> {
    let current = store::meta(&store.conn, ENGINE_VERSION_KEY)?;
    if current.as_deref() != Some(ENGINE_VERSION) {
        rebuild(store)?;
        return Ok(true);
    }
    if rules_without_usage(&store.conn)?.is_empty() {
        return Ok(false);
    }
    let now = store.now();
    store.atomically(|store| {
        // Looked up again under the write lock: another process may have filled them.
        let missing = rules_without_usage(&store.conn)?;
        if !missing.is_empty() {
            tracing::warn!(
                rules = missing.len(),
                "wear cache had rules without usage; recomputed them"
            );
            refresh(&store.conn, Scope::Rules(&missing), now)?;
        }
        Ok(true)
    })
}

/// Throws the cache away and recomputes every rule from the rides (repair, benchmarks).
pub fn rebuild(store: &mut Store) -> Result<()> {
    let now = store.now();
    let tx = store.write()?;
    tx.execute("DELETE FROM rule_usage", [])?;
    refresh(&tx, Scope::All, now)?;
    store::set_meta(&tx, ENGINE_VERSION_KEY, ENGINE_VERSION)?;
    tx.commit()?;
    Ok(())
}
