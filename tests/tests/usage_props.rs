//! The wear engine against a brute-force reference: for random garages every rule's usage,
//! state, cycle, epoch, last service and `active` flag must equal what a plain scan of every ride
//! and a literal reading of the definition say.
//!
//! A garage is built in two phases. Phase B applies, in a generated (shrinkable) shuffled order,
//! installations (back-dated, touching end to end, moves), rides typed in or imported in batches,
//! and services. Phase C then applies a generated list of edits one by one: rides reassigned,
//! deleted, re-dated, flipped indoor/outdoor, re-imported with changed values; rules edited
//! (filter, warn fraction, interval, repeat); starting usage edited; services marked and undone;
//! parts retired or replaced; bikes retired. The reference is checked after phase B and after
//! every edit, and at the end the incrementally kept cache must equal `usage::rebuild`.
//!
//! The reference keeps its own model of the garage (installation spans, services, rule settings,
//! final ride values); it takes nothing from the engine but the ids it hands out.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use pedalwrencher_core::garage::bikes::{self, NewBike};
use pedalwrencher_core::garage::components::{self, ComponentPatch, InitialUsage, NewComponent};
use pedalwrencher_core::garage::installations;
use pedalwrencher_core::garage::rides::{self, NewRide, RidePatch, RideQuery, RideSource};
use pedalwrencher_core::garage::rules::{self, NewRule, RulePatch};
use pedalwrencher_core::garage::services::{self, NewService};
use pedalwrencher_core::garage::workshop;
use pedalwrencher_core::time::MS_PER_DAY;
use pedalwrencher_core::wear::{self, usage, RuleStatus, State};
use pedalwrencher_core::{
    ActivityFilter, BikeId, ComponentId, ErrorKind, ManualClock, Metric, RideId, RuleId, ServiceId,
    Store, Timestamp, When,
};
use proptest::prelude::*;

const BASE: i64 = 1_700_000_000_000;
const HOUR: i64 = 3_600_000;
/// "Now" for the days metric and the store clock: after every generated instant (installations
/// and phase-B services lie within 200 hours of BASE, rides and phase-C dates within 250).
const NOW: Timestamp = Timestamp(BASE + 260 * HOUR);
/// Hours phase-C dates (ride edits, services, retirements, replacements) are drawn from.
const LATE: u32 = 250;
const FILTERS: [ActivityFilter; 3] = [
    ActivityFilter::All,
    ActivityFilter::Outdoor,
    ActivityFilter::Indoor,
];
const WARN: [f64; 3] = [0.5, 0.8, 1.0];

fn at(hour: u32) -> Timestamp {
    Timestamp(BASE + i64::from(hour) * HOUR)
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct RuleSpec {
    metric: Metric,
    filter: ActivityFilter,
    interval: f64,
    warn: f64,
    repeat: bool,
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

/// What a ride says: where and when it was ridden, and how much.
#[derive(Debug, Clone, PartialEq)]
struct RideValues {
    bike: Option<usize>,
    hour: u32,
    distance_m: u32,
    moving_s: u32,
    elevation_m: u32,
    energy_kj: Option<u32>,
    indoor: bool,
}

#[derive(Debug, Clone)]
struct RideSpec {
    values: RideValues,
    /// None: typed in (`rides::add`); Some(k): in import batch k (`rides::import`, from Strava,
    /// external id `ext-<ride index>`).
    import_batch: Option<u8>,
}

/// Phase-C writes, applied in the order generated. `component` names the scenario's component
/// slot: after a replacement, the fresh part in it. Indices out of range (a component's rule) are
/// taken modulo; edits of things that are gone (a deleted ride, a retired part) are skipped.
#[derive(Debug, Clone)]
enum Edit {
    Reassign {
        ride: usize,
        bike: Option<usize>,
    },
    Delete {
        ride: usize,
    },
    /// `rides::edit` with a new start and/or indoor flag.
    Retime {
        ride: usize,
        hour: Option<u32>,
        indoor: Option<bool>,
    },
    /// One `rides::import` call offering imported rides again: the index picks among the
    /// imported rides (modulo), which keep their external id.
    Reimport {
        rides: Vec<(usize, RideValues)>,
    },
    /// `rules::edit` of the filter, warn fraction, interval and repeat flag (None: unchanged).
    Rule {
        component: usize,
        rule: usize,
        filter: Option<ActivityFilter>,
        warn: Option<f64>,
        /// New interval = max(1, floor(old × quarters / 4)).
        interval_quarters: Option<u32>,
        repeat: Option<bool>,
    },
    /// `components::edit` of the starting usage.
    StartingUsage {
        component: usize,
        initial: InitialUsage,
    },
    MarkService {
        component: usize,
        rule: usize,
        hour: u32,
    },
    /// Deletes the nth (modulo) service still standing on the rule, in the order marked.
    DeleteService {
        component: usize,
        rule: usize,
        nth: usize,
    },
    /// `workshop::retire`; refused (Invalid) at or before the part's current mounting.
    Retire {
        component: usize,
        hour: u32,
    },
    /// `workshop::replace`; refused (Invalid) at or before the part's current mounting, and
    /// (Conflict) when it is mounted on a retired bike, where the fresh part cannot go.
    Replace {
        component: usize,
        hour: u32,
    },
    RetireBike {
        bike: usize,
    },
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

/// Often one of a few shared hours, so that services tie on their date and the undo must
/// tell the latest one by its id.
fn service_hour(hours: u32) -> impl Strategy<Value = u32> {
    prop_oneof![0..hours, prop::sample::select(vec![50u32, 150])]
}

/// Mostly after every phase-B installation, so that most retirements and replacements go
/// through; sometimes at or before the current mounting, which must be refused.
fn removal_hour() -> impl Strategy<Value = u32> {
    prop_oneof![0..LATE, 200..LATE]
}

fn rule_strategy() -> impl Strategy<Value = RuleSpec> {
    (
        metric_strategy(),
        0..3usize,
        0..3usize,
        any::<bool>(),
        prop::collection::vec(service_hour(200), 0..=2),
    )
        .prop_map(|((metric, interval), f, w, repeat, services)| RuleSpec {
            metric,
            filter: FILTERS[f],
            interval,
            warn: WARN[w],
            repeat,
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
        // Mostly still mounted, so that replacements mount a fresh part and retired bikes
        // hold parts.
        prop::bool::weighted(0.75),
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

fn ride_values_strategy(bikes: usize, hours: u32) -> impl Strategy<Value = RideValues> {
    (
        prop::option::weighted(0.85, 0..bikes),
        0u32..hours,
        0u32..100_000,
        0u32..10_000,
        0u32..2_000,
        prop::option::of(0u32..1_500),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(bike, hour, distance_m, moving_s, elevation_m, energy_kj, indoor)| RideValues {
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

fn ride_strategy(bikes: usize) -> impl Strategy<Value = RideSpec> {
    (
        ride_values_strategy(bikes, LATE),
        prop::option::weighted(0.35, 0u8..3),
    )
        .prop_map(|(values, import_batch)| RideSpec {
            values,
            import_batch,
        })
}

fn edit_strategy(bikes: usize, components: usize, rides: usize) -> impl Strategy<Value = Edit> {
    let n = rides.max(1);
    prop_oneof![
        2 => (0..n, prop::option::of(0..bikes))
            .prop_map(|(ride, bike)| Edit::Reassign { ride, bike }),
        2 => (0..n).prop_map(|ride| Edit::Delete { ride }),
        3 => (0..n, prop::option::of(0..LATE), prop::option::of(any::<bool>()))
            .prop_map(|(ride, hour, indoor)| Edit::Retime { ride, hour, indoor }),
        2 => prop::collection::vec((0..n, ride_values_strategy(bikes, LATE)), 1..=3)
            .prop_map(|rides| Edit::Reimport { rides }),
        3 => (
            0..components,
            0..3usize,
            prop::option::of(0..3usize),
            prop::option::of(0..3usize),
            prop::option::of(1u32..=8),
            prop::option::of(any::<bool>()),
        )
            .prop_map(|(component, rule, f, w, interval_quarters, repeat)| Edit::Rule {
                component,
                rule,
                filter: f.map(|f| FILTERS[f]),
                warn: w.map(|w| WARN[w]),
                interval_quarters,
                repeat,
            }),
        1 => (0..components, initial_strategy())
            .prop_map(|(component, initial)| Edit::StartingUsage { component, initial }),
        2 => (0..components, 0..3usize, service_hour(LATE))
            .prop_map(|(component, rule, hour)| Edit::MarkService { component, rule, hour }),
        3 => (0..components, 0..3usize, 0..4usize)
            .prop_map(|(component, rule, nth)| Edit::DeleteService { component, rule, nth }),
        1 => (0..components, removal_hour())
            .prop_map(|(component, hour)| Edit::Retire { component, hour }),
        2 => (0..components, removal_hour())
            .prop_map(|(component, hour)| Edit::Replace { component, hour }),
        1 => (0..bikes).prop_map(|bike| Edit::RetireBike { bike }),
    ]
}

const MAX_BIKES: usize = 3;
const MAX_COMPONENTS: usize = 4;
const MAX_RIDES: usize = 40;

/// One flat tuple, no `prop_flat_map`: indices are drawn against the maxima and reduced to the
/// counts drawn by [`Scenario::normalized`], so every part of a failing case shrinks on its own
/// (a flat map would draw new edits whenever the garage shrank).
fn scenario_strategy() -> impl Strategy<Value = Scenario> {
    (
        1..=MAX_BIKES,
        prop::collection::vec(component_strategy(MAX_BIKES), 1..=MAX_COMPONENTS),
        prop::collection::vec(ride_strategy(MAX_BIKES), 0..MAX_RIDES),
        prop::collection::vec(edit_strategy(MAX_BIKES, MAX_COMPONENTS, MAX_RIDES), 0..=16),
        prop::collection::vec(any::<u32>(), 64),
    )
        .prop_map(|(bikes, components, rides, edits, shuffle)| {
            Scenario {
                bikes,
                components,
                rides,
                edits,
                shuffle,
            }
            .normalized()
        })
}

impl Scenario {
    /// Takes every bike, component and ride index modulo the number there is.
    fn normalized(mut self) -> Self {
        let bikes = self.bikes;
        let components = self.components.len();
        let rides = self.rides.len().max(1);
        for c in &mut self.components {
            for b in &mut c.bikes {
                *b %= bikes;
            }
        }
        for r in &mut self.rides {
            if let Some(b) = &mut r.values.bike {
                *b %= bikes;
            }
        }
        for e in &mut self.edits {
            match e {
                Edit::Reassign { ride, bike } => {
                    *ride %= rides;
                    if let Some(b) = bike {
                        *b %= bikes;
                    }
                }
                Edit::Delete { ride } | Edit::Retime { ride, .. } => *ride %= rides,
                Edit::Reimport { rides: offered } => {
                    for (ride, v) in offered {
                        *ride %= rides;
                        if let Some(b) = &mut v.bike {
                            *b %= bikes;
                        }
                    }
                }
                Edit::Rule { component, .. }
                | Edit::StartingUsage { component, .. }
                | Edit::MarkService { component, .. }
                | Edit::DeleteService { component, .. }
                | Edit::Retire { component, .. }
                | Edit::Replace { component, .. } => *component %= components,
                Edit::RetireBike { bike } => *bike %= bikes,
            }
        }
        self
    }
}

// ---------------------------------------------------------------------------------------------
// The reference: its own model of the garage, and the definition read literally
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct ServiceModel {
    id: ServiceId,
    done_at: i64,
    live: bool,
}

#[derive(Debug)]
struct RuleModel {
    id: RuleId,
    task: String,
    metric: Metric,
    filter: ActivityFilter,
    interval: f64,
    warn: f64,
    repeat: bool,
    /// Every service marked on the rule, in the order marked.
    services: Vec<ServiceModel>,
    /// Services marked + deletions that removed the then-latest service.
    epoch: i64,
}

impl RuleModel {
    fn last_service(&self) -> Option<i64> {
        self.services
            .iter()
            .filter(|s| s.live)
            .map(|s| s.done_at)
            .max()
    }

    /// Index of the standing service that anchors the counter: latest by (done_at, id).
    fn latest(&self) -> Option<usize> {
        (0..self.services.len())
            .filter(|&i| self.services[i].live)
            .max_by(|&a, &b| {
                let (a, b) = (&self.services[a], &self.services[b]);
                (a.done_at, &a.id).cmp(&(b.done_at, &b.id))
            })
    }
}

#[derive(Debug)]
struct PartModel {
    id: ComponentId,
    initial: InitialUsage,
    /// (bike index, from hour, until hour or None for still mounted)
    installs: Vec<(usize, u32, Option<u32>)>,
    rules: Vec<RuleModel>,
    retired: bool,
}

impl PartModel {
    fn open(&self) -> Option<(usize, u32)> {
        self.installs
            .iter()
            .find(|(_, _, until)| until.is_none())
            .map(|&(bike, from, _)| (bike, from))
    }
}

fn value(metric: Metric, r: &RideValues) -> f64 {
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

fn passes(filter: ActivityFilter, indoor: bool) -> bool {
    match filter {
        ActivityFilter::All => true,
        ActivityFilter::Outdoor => !indoor,
        ActivityFilter::Indoor => indoor,
    }
}

/// The definition, read literally: scan every ride for every rule.
fn reference_usage(part: &PartModel, rule: &RuleModel, rides: &[Option<RideValues>]) -> f64 {
    let last_service = rule.last_service();
    let mut used = if last_service.is_some() {
        0.0
    } else {
        initial(rule.metric, &part.initial)
    };
    if rule.metric == Metric::Days {
        let first_install = part
            .installs
            .iter()
            .map(|(_, from, _)| at(*from).millis())
            .min();
        if let Some(anchor) = last_service.or(first_install) {
            used += (NOW.millis() - anchor).max(0) as f64 / MS_PER_DAY as f64;
        }
        return used;
    }
    for ride in rides.iter().flatten() {
        let Some(bike) = ride.bike else { continue };
        let start = at(ride.hour).millis();
        let mounted = part.installs.iter().any(|(b, from, until)| {
            *b == bike
                && at(*from).millis() <= start
                && until.is_none_or(|u| start < at(u).millis())
        });
        let after_service = last_service.is_none_or(|s| start >= s);
        if mounted && after_service && passes(rule.filter, ride.indoor) {
            used += value(rule.metric, ride);
        }
    }
    used
}

fn reference_state(used: f64, interval: f64, warn: f64) -> State {
    if used >= interval {
        State::Due
    } else if used >= warn * interval {
        State::DueSoon
    } else {
        State::Ok
    }
}

fn reference_cycle(used: f64, interval: f64, repeat: bool) -> u32 {
    if repeat {
        (used / interval).floor() as u32
    } else {
        0
    }
}

// ---------------------------------------------------------------------------------------------
// Driving the engine and the model side by side
// ---------------------------------------------------------------------------------------------

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
    Import(Vec<usize>),
    Service {
        component: usize,
        rule: usize,
        hour: u32,
    },
}

fn ok<T>(r: pedalwrencher_core::Result<T>, what: &str) -> Result<T, TestCaseError> {
    r.map_err(|e| TestCaseError::fail(format!("{what} failed: {e}")))
}

fn external_id(ride: usize) -> String {
    format!("ext-{ride}")
}

struct Sim {
    store: Store,
    bikes: Vec<BikeId>,
    bike_retired: Vec<bool>,
    /// Every component ever made, retired ones included.
    parts: Vec<PartModel>,
    /// The scenario's component i is now `parts[slots[i]]` (None once retired for good).
    slots: Vec<Option<usize>>,
    /// Final values of each ride; None once deleted.
    rides: Vec<Option<RideValues>>,
    ride_ids: Vec<Option<RideId>>,
    imported: Vec<bool>,
}

impl Sim {
    fn new_ride(&self, v: &RideValues, external: Option<usize>) -> NewRide {
        NewRide {
            source: if external.is_some() {
                RideSource::Strava
            } else {
                RideSource::Manual
            },
            external_id: external.map(external_id),
            bike_id: v.bike.map(|b| self.bikes[b].clone()),
            start_at: at(v.hour).into(),
            distance_m: f64::from(v.distance_m),
            moving_time_s: f64::from(v.moving_s),
            elapsed_time_s: None,
            elevation_m: f64::from(v.elevation_m),
            energy_kj: v.energy_kj.map(f64::from),
            sport_type: "Ride".into(),
            indoor: v.indoor,
            commute: false,
            name: String::new(),
        }
    }

    /// Phase B: the garage's bikes, parts, rules, installations, rides and services.
    fn build(s: &Scenario) -> Result<Sim, TestCaseError> {
        let mut store = ok(Store::open_in_memory(), "in-memory store")?
            .with_clock(Arc::new(ManualClock::new(NOW)));
        let mut bike_ids = Vec::new();
        for i in 0..s.bikes {
            let bike = bikes::add(
                &mut store,
                NewBike {
                    name: format!("Bike {i}"),
                    ..Default::default()
                },
            );
            bike_ids.push(ok(bike, "add bike")?.id);
        }
        let mut parts = Vec::new();
        for (ci, c) in s.components.iter().enumerate() {
            let id = ok(
                workshop::add_component(
                    &mut store,
                    NewComponent {
                        kind: "custom".into(),
                        name: Some(format!("Part {ci}")),
                        initial: c.initial,
                        without_rules: true,
                        ..Default::default()
                    },
                ),
                "add component",
            )?
            .id;
            let mut rule_models = Vec::new();
            for (ri, r) in c.rules.iter().enumerate() {
                let task = format!("Task {ri}");
                let rule = ok(
                    rules::add(
                        &mut store,
                        &id,
                        NewRule {
                            task: task.clone(),
                            metric: r.metric,
                            interval: r.interval,
                            warn_fraction: Some(r.warn),
                            repeat: r.repeat,
                            filter: r.filter,
                        },
                    ),
                    "add rule",
                )?;
                rule_models.push(RuleModel {
                    id: rule.id,
                    task,
                    metric: r.metric,
                    filter: r.filter,
                    interval: r.interval,
                    warn: r.warn,
                    repeat: r.repeat,
                    services: Vec::new(),
                    epoch: 0,
                });
            }
            parts.push(PartModel {
                id,
                initial: c.initial,
                installs: c.intervals(),
                rules: rule_models,
                retired: false,
            });
        }
        let mut sim = Sim {
            store,
            bike_retired: vec![false; s.bikes],
            bikes: bike_ids,
            slots: (0..parts.len()).map(Some).collect(),
            parts,
            rides: vec![None; s.rides.len()],
            ride_ids: vec![None; s.rides.len()],
            imported: s.rides.iter().map(|r| r.import_batch.is_some()).collect(),
        };

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
        let mut batches: [Vec<usize>; 3] = Default::default();
        for (i, r) in s.rides.iter().enumerate() {
            match r.import_batch {
                None => ops.push(Op::Ride(i)),
                Some(k) => batches[usize::from(k) % 3].push(i),
            }
        }
        ops.extend(
            batches
                .into_iter()
                .filter(|b| !b.is_empty())
                .map(Op::Import),
        );
        // Fisher-Yates driven by generated numbers, so proptest can shrink the order too.
        for i in (1..ops.len()).rev() {
            let j = s.shuffle[i % s.shuffle.len()] as usize % (i + 1);
            ops.swap(i, j);
        }

        for op in ops {
            sim.apply_op(s, op)?;
        }
        // Imports do not hand out ids: find the imported rides by their external ids.
        let listed = ok(rides::list(&sim.store, &RideQuery::default()), "list rides")?;
        for ride in listed {
            if let Some(i) = ride
                .external_id
                .as_deref()
                .and_then(|e| e.strip_prefix("ext-"))
                .and_then(|i| i.parse::<usize>().ok())
            {
                sim.ride_ids[i] = Some(ride.id);
            }
        }
        Ok(sim)
    }

    fn apply_op(&mut self, s: &Scenario, op: Op) -> Result<(), TestCaseError> {
        match op {
            Op::Install {
                component,
                bike,
                from,
                until,
            } => {
                ok(
                    installations::install(
                        &mut self.store,
                        &self.parts[component].id,
                        &self.bikes[bike],
                        &at(from).into(),
                        until.map(|u| When::from(at(u))).as_ref(),
                    ),
                    "install",
                )?;
            }
            Op::InstallThenMove {
                component,
                first,
                then,
            } => {
                let id = self.parts[component].id.clone();
                ok(
                    installations::install(
                        &mut self.store,
                        &id,
                        &self.bikes[first.0],
                        &at(first.1).into(),
                        None,
                    ),
                    "install before move",
                )?;
                ok(
                    installations::move_to(
                        &mut self.store,
                        &id,
                        &self.bikes[then.0],
                        &at(then.1).into(),
                    ),
                    "move",
                )?;
            }
            Op::Ride(i) => {
                let v = &s.rides[i].values;
                let new = self.new_ride(v, None);
                let ride = ok(rides::add(&mut self.store, new), "ride")?;
                self.ride_ids[i] = Some(ride.id);
                self.rides[i] = Some(v.clone());
            }
            Op::Import(batch) => {
                let news = batch
                    .iter()
                    .map(|&i| self.new_ride(&s.rides[i].values, Some(i)))
                    .collect();
                let report = ok(rides::import(&mut self.store, news), "import")?;
                prop_assert_eq!(report.inserted, batch.len(), "rides inserted by an import");
                for i in batch {
                    self.rides[i] = Some(s.rides[i].values.clone());
                }
            }
            Op::Service {
                component,
                rule,
                hour,
            } => self.mark(component, rule, hour)?,
        }
        Ok(())
    }

    fn mark(&mut self, part: usize, rule: usize, hour: u32) -> Result<(), TestCaseError> {
        let r = &mut self.parts[part].rules[rule];
        let service = ok(
            services::mark_done(
                &mut self.store,
                &r.id,
                NewService {
                    done_at: Some(at(hour).into()),
                    ..Default::default()
                },
            ),
            "mark service",
        )?;
        r.services.push(ServiceModel {
            id: service.id,
            done_at: at(hour).millis(),
            live: true,
        });
        r.epoch += 1;
        Ok(())
    }

    /// The live part in slot `component` and a rule index on it, if the slot is still in use.
    fn target(&self, component: usize, rule: usize) -> Option<(usize, usize)> {
        let p = self.slots.get(component).copied().flatten()?;
        Some((p, rule % self.parts[p].rules.len()))
    }

    /// Phase C: one edit, to the engine and to the model.
    fn apply(&mut self, edit: &Edit) -> Result<(), TestCaseError> {
        match edit {
            Edit::Reassign { ride, bike } => {
                let Some(id) = self.live_ride(*ride) else {
                    return Ok(());
                };
                ok(
                    rides::assign(&mut self.store, &id, bike.map(|b| self.bikes[b].clone())),
                    "assign",
                )?;
                self.rides[*ride].as_mut().expect("live ride").bike = *bike;
            }
            Edit::Delete { ride } => {
                let Some(id) = self.live_ride(*ride) else {
                    return Ok(());
                };
                ok(rides::delete(&mut self.store, &id), "delete ride")?;
                self.rides[*ride] = None;
            }
            Edit::Retime { ride, hour, indoor } => {
                let Some(id) = self.live_ride(*ride) else {
                    return Ok(());
                };
                let patch = RidePatch {
                    start_at: hour.map(|h| When::At(at(h))),
                    indoor: *indoor,
                    ..Default::default()
                };
                ok(rides::edit(&mut self.store, &id, patch), "edit ride")?;
                let v = self.rides[*ride].as_mut().expect("live ride");
                if let Some(h) = hour {
                    v.hour = *h;
                }
                if let Some(i) = indoor {
                    v.indoor = *i;
                }
            }
            Edit::Reimport { rides: offered } => {
                let imported: Vec<usize> = (0..self.imported.len())
                    .filter(|&i| self.imported[i])
                    .collect();
                if imported.is_empty() {
                    return Ok(());
                }
                let offered: Vec<(usize, &RideValues)> = offered
                    .iter()
                    .map(|(i, v)| (imported[i % imported.len()], v))
                    .collect();
                let news = offered
                    .iter()
                    .map(|&(i, v)| self.new_ride(v, Some(i)))
                    .collect();
                let (mut updated, mut unchanged) = (0, 0);
                for &(i, v) in &offered {
                    match &mut self.rides[i] {
                        // A ride the rider deleted stays deleted.
                        None => unchanged += 1,
                        Some(old) if old == v => unchanged += 1,
                        Some(old) => {
                            *old = v.clone();
                            updated += 1;
                        }
                    }
                }
                let report = ok(rides::import(&mut self.store, news), "re-import")?;
                prop_assert_eq!(
                    (report.inserted, report.updated, report.unchanged),
                    (0, updated, unchanged),
                    "re-import report"
                );
            }
            Edit::Rule {
                component,
                rule,
                filter,
                warn,
                interval_quarters,
                repeat,
            } => {
                let Some((p, ri)) = self.target(*component, *rule) else {
                    return Ok(());
                };
                let r = &mut self.parts[p].rules[ri];
                let interval =
                    interval_quarters.map(|q| (r.interval * f64::from(q) / 4.0).floor().max(1.0));
                ok(
                    rules::edit(
                        &mut self.store,
                        &r.id,
                        RulePatch {
                            interval,
                            warn_fraction: *warn,
                            repeat: *repeat,
                            filter: *filter,
                            ..Default::default()
                        },
                    ),
                    "edit rule",
                )?;
                r.interval = interval.unwrap_or(r.interval);
                r.warn = warn.unwrap_or(r.warn);
                r.repeat = repeat.unwrap_or(r.repeat);
                r.filter = filter.unwrap_or(r.filter);
            }
            Edit::StartingUsage { component, initial } => {
                let Some((p, _)) = self.target(*component, 0) else {
                    return Ok(());
                };
                ok(
                    components::edit(
                        &mut self.store,
                        &self.parts[p].id,
                        ComponentPatch {
                            initial: Some(*initial),
                            ..Default::default()
                        },
                    ),
                    "edit starting usage",
                )?;
                self.parts[p].initial = *initial;
            }
            Edit::MarkService {
                component,
                rule,
                hour,
            } => {
                let Some((p, ri)) = self.target(*component, *rule) else {
                    return Ok(());
                };
                self.mark(p, ri, *hour)?;
            }
            Edit::DeleteService {
                component,
                rule,
                nth,
            } => {
                let Some((p, ri)) = self.target(*component, *rule) else {
                    return Ok(());
                };
                let r = &mut self.parts[p].rules[ri];
                let standing: Vec<usize> = (0..r.services.len())
                    .filter(|&i| r.services[i].live)
                    .collect();
                if standing.is_empty() {
                    return Ok(());
                }
                let victim = standing[nth % standing.len()];
                if r.latest() == Some(victim) {
                    r.epoch += 1;
                }
                r.services[victim].live = false;
                let undone = ok(
                    services::delete(&mut self.store, &r.services[victim].id),
                    "delete service",
                )?;
                prop_assert_eq!(undone.epoch, r.epoch, "epoch reported by the undo");
            }
            Edit::Retire { component, hour } => {
                let Some((p, _)) = self.target(*component, 0) else {
                    return Ok(());
                };
                let result =
                    workshop::retire(&mut self.store, &self.parts[p].id, &at(*hour).into());
                match self.parts[p].open() {
                    Some((_, since)) if *hour <= since => {
                        return expect_refused(result.map(|_| ()), ErrorKind::Invalid, edit);
                    }
                    _ => {}
                }
                ok(result, "retire")?;
                self.close_open(p, *hour);
                self.parts[p].retired = true;
                self.slots[*component] = None;
            }
            Edit::Replace { component, hour } => {
                let Some((p, _)) = self.target(*component, 0) else {
                    return Ok(());
                };
                let result =
                    workshop::replace(&mut self.store, &self.parts[p].id, &at(*hour).into());
                let open = self.parts[p].open();
                match open {
                    Some((_, since)) if *hour <= since => {
                        return expect_refused(result.map(|_| ()), ErrorKind::Invalid, edit);
                    }
                    // The fresh part cannot be mounted on a retired bike.
                    Some((bike, _)) if self.bike_retired[bike] => {
                        return expect_refused(result.map(|_| ()), ErrorKind::Conflict, edit);
                    }
                    _ => {}
                }
                let fresh = ok(result, "replace")?;
                self.close_open(p, *hour);
                self.parts[p].retired = true;
                // The fresh part's rules are new rows: find them by their (copied) task.
                let listed = ok(rules::list(&self.store, &fresh.id), "list fresh rules")?;
                prop_assert_eq!(listed.len(), self.parts[p].rules.len(), "rules copied");
                let mut copies = Vec::new();
                for old in &self.parts[p].rules {
                    let Some(new) = listed.iter().find(|r| r.task == old.task) else {
                        return Err(TestCaseError::fail(format!("no copy of {}", old.task)));
                    };
                    copies.push(RuleModel {
                        id: new.id.clone(),
                        task: old.task.clone(),
                        metric: old.metric,
                        filter: old.filter,
                        interval: old.interval,
                        warn: old.warn,
                        repeat: old.repeat,
                        services: Vec::new(),
                        epoch: 0,
                    });
                }
                self.parts.push(PartModel {
                    id: fresh.id,
                    initial: InitialUsage::default(),
                    installs: open
                        .map(|(bike, _)| vec![(bike, *hour, None)])
                        .unwrap_or_default(),
                    rules: copies,
                    retired: false,
                });
                self.slots[*component] = Some(self.parts.len() - 1);
            }
            Edit::RetireBike { bike } => {
                ok(
                    bikes::retire(&mut self.store, &self.bikes[*bike]),
                    "retire bike",
                )?;
                self.bike_retired[*bike] = true;
            }
        }
        Ok(())
    }

    fn live_ride(&self, ride: usize) -> Option<RideId> {
        self.rides.get(ride)?.as_ref()?;
        self.ride_ids[ride].clone()
    }

    fn close_open(&mut self, part: usize, hour: u32) {
        for span in &mut self.parts[part].installs {
            if span.2.is_none() {
                span.2 = Some(hour);
            }
        }
    }

    /// Every rule of every part in service, as the reference sees it, against `wear::statuses`.
    fn verify(&mut self, when: &dyn Fn() -> String) -> Result<Vec<RuleStatus>, TestCaseError> {
        let statuses = ok(wear::statuses(&mut self.store), "statuses")?;
        let mut expected: HashMap<&RuleId, (&PartModel, &RuleModel)> = HashMap::new();
        for part in self.parts.iter().filter(|p| !p.retired) {
            for rule in &part.rules {
                expected.insert(&rule.id, (part, rule));
            }
        }
        prop_assert_eq!(
            statuses.len(),
            expected.len(),
            "{}: rules listed {:?}",
            when(),
            statuses.iter().map(|s| &s.task).collect::<Vec<_>>()
        );
        let mut seen = HashSet::new();
        for st in &statuses {
            let Some(&(part, rule)) = expected.get(&st.rule_id) else {
                return Err(TestCaseError::fail(format!(
                    "{}: rule {} of {} is listed but should not be",
                    when(),
                    st.task,
                    st.component
                )));
            };
            prop_assert!(seen.insert(&st.rule_id), "{}: listed twice", when());
            let want = reference_usage(part, rule, &self.rides);
            prop_assert!(
                (st.used - want).abs() <= 1e-6 * want.abs().max(1.0),
                "{}: {} of {} ({:?}): engine {} vs reference {}",
                when(),
                rule.task,
                st.component,
                rule,
                st.used,
                want
            );
            prop_assert_eq!(
                (
                    st.metric,
                    st.interval,
                    st.warn_fraction,
                    st.repeat,
                    st.filter
                ),
                (
                    rule.metric,
                    rule.interval,
                    rule.warn,
                    rule.repeat,
                    rule.filter
                ),
                "{}: settings of {:?}",
                when(),
                rule
            );
            prop_assert_eq!(&st.component_id, &part.id, "{}: component", when());
            prop_assert_eq!(
                st.state,
                reference_state(want, rule.interval, rule.warn),
                "{}: state of {:?} at {}",
                when(),
                rule,
                want
            );
            prop_assert_eq!(
                st.cycle,
                reference_cycle(want, rule.interval, rule.repeat),
                "{}: cycle of {:?} at {}",
                when(),
                rule,
                want
            );
            prop_assert_eq!(st.epoch, rule.epoch, "{}: epoch of {:?}", when(), rule);
            prop_assert_eq!(
                st.last_service_at,
                rule.last_service().map(Timestamp),
                "{}: last service of {:?}",
                when(),
                rule
            );
            let active = part.open().is_none_or(|(bike, _)| !self.bike_retired[bike]);
            prop_assert_eq!(st.active, active, "{}: active, {:?}", when(), part.open());
            prop_assert!(
                (st.remaining - (rule.interval - want)).abs() <= 1e-6 * rule.interval.max(1.0),
                "{}: remaining",
                when()
            );
        }
        Ok(statuses)
    }
}

fn expect_refused(
    result: pedalwrencher_core::Result<()>,
    kind: ErrorKind,
    edit: &Edit,
) -> Result<(), TestCaseError> {
    match result {
        Err(e) if e.kind() == kind => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!(
            "{edit:?}: refused as {:?} ({e}), expected {kind:?}",
            e.kind()
        ))),
        Ok(()) => Err(TestCaseError::fail(format!(
            "{edit:?}: accepted, expected {kind:?}"
        ))),
    }
}

fn check(s: &Scenario) -> Result<(), TestCaseError> {
    let mut sim = Sim::build(s)?;
    let mut statuses = sim.verify(&|| "after phase B".to_owned())?;
    for (i, edit) in s.edits.iter().enumerate() {
        sim.apply(edit)?;
        statuses = sim.verify(&|| format!("after edit {i} {edit:?}"))?;
    }
    // The incrementally kept cache must equal a rebuild from scratch.
    ok(usage::rebuild(&mut sim.store), "rebuild")?;
    let rebuilt = ok(wear::statuses(&mut sim.store), "statuses after rebuild")?;
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
            repeat: false,
            services: vec![],
        }],
    };
    let ride = |bike, hour| RideSpec {
        values: RideValues {
            bike: Some(bike),
            hour,
            distance_m: 1,
            moving_s: 1,
            elevation_m: 1,
            energy_kj: None,
            indoor: false,
        },
        import_batch: None,
    };
    let s = Scenario {
        bikes: 2,
        components: vec![c],
        // At hour 20 the part moved from bike 0 to bike 1: only the bike-1 ride at 20 counts.
        rides: vec![ride(0, 10), ride(0, 20), ride(1, 20), ride(1, 19)],
        edits: vec![],
        shuffle: vec![0; 64],
    };
    let mut sim = Sim::build(&s).unwrap();
    let st = wear::statuses(&mut sim.store).unwrap();
    assert_eq!(st[0].used, 2.0);
    check(&s).unwrap();
}

/// Builds `s` and applies its edits, checking nothing.
fn run(s: &Scenario) -> Sim {
    let mut sim = Sim::build(s).unwrap();
    for edit in &s.edits {
        sim.apply(edit).unwrap();
    }
    sim
}

fn one_part(rules: Vec<RuleSpec>, initial: InitialUsage) -> ComponentSpec {
    ComponentSpec {
        initial,
        bounds: vec![10],
        touching: false,
        open_end: true,
        via_move: false,
        bikes: vec![0],
        rules,
    }
}

fn rides_on_bike_0(hours: &[u32]) -> Vec<RideSpec> {
    hours
        .iter()
        .map(|&hour| RideSpec {
            values: RideValues {
                bike: Some(0),
                hour,
                distance_m: 1_000,
                moving_s: 100,
                elevation_m: 10,
                energy_kj: None,
                indoor: false,
            },
            import_batch: None,
        })
        .collect()
}

#[test]
fn undoing_services_tied_on_their_date_moves_the_epoch_only_for_the_latest() {
    let rule = RuleSpec {
        metric: Metric::Rides,
        filter: ActivityFilter::All,
        interval: 10.0,
        warn: 0.8,
        repeat: true,
        // Two services at the same instant: the one marked last anchors the counter.
        services: vec![50, 50],
    };
    let undo_first_standing = Edit::DeleteService {
        component: 0,
        rule: 0,
        nth: 0,
    };
    let mut s = Scenario {
        bikes: 1,
        components: vec![one_part(vec![rule], InitialUsage::default())],
        rides: rides_on_bike_0(&[40, 60, 70]),
        edits: vec![undo_first_standing.clone()],
        shuffle: vec![0; 64],
    };
    // Undoing the one marked first leaves the anchor where it was.
    let st = wear::statuses(&mut run(&s).store).unwrap();
    assert_eq!((st[0].epoch, st[0].used), (2, 2.0));
    assert_eq!(st[0].last_service_at, Some(at(50)));
    check(&s).unwrap();
    // Undoing the other one too sends the counter back to the installation.
    s.edits.push(undo_first_standing);
    let st = wear::statuses(&mut run(&s).store).unwrap();
    assert_eq!((st[0].epoch, st[0].used, st[0].cycle), (3, 3.0, 0));
    assert_eq!(st[0].last_service_at, None);
    check(&s).unwrap();
}

#[test]
fn a_replacement_counts_rides_from_its_instant_without_starting_usage_or_services() {
    let rides = RuleSpec {
        metric: Metric::Rides,
        filter: ActivityFilter::All,
        interval: 1.0,
        warn: 0.8,
        repeat: true,
        services: vec![30],
    };
    let days = RuleSpec {
        metric: Metric::Days,
        filter: ActivityFilter::All,
        interval: 100.0,
        warn: 0.8,
        repeat: false,
        services: vec![],
    };
    let initial = InitialUsage {
        rides: 5.0,
        days: 3.0,
        ..Default::default()
    };
    let s = Scenario {
        bikes: 1,
        components: vec![one_part(vec![rides, days], initial)],
        rides: rides_on_bike_0(&[20, 40, 99, 100, 101]),
        edits: vec![
            // The copies take the rule's settings as edited: every 2 rides.
            Edit::Rule {
                component: 0,
                rule: 0,
                filter: None,
                warn: None,
                interval_quarters: Some(8),
                repeat: None,
            },
            Edit::Replace {
                component: 0,
                hour: 100,
            },
            Edit::RetireBike { bike: 0 },
            // The fresh part cannot be mounted on a retired bike.
            Edit::Replace {
                component: 0,
                hour: 120,
            },
        ],
        shuffle: vec![0; 64],
    };
    let mut sim = run(&s);
    let st = wear::statuses(&mut sim.store).unwrap();
    assert_eq!(st.len(), 2, "only the fresh part's rules are listed");
    let by_metric = |m| st.iter().find(|r| r.metric == m).unwrap();
    let r = by_metric(Metric::Rides);
    assert_eq!((r.used, r.interval, r.cycle, r.epoch), (2.0, 2.0, 1, 0));
    assert_eq!((r.last_service_at, r.active), (None, false));
    let d = by_metric(Metric::Days);
    assert_eq!(d.used, 160.0 / 24.0);
    check(&s).unwrap();
}
