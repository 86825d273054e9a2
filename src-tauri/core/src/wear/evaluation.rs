//! Every rule's standing at once: usage, what is left, state, and the keys reminders use.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::Result;
use crate::ids::{BikeId, ComponentId, RuleId};
use crate::store::Store;
use crate::time::Timestamp;
use crate::wear::forecast;
use crate::wear::metric::{ActivityFilter, Metric};
use crate::wear::state::{self, State};
use crate::wear::usage::{self, Scope, Usage};

/// Where a rule stands now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct RuleStatus {
    pub rule_id: RuleId,
    pub component_id: ComponentId,
    pub component: String,
    pub component_kind: String,
    pub bike_id: Option<BikeId>,
    pub bike: Option<String>,
    /// False when the part is on a retired (sold, stolen) bike: its state is still shown
    /// truthfully, but it never reminds. Parts on the shelf are active.
    pub active: bool,
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
    /// Moves on every service and on the undo of the latest one.
    pub epoch: i64,
    /// Whole intervals used since the anchor for repeating rules; 0 for one-off rules.
    pub cycle: u32,
    pub snoozed_until: Option<Timestamp>,
    /// Snoozed until `used` reaches this (in the rule's metric).
    pub snoozed_until_used: Option<f64>,
    pub last_service_at: Option<Timestamp>,
    /// Days (fractions allowed) until due at the pace of the last 8 weeks of riding on the part;
    /// 0 when already due, the remaining days for a calendar rule, None when the part was not
    /// ridden lately (see `wear::forecast`).
    pub forecast_days: Option<f64>,
}

/// The state of every rule of every component in the garage (not retired, not deleted) now, by
/// the store's clock, most worn first. Reads one precomputed usage row per rule; a stale cache is
/// repaired first, and a rule whose row is missing anyway is computed on the spot, never left out.
pub fn statuses(store: &mut Store) -> Result<Vec<RuleStatus>> {
    usage::repair_if_stale(store)?;
    read(store, store.now())
}

struct Row {
    status: RuleStatus,
    cached: Option<Usage>,
    initial_days: f64,
}

fn read(store: &Store, now: Timestamp) -> Result<Vec<RuleStatus>> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT r.id, r.component_id, c.name, c.kind, b.id, b.name, b.retired, r.task, r.metric, r.interval,
                r.warn_fraction, r.repeat, r.filter, r.snoozed_until, r.epoch, c.initial_days,
                u.rule_id IS NOT NULL, u.used, u.anchor_at, u.serviced, r.snoozed_until_used
         FROM rules r
         JOIN components c ON c.id = r.component_id AND c.deleted_at IS NULL AND c.retired = 0
         LEFT JOIN rule_usage u ON u.rule_id = r.id
         LEFT JOIN component_bike_now cb ON cb.component_id = c.id
         LEFT JOIN bikes b ON b.id = cb.bike_id
         WHERE r.deleted_at IS NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        let has_usage: bool = r.get(16)?;
        let cached = if has_usage {
            Some(Usage {
                used: r.get(17)?,
                anchor_at: r.get(18)?,
                serviced: r.get(19)?,
            })
        } else {
            None
        };
        let bike_retired: Option<bool> = r.get(6)?;
        Ok(Row {
            status: RuleStatus {
                rule_id: r.get(0)?,
                component_id: r.get(1)?,
                component: r.get(2)?,
                component_kind: r.get(3)?,
                bike_id: r.get(4)?,
                bike: r.get(5)?,
                active: bike_retired != Some(true),
                task: r.get(7)?,
                metric: r.get(8)?,
                interval: r.get(9)?,
                warn_fraction: r.get(10)?,
                repeat: r.get(11)?,
                filter: r.get(12)?,
                snoozed_until: r.get(13)?,
                snoozed_until_used: r.get(20)?,
                epoch: r.get(14)?,
                // Filled in below from the usage.
                used: 0.0,
                remaining: 0.0,
                fraction: 0.0,
                state: State::Ok,
                cycle: 0,
                last_service_at: None,
                forecast_days: None,
            },
            cached,
            initial_days: r.get(15)?,
        })
    })?;
    let rows: Vec<Row> = rows.collect::<rusqlite::Result<_>>()?;

    // Rows the cache lacks (written concurrently, or damaged) are computed here, not hidden.
    let missing: Vec<RuleId> = rows
        .iter()
        .filter(|r| r.cached.is_none())
        .map(|r| r.status.rule_id.clone())
        .collect();
    let mut computed: HashMap<RuleId, Usage> = if missing.is_empty() {
        HashMap::new()
    } else {
        usage::compute(&store.conn, Scope::Rules(&missing))?
            .into_iter()
            .collect()
    };

    let mut out: Vec<RuleStatus> = rows
        .into_iter()
        .map(|row| {
            let mut st = row.status;
            let u = row
                .cached
                .or_else(|| computed.remove(&st.rule_id))
                .unwrap_or(Usage {
                    used: 0.0,
                    anchor_at: None,
                    serviced: false,
                });
            st.used = match st.metric {
                Metric::Days => state::days_used(now, u.anchor_at, u.serviced, row.initial_days),
                _ => u.used,
            };
            st.remaining = st.interval - st.used;
            st.fraction = st.used / st.interval;
            st.state = State::of(st.used, st.interval, st.warn_fraction);
            st.cycle = state::cycle(st.used, st.interval, st.repeat);
            st.last_service_at = if u.serviced { u.anchor_at } else { None };
            st
        })
        .collect();
    let subjects: Vec<forecast::Subject<'_>> = out
        .iter()
        .map(|s| forecast::Subject {
            component: &s.component_id,
            metric: s.metric,
            filter: s.filter,
        })
        .collect();
    let paces = forecast::paces(&store.conn, &subjects, now)?;
    for (st, pace) in out.iter_mut().zip(paces) {
        st.forecast_days = forecast::forecast_days(st.metric, st.used, st.interval, pace);
    }
    out.sort_by(|a, b| {
        b.fraction
            .total_cmp(&a.fraction)
            .then_with(|| a.component.cmp(&b.component))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    Ok(out)
}
