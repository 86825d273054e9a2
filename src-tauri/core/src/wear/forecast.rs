//! Forecast: in how many days a rule will be due at the pace its part has been ridden lately.
//!
//! pace(rule)     = Σ metric(ride) over the rides on the rule's component (through its
//!                  installations) that pass the rule's filter and started in the pace window,
//!                  divided by the window's length in days;
//! window         = the last [`PACE_WINDOW_DAYS`] days, or since the part was first mounted if
//!                  that is later (a chain fitted two weeks ago is judged on those two weeks),
//!                  and never shorter than one day;
//! forecast_days  = 0 when already due; the remaining days for a calendar rule; remaining ÷ pace
//!                  otherwise; unknown (None) when the part was not ridden in the window.
//!
//! Tested with exact numbers in tests/tests/forecast.rs.
//!
//! Rides only: the starting usage of a second-hand part and wear carried over from deleted
//! rides say nothing about how fast the rider wears the part now.

use std::collections::{BTreeSet, HashMap};

use rusqlite::Connection;

use crate::error::Result;
use crate::ids::{BikeId, ComponentId};
use crate::time::{Timestamp, MS_PER_DAY};
use crate::wear::metric::{ActivityFilter, Metric};
use crate::wear::mounts::{self, Span};

/// Eight weeks: long enough to smooth a week off the bike, short enough to follow the season.
pub const PACE_WINDOW_DAYS: i64 = 56;

/// Days until a rule is due, given its usage and the pace (its metric per day) of recent riding.
/// Fractions of a day are kept; the window words them ("in about 12 days").
pub fn forecast_days(metric: Metric, used: f64, interval: f64, pace: Option<f64>) -> Option<f64> {
    if used >= interval {
        return Some(0.0);
    }
    let remaining = interval - used;
    if metric == Metric::Days {
        return Some(remaining);
    }
    match pace {
        Some(per_day) if per_day > 0.0 && per_day.is_finite() => Some(remaining / per_day),
        _ => None,
    }
}

struct RecentRide {
    start: i64,
    distance_m: f64,
    moving_time_s: f64,
    elevation_m: f64,
    energy_kj: f64,
    indoor: bool,
}

impl RecentRide {
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

/// What a pace is asked for: a rule's component, what it counts and which rides.
pub(crate) struct Subject<'a> {
    pub component: &'a ComponentId,
    pub metric: Metric,
    pub filter: ActivityFilter,
}

/// The pace (metric per day) of each subject, in order, reading only the rides of the window;
/// None for a part not ridden in it.
pub(crate) fn paces(
    conn: &Connection,
    subjects: &[Subject<'_>],
    now: Timestamp,
) -> Result<Vec<Option<f64>>> {
    let window_start = now.millis() - PACE_WINDOW_DAYS * MS_PER_DAY;
    let components: BTreeSet<&ComponentId> = subjects.iter().map(|s| s.component).collect();
    let spans = installations(conn, &components)?;
    let bikes: BTreeSet<&BikeId> = spans.values().flatten().map(|s| &s.bike).collect();
    let rides = recent_rides(conn, &bikes, window_start, now.millis())?;
    let none = Vec::new();
    Ok(subjects
        .iter()
        .map(|s| {
            let spans = spans.get(s.component).unwrap_or(&none);
            pace(
                spans,
                &rides,
                s.metric,
                s.filter,
                window_start,
                now.millis(),
            )
        })
        .collect())
}

/// The metric per day over the window, or None when no ride on the part fell in it.
fn pace(
    spans: &[Span],
    rides: &HashMap<BikeId, Vec<RecentRide>>,
    metric: Metric,
    filter: ActivityFilter,
    window_start: i64,
    now: i64,
) -> Option<f64> {
    let first_mounted = spans.iter().map(|s| s.from).min()?;
    let start = window_start.max(first_mounted);
    let mut total = 0.0;
    let mut ridden = false;
    for span in spans {
        let (from, until) = (span.from.max(start), span.until.min(now));
        if from >= until {
            continue;
        }
        let Some(bike_rides) = rides.get(&span.bike) else {
            continue;
        };
        let lo = bike_rides.partition_point(|r| r.start < from);
        let hi = bike_rides.partition_point(|r| r.start < until);
        for ride in bike_rides[lo..hi]
            .iter()
            .filter(|r| filter.accepts(r.indoor))
        {
            ridden = true;
            total += ride.value(metric);
        }
    }
    if !ridden {
        return None;
    }
    let days = ((now - start) as f64 / MS_PER_DAY as f64).max(1.0);
    Some(total / days)
}

/// Each part's stretches of time on a bike, through its parents (a tyre on a wheel rides what
/// the wheel's bike rides).
fn installations(
    conn: &Connection,
    components: &BTreeSet<&ComponentId>,
) -> Result<HashMap<ComponentId, Vec<Span>>> {
    let mut resolver = mounts::Resolver::new(conn);
    let mut out = HashMap::new();
    for &c in components {
        out.insert(c.clone(), resolver.spans(c)?);
    }
    Ok(out)
}

/// Rides of each bike that started in the window, sorted by start.
fn recent_rides(
    conn: &Connection,
    bikes: &BTreeSet<&BikeId>,
    from: i64,
    until: i64,
) -> Result<HashMap<BikeId, Vec<RecentRide>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT start_at, distance_m, moving_time_s, elevation_m, COALESCE(energy_kj, 0), indoor
         FROM rides WHERE bike_id = ?1 AND deleted_at IS NULL AND excluded = 0 AND start_at >= ?2 AND start_at < ?3
         ORDER BY start_at",
    )?;
    let mut out = HashMap::new();
    for &b in bikes {
        let rows = stmt.query_map(rusqlite::params![b, from, until], |r| {
            Ok(RecentRide {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forecast_days_by_hand() {
        assert_eq!(
            forecast_days(Metric::DistanceM, 100.0, 300.0, Some(50.0)),
            Some(4.0)
        );
        assert_eq!(
            forecast_days(Metric::DistanceM, 300.0, 300.0, None),
            Some(0.0)
        );
        assert_eq!(
            forecast_days(Metric::DistanceM, 0.0, 300.0, Some(0.0)),
            None
        );
        assert_eq!(forecast_days(Metric::Days, 30.5, 90.0, None), Some(59.5));
    }
}
