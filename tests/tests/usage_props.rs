//! The wear engine against a brute-force reference: for random garages (moves between bikes,
//! back-dated installations applied in random order, services, activity filters, second-hand
//! starting usage, rides reassigned and deleted) every rule's usage and state must equal what a
//! plain scan of every ride says.

use std::collections::HashMap;

use pedalwrencher_core::garage::bikes::{self, NewBike};
use std::sync::Arc;

use pedalwrencher_core::garage::components::{InitialUsage, NewComponent};
use pedalwrencher_core::garage::installations;
use pedalwrencher_core::garage::rides::{self, NewRide, RideSource};
use pedalwrencher_core::garage::rules::{self, NewRule};
use pedalwrencher_core::garage::services::{self, NewService};
use pedalwrencher_core::garage::workshop;
use pedalwrencher_core::time::MS_PER_DAY;
use pedalwrencher_core::wear::{self, usage, State};
use pedalwrencher_core::{
    ActivityFilter, BikeId, ComponentId, ManualClock, Metric, RideId, RuleId, Store, Timestamp,
    When,
};
use proptest::prelude::*;

const BASE: i64 = 1_700_000_000_000;
const HOUR: i64 = 3_600_000;
/// "Now" for the days metric: after every generated instant (they lie within 200 hours of BASE).
const NOW: Timestamp = Timestamp(BASE + 260 * HOUR);
const FILTERS: [ActivityFilter; 3] = [
    ActivityFilter::All,
    ActivityFilter::Outdoor,
    ActivityFilter::Indoor,
];
const WARN: [f64; 3] = [0.5, 0.8, 1.0];

fn at(hour: u32) -> Timestamp {
    Timestamp(BASE + i64::from(hour) * HOUR)
}

#[derive(Debug, Clone)]
struct RuleSpec {
    metric: Metric,
    filter: ActivityFilter,
    interval: f64,
    warn: f64,
    services: Vec<u32>,
}

#[derive(Debug, Clone)]
struct ComponentSpec {
    initial: InitialUsage,
    /// Sorted, distinct instants (hours) that bound the installations.
    bounds: Vec<u32>,
    /// Installations touch end to end (a move) instead of leaving gaps on the shelf.
    touching: bool,
    open_end: bool,
    /// Build the last two touching installations with `move_to` rather than two installs.
    via_move: bool,
    bikes: Vec<usize>,
    rules: Vec<RuleSpec>,
}

impl ComponentSpec {
    /// (bike index, from hour, until hour or None for still mounted)
    fn intervals(&self) -> Vec<(usize, u32, Option<u32>)> {
        let b = &self.bounds;
        let mut out = Vec::new();
        if self.touching {
            for i in 0..b.len().saturating_sub(1) {
                out.push((b[i], Some(b[i + 1])));
            }
            if self.open_end {
                if let Some(&last) = b.last() {
                    out.push((last, None));
                }
            }
        } else {
            for pair in b.chunks(2) {
                match pair {
                    [from, until] => out.push((*from, Some(*until))),
                    [from] if self.open_end => out.push((*from, None)),
                    _ => {}
                }
            }
        }
        out.into_iter()
            .enumerate()
            .map(|(i, (f, u))| (self.bikes[i % self.bikes.len()], f, u))
            .collect()
    }
}

#[derive(Debug, Clone)]
struct RideSpec {
    bike: Option<usize>,
    hour: u32,
    distance_m: u32,
    moving_s: u32,
    elevation_m: u32,
    energy_kj: Option<u32>,
    indoor: bool,
}

#[derive(Debug, Clone)]
enum Edit {
    Reassign { ride: usize, bike: Option<usize> },
    Delete { ride: usize },
}

#[derive(Debug, Clone)]
struct Scenario {
    bikes: usize,
    components: Vec<ComponentSpec>,
    rides: Vec<RideSpec>,
    edits: Vec<Edit>,
    shuffle: Vec<u32>,
}

fn metric_strategy() -> impl Strategy<Value = (Metric, f64)> {
    prop_oneof![
        (1u32..1_500_000).prop_map(|i| (Metric::DistanceM, f64::from(i))),
        (1u32..60_000).prop_map(|i| (Metric::MovingTimeS, f64::from(i))),
        (1u32..30).prop_map(|i| (Metric::Rides, f64::from(i))),
        (1u32..30_000).prop_map(|i| (Metric::ElevationM, f64::from(i))),
        (1u32..20_000).prop_map(|i| (Metric::EnergyKj, f64::from(i))),
        (1u32..15).prop_map(|i| (Metric::Days, f64::from(i))),
    ]
}

fn rule_strategy() -> impl Strategy<Value = RuleSpec> {
    (
        metric_strategy(),
        0..3usize,
        0..3usize,
        prop::collection::vec(0u32..200, 0..=2),
    )
        .prop_map(|((metric, interval), f, w, services)| RuleSpec {
            metric,
            filter: FILTERS[f],
            interval,
            warn: WARN[w],
            services,
        })
}

fn initial_strategy() -> impl Strategy<Value = InitialUsage> {
    prop_oneof![
        Just(InitialUsage::default()),
        (
            0u32..500_000,
            0u32..20_000,
            0u32..10,
            0u32..5_000,
            0u32..3_000,
            0u32..10
        )
            .prop_map(|(d, t, r, e, k, days)| {
                InitialUsage {
                    distance_m: f64::from(d),
                    moving_time_s: f64::from(t),
                    rides: f64::from(r),
                    elevation_m: f64::from(e),
                    energy_kj: f64::from(k),
                    days: f64::from(days),
                }
            }),
    ]
}

fn component_strategy(bikes: usize) -> impl Strategy<Value = ComponentSpec> {
    (
        initial_strategy(),
        prop::collection::btree_set(0u32..200, 0..=6),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(0..bikes, 1..=4),
        prop::collection::vec(rule_strategy(), 1..=3),
    )
        .prop_map(
            |(initial, bounds, touching, open_end, via_move, bikes, rules)| ComponentSpec {
                initial,
                bounds: bounds.into_iter().collect(),
                touching,
                open_end,
                via_move,
                bikes,
                rules,
            },
        )
}

fn ride_strategy(bikes: usize) -> impl Strategy<Value = RideSpec> {
    (
        prop::option::weighted(0.85, 0..bikes),
        0u32..200,
        0u32..100_000,
        0u32..10_000,
        0u32..2_000,
        prop::option::of(0u32..1_500),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(bike, hour, distance_m, moving_s, elevation_m, energy_kj, indoor)| RideSpec {
                bike,
                hour,
                distance_m,
                moving_s,
                elevation_m,
                energy_kj,
                indoor,
            },
        )
}

fn scenario_strategy() -> impl Strategy<Value = Scenario> {
    (1usize..=3)
        .prop_flat_map(|bikes| {
            (
                Just(bikes),
                prop::collection::vec(component_strategy(bikes), 1..=4),
                prop::collection::vec(ride_strategy(bikes), 0..40),
            )
        })
        .prop_flat_map(|(bikes, components, rides)| {
            let n = rides.len().max(1);
            let edit = prop_oneof![
                (0..n, prop::option::of(0..bikes))
                    .prop_map(|(ride, bike)| Edit::Reassign { ride, bike }),
                (0..n).prop_map(|ride| Edit::Delete { ride }),
            ];
            (
                Just(bikes),
                Just(components),
                Just(rides),
                prop::collection::vec(edit, 0..6),
                prop::collection::vec(any::<u32>(), 64),
            )
        })
        .prop_map(|(bikes, components, rides, edits, shuffle)| Scenario {
            bikes,
            components,
            rides,
            edits,
            shuffle,
        })
}

/// One write against the store; the phase-B writes are applied in a shuffled order.
enum Op {
    Install {
        component: usize,
        bike: usize,
        from: u32,
        until: Option<u32>,
    },
    InstallThenMove {
        component: usize,
        first: (usize, u32),
        then: (usize, u32),
    },
    Ride(usize),
    Service {
        component: usize,
        rule: usize,
        hour: u32,
    },
}

/// The reference's view of a ride after every edit.
struct RideFinal {
    bike: Option<usize>,
    spec: RideSpec,
}

fn value(metric: Metric, r: &RideSpec) -> f64 {
    match metric {
        Metric::DistanceM => f64::from(r.distance_m),
        Metric::MovingTimeS => f64::from(r.moving_s),
        Metric::Rides => 1.0,
        Metric::ElevationM => f64::from(r.elevation_m),
        Metric::EnergyKj => f64::from(r.energy_kj.unwrap_or(0)),
        Metric::Days => 0.0,
    }
}

fn initial(metric: Metric, i: &InitialUsage) -> f64 {
    match metric {
        Metric::DistanceM => i.distance_m,
        Metric::MovingTimeS => i.moving_time_s,
        Metric::Rides => i.rides,
        Metric::ElevationM => i.elevation_m,
        Metric::EnergyKj => i.energy_kj,
        Metric::Days => i.days,
    }
}

/// The definition, read literally: scan every ride for every rule.
fn reference_usage(c: &ComponentSpec, rule: &RuleSpec, rides: &[RideFinal]) -> f64 {
    let last_service = rule.services.iter().max().map(|&h| at(h).millis());
    let intervals = c.intervals();
    let mut used = if last_service.is_some() {
        0.0
    } else {
        initial(rule.metric, &c.initial)
    };
    if rule.metric == Metric::Days {
        let first_install = intervals
            .iter()
            .map(|(_, from, _)| at(*from).millis())
            .min();
        if let Some(anchor) = last_service.or(first_install) {
            used += (NOW.millis() - anchor).max(0) as f64 / MS_PER_DAY as f64;
        }
        return used;
    }
    for ride in rides {
        let Some(bike) = ride.bike else { continue };
        let start = at(ride.spec.hour).millis();
        let mounted = intervals.iter().any(|(b, from, until)| {
            *b == bike
                && at(*from).millis() <= start
                && until.is_none_or(|u| start < at(u).millis())
        });
        let after_service = last_service.is_none_or(|s| start >= s);
        if mounted && after_service && rule.filter.accepts(ride.spec.indoor) {
            used += value(rule.metric, &ride.spec);
        }
    }
    used
}

fn build(s: &Scenario) -> (Store, HashMap<RuleId, (usize, usize)>, Vec<RideFinal>) {
    let mut store = Store::open_in_memory()
        .expect("in-memory store")
        .with_clock(Arc::new(ManualClock::new(NOW)));
    let bike_ids: Vec<BikeId> = (0..s.bikes)
        .map(|i| {
            bikes::add(
                &mut store,
                NewBike {
                    name: format!("Bike {i}"),
                    ..Default::default()
                },
            )
            .expect("bike")
            .id
        })
        .collect();
    let mut component_ids: Vec<ComponentId> = Vec::new();
    let mut rule_ids: Vec<Vec<RuleId>> = Vec::new();
    let mut by_rule = HashMap::new();
    for (ci, c) in s.components.iter().enumerate() {
        let id = workshop::add_component(
            &mut store,
            NewComponent {
                kind: "custom".into(),
                name: Some(format!("Part {ci}")),
                initial: c.initial,
                without_rules: true,
                ..Default::default()
            },
        )
        .expect("component")
        .id;
        let mut ids = Vec::new();
        for (ri, r) in c.rules.iter().enumerate() {
            let rule = rules::add(
                &mut store,
                &id,
                NewRule {
                    task: format!("Task {ri}"),
                    metric: r.metric,
                    interval: r.interval,
                    warn_fraction: Some(r.warn),
                    repeat: false,
                    filter: r.filter,
                },
            )
            .expect("rule");
            by_rule.insert(rule.id.clone(), (ci, ri));
            ids.push(rule.id);
        }
        component_ids.push(id);
        rule_ids.push(ids);
    }

    let mut ops = Vec::new();
    for (ci, c) in s.components.iter().enumerate() {
        let mut intervals = c.intervals();
        if c.via_move && c.touching && c.open_end && intervals.len() >= 2 {
            let (bike2, from2, _) = intervals.pop().expect("two intervals");
            let (bike1, from1, _) = intervals.pop().expect("two intervals");
            ops.push(Op::InstallThenMove {
                component: ci,
                first: (bike1, from1),
                then: (bike2, from2),
            });
        }
        for (bike, from, until) in intervals {
            ops.push(Op::Install {
                component: ci,
                bike,
                from,
                until,
            });
        }
        for (ri, r) in c.rules.iter().enumerate() {
            for &hour in &r.services {
                ops.push(Op::Service {
                    component: ci,
                    rule: ri,
                    hour,
                });
            }
        }
    }
    ops.extend((0..s.rides.len()).map(Op::Ride));
    // Fisher-Yates driven by generated numbers, so proptest can shrink the order too.
    for i in (1..ops.len()).rev() {
        let j = s.shuffle[i % s.shuffle.len()] as usize % (i + 1);
        ops.swap(i, j);
    }

    let mut ride_ids: Vec<Option<RideId>> = vec![None; s.rides.len()];
    for op in ops {
        match op {
            Op::Install {
                component,
                bike,
                from,
                until,
            } => {
                installations::install(
                    &mut store,
                    &component_ids[component],
                    &bike_ids[bike],
                    &at(from).into(),
                    until.map(|u| When::from(at(u))).as_ref(),
                )
                .expect("install");
            }
            Op::InstallThenMove {
                component,
                first,
                then,
            } => {
                installations::install(
                    &mut store,
                    &component_ids[component],
                    &bike_ids[first.0],
                    &at(first.1).into(),
                    None,
                )
                .expect("install before move");
                installations::move_to(
                    &mut store,
                    &component_ids[component],
                    &bike_ids[then.0],
                    &at(then.1).into(),
                )
                .expect("move");
            }
            Op::Ride(i) => {
                let r = &s.rides[i];
                let ride = rides::add(
                    &mut store,
                    NewRide {
                        source: RideSource::Manual,
                        external_id: None,
                        bike_id: r.bike.map(|b| bike_ids[b].clone()),
                        start_at: at(r.hour).into(),
                        distance_m: f64::from(r.distance_m),
                        moving_time_s: f64::from(r.moving_s),
                        elapsed_time_s: None,
                        elevation_m: f64::from(r.elevation_m),
                        energy_kj: r.energy_kj.map(f64::from),
                        sport_type: "Ride".into(),
                        indoor: r.indoor,
                        commute: false,
                        name: String::new(),
                    },
                )
                .expect("ride");
                ride_ids[i] = Some(ride.id);
            }
            Op::Service {
                component,
                rule,
                hour,
            } => {
                services::mark_done(
                    &mut store,
                    &rule_ids[component][rule],
                    NewService {
                        done_at: Some(at(hour).into()),
                        ..Default::default()
                    },
                )
                .expect("service");
            }
        }
    }

    let mut finals: Vec<Option<RideFinal>> = s
        .rides
        .iter()
        .map(|r| {
            Some(RideFinal {
                bike: r.bike,
                spec: r.clone(),
            })
        })
        .collect();
    for edit in &s.edits {
        match *edit {
            Edit::Reassign { ride, bike } => {
                if let (Some(id), Some(f)) = (
                    ride_ids.get(ride).cloned().flatten(),
                    finals.get_mut(ride).and_then(Option::as_mut),
                ) {
                    rides::assign(&mut store, &id, bike.map(|b| bike_ids[b].clone()))
                        .expect("assign");
                    f.bike = bike;
                }
            }
            Edit::Delete { ride } => {
                if let (Some(id), Some(slot)) =
                    (ride_ids.get(ride).cloned().flatten(), finals.get_mut(ride))
                {
                    if slot.is_some() {
                        rides::delete(&mut store, &id).expect("delete");
                        *slot = None;
                    }
                }
            }
        }
    }
    (store, by_rule, finals.into_iter().flatten().collect())
}

fn check(s: &Scenario) -> Result<(), TestCaseError> {
    let (mut store, by_rule, rides) = build(s);
    let statuses = wear::statuses(&mut store).expect("statuses");
    let expected_rules: usize = s.components.iter().map(|c| c.rules.len()).sum();
    prop_assert_eq!(statuses.len(), expected_rules);
    for st in &statuses {
        let (ci, ri) = by_rule[&st.rule_id];
        let (c, rule) = (&s.components[ci], &s.components[ci].rules[ri]);
        let want = reference_usage(c, rule, &rides);
        prop_assert!(
            (st.used - want).abs() <= 1e-6 * want.abs().max(1.0),
            "rule {:?}: engine {} vs reference {}",
            rule,
            st.used,
            want
        );
        prop_assert_eq!(
            st.state,
            State::of(want, rule.interval, rule.warn),
            "state of {:?}",
            rule
        );
        prop_assert!(
            (st.remaining - (rule.interval - want)).abs() <= 1e-6 * rule.interval.max(1.0)
        );
    }
    // The incrementally kept cache must equal a rebuild from scratch.
    usage::rebuild(&mut store).expect("rebuild");
    let rebuilt = wear::statuses(&mut store).expect("statuses after rebuild");
    prop_assert_eq!(statuses, rebuilt);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn usage_and_state_match_a_brute_force_scan_of_every_ride(s in scenario_strategy()) {
        check(&s)?;
    }
}

#[test]
fn ride_at_the_exact_removal_instant_counts_for_the_next_bike_only() {
    let c = ComponentSpec {
        initial: InitialUsage::default(),
        bounds: vec![10, 20],
        touching: true,
        open_end: true,
        via_move: true,
        bikes: vec![0, 1],
        rules: vec![RuleSpec {
            metric: Metric::Rides,
            filter: ActivityFilter::All,
            interval: 10.0,
            warn: 0.8,
            services: vec![],
        }],
    };
    let ride = |bike, hour| RideSpec {
        bike: Some(bike),
        hour,
        distance_m: 1,
        moving_s: 1,
        elevation_m: 1,
        energy_kj: None,
        indoor: false,
    };
    let s = Scenario {
        bikes: 2,
        components: vec![c],
        // At hour 20 the part moved from bike 0 to bike 1: only the bike-1 ride at 20 counts.
        rides: vec![ride(0, 10), ride(0, 20), ride(1, 20), ride(1, 19)],
        edits: vec![],
        shuffle: vec![0; 64],
    };
    let (mut store, _, _) = build(&s);
    let st = wear::statuses(&mut store).unwrap();
    assert_eq!(st[0].used, 2.0);
    check(&s).unwrap();
}
