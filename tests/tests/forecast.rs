//! `forecast_days` with exact numbers: days until due at the pace of the last 8 weeks of riding
//! on the part (core `wear::forecast`), through the garage's own API on a clock held still.

use std::sync::Arc;

use pedalwrencher_core::garage::bikes::{self, NewBike};
use pedalwrencher_core::garage::components::NewComponent;
use pedalwrencher_core::garage::rides::{self, NewRide};
use pedalwrencher_core::garage::rules::{self, NewRule};
use pedalwrencher_core::garage::{installations, workshop};
use pedalwrencher_core::time::MS_PER_DAY;
use pedalwrencher_core::wear;
use pedalwrencher_core::{
    ActivityFilter, BikeId, ComponentId, ManualClock, Metric, RuleId, Store, Timestamp,
};

/// 2027-01-15T00:00:00Z, a round "now".
const NOW: i64 = 1_800_000_000_000 - 1_800_000_000_000 % MS_PER_DAY;

fn day(n: i64) -> Timestamp {
    Timestamp(NOW + n * MS_PER_DAY)
}

struct Rig {
    store: Store,
    bike: BikeId,
}

fn rig() -> Rig {
    let clock = Arc::new(ManualClock::new(Timestamp(NOW)));
    let mut store = Store::open_in_memory().unwrap().with_clock(clock);
    let bike = bikes::add(
        &mut store,
        NewBike {
            name: "Road".into(),
            ..NewBike::default()
        },
    )
    .unwrap()
    .id;
    Rig { store, bike }
}

impl Rig {
    fn part(&mut self, mounted: Option<i64>) -> ComponentId {
        workshop::add_component(
            &mut self.store,
            NewComponent {
                kind: "chain".into(),
                bike_id: mounted.map(|_| self.bike.clone()),
                installed_at: mounted.map(|d| day(d).into()),
                without_rules: true,
                ..NewComponent::default()
            },
        )
        .unwrap()
        .id
    }

    fn rule(&mut self, part: &ComponentId, metric: Metric, interval: f64) -> RuleId {
        self.rule_with(part, metric, interval, ActivityFilter::All)
    }

    fn rule_with(
        &mut self,
        part: &ComponentId,
        metric: Metric,
        interval: f64,
        filter: ActivityFilter,
    ) -> RuleId {
        rules::add(
            &mut self.store,
            part,
            NewRule {
                task: "Replace".into(),
                metric,
                interval,
                warn_fraction: None,
                repeat: false,
                filter,
            },
        )
        .unwrap()
        .id
    }

    fn ride(&mut self, on_day: i64, km: f64, indoor: bool) {
        rides::add(
            &mut self.store,
            NewRide {
                bike_id: Some(self.bike.clone()),
                start_at: day(on_day).into(),
                distance_m: km * 1000.0,
                moving_time_s: 3600.0,
                elapsed_time_s: None,
                elevation_m: 0.0,
                energy_kj: None,
                sport_type: "Ride".into(),
                indoor,
                commute: false,
                name: String::new(),
                source: Default::default(),
                external_id: None,
            },
        )
        .unwrap();
    }

    fn forecast(&mut self, rule: &RuleId) -> Option<f64> {
        wear::statuses(&mut self.store)
            .unwrap()
            .into_iter()
            .find(|s| &s.rule_id == rule)
            .unwrap()
            .forecast_days
    }
}

#[test]
fn distance_rule_is_due_after_its_remaining_distance_at_the_last_eight_weeks_pace() {
    let mut g = rig();
    let chain = g.part(Some(-200));
    let replace = g.rule(&chain, Metric::DistanceM, 3_000_000.0);
    // Before the window: counts as use, not as pace.
    g.ride(-100, 1000.0, false);
    // 560 km in the last 56 days: 10 km a day.
    for n in 0..8 {
        g.ride(-7 * n - 1, 70.0, false);
    }
    // 3000 - 1560 = 1440 km left at 10 km a day.
    assert_eq!(g.forecast(&replace), Some(144.0));
}

#[test]
fn a_part_mounted_lately_is_judged_on_its_own_days_not_eight_weeks() {
    let mut g = rig();
    let chain = g.part(Some(-14));
    let replace = g.rule(&chain, Metric::DistanceM, 1_000_000.0);
    g.ride(-10, 70.0, false);
    g.ride(-3, 70.0, false);
    // 140 km over 14 days = 10 km a day; 860 km left.
    assert_eq!(g.forecast(&replace), Some(86.0));
}

#[test]
fn fractions_of_a_day_are_kept() {
    let mut g = rig();
    let chain = g.part(Some(-100));
    let rides = g.rule(&chain, Metric::Rides, 10.0);
    // 3 rides in 56 days; 7 rides left: 7 / (3/56) = 130.666… days.
    for n in [-50, -30, -2] {
        g.ride(n, 20.0, false);
    }
    let days = g.forecast(&rides).unwrap();
    assert!((days - 392.0 / 3.0).abs() < 1e-9, "{days}");
}

#[test]
fn a_rule_already_due_forecasts_zero() {
    let mut g = rig();
    let chain = g.part(Some(-100));
    let replace = g.rule(&chain, Metric::DistanceM, 100_000.0);
    g.ride(-60, 150.0, false);
    // Not ridden in the window, but due already: 0, not unknown.
    assert_eq!(g.forecast(&replace), Some(0.0));
}

#[test]
fn calendar_rules_forecast_their_remaining_days_ridden_or_not() {
    let mut g = rig();
    let chain = g.part(Some(-100));
    let yearly = g.rule(&chain, Metric::Days, 365.0);
    let quarterly = g.rule(&chain, Metric::Days, 90.0);
    assert_eq!(g.forecast(&yearly), Some(265.0));
    assert_eq!(g.forecast(&quarterly), Some(0.0));
}

#[test]
fn a_part_not_ridden_lately_has_no_forecast() {
    let mut g = rig();
    let shelf = g.part(None);
    let on_shelf = g.rule(&shelf, Metric::DistanceM, 3_000_000.0);
    let chain = g.part(Some(-200));
    let idle = g.rule(&chain, Metric::DistanceM, 3_000_000.0);
    g.ride(-90, 100.0, false);
    assert_eq!(g.forecast(&on_shelf), None);
    assert_eq!(g.forecast(&idle), None);
}

#[test]
fn pace_counts_only_rides_the_rule_counts_and_only_while_the_part_was_mounted() {
    let mut g = rig();
    let tyre = g.part(Some(-100));
    let outdoor = g.rule_with(
        &tyre,
        Metric::DistanceM,
        5_000_000.0,
        ActivityFilter::Outdoor,
    );
    g.ride(-40, 280.0, false);
    // On the trainer: no tyre wear.
    g.ride(-20, 500.0, true);
    // Off the bike from day -10: the ride of day -5 is not on the tyre.
    installations::remove(&mut g.store, &tyre, &day(-10).into()).unwrap();
    g.ride(-5, 1000.0, false);
    // 280 km in 56 days = 5 km a day; 4720 km left.
    assert_eq!(g.forecast(&outdoor), Some(944.0));
}
