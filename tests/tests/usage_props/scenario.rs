//! Scenarios: random garages (bikes, parts with their rules and installations, rides, edits)
//! and their proptest strategies.

use pedalwrencher_core::garage::components::InitialUsage;
use pedalwrencher_core::{ActivityFilter, Metric};
use proptest::prelude::*;

use crate::reference::On;
use crate::{FILTERS, LATE, WARN};

#[derive(Debug, Clone)]
pub struct RuleSpec {
    pub metric: Metric,
    pub filter: ActivityFilter,
    pub interval: f64,
    pub warn: f64,
    pub repeat: bool,
    pub services: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct ComponentSpec {
    pub initial: InitialUsage,
    /// Sorted, distinct instants (hours) that bound the installations.
    pub bounds: Vec<u32>,
    /// Installations touch end to end (a move) instead of leaving gaps on the shelf.
    pub touching: bool,
    pub open_end: bool,
    /// Build the last two touching installations with `move_to` rather than two installs.
    pub via_move: bool,
    pub bikes: Vec<usize>,
    /// Parts on parts: the nth installation goes on component `parents[n % len]` instead of a
    /// bike when that is Some and names a component made before this one (so phase B never
    /// builds a cycle; phase-C moves may try to).
    pub parents: Vec<Option<usize>>,
    pub rules: Vec<RuleSpec>,
}

impl ComponentSpec {
    /// (what it is on, from hour, until hour or None for still mounted), for the scenario's
    /// component `own` (parents are scenario indices: phase B has made no replacements yet).
    pub fn intervals(&self, own: usize) -> Vec<(On, u32, Option<u32>)> {
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
            .map(|(i, (f, u))| {
                let parent = match self.parents.len() {
                    0 => None,
                    n => self.parents[i % n].filter(|&p| p < own),
                };
                let on = match parent {
                    Some(p) => On::Part(p),
                    None => On::Bike(self.bikes[i % self.bikes.len()]),
                };
                (on, f, u)
            })
            .collect()
    }
}

/// What a ride says: where and when it was ridden, and how much.
#[derive(Debug, Clone, PartialEq)]
pub struct RideValues {
    pub bike: Option<usize>,
    pub hour: u32,
    pub distance_m: u32,
    pub moving_s: u32,
    pub elevation_m: u32,
    pub energy_kj: Option<u32>,
    pub indoor: bool,
}

#[derive(Debug, Clone)]
pub struct RideSpec {
    pub values: RideValues,
    /// None: typed in (`rides::add`); Some(k): in import batch k (`rides::import`, from Strava,
    /// external id `ext-<ride index>`).
    pub import_batch: Option<u8>,
}

/// Phase-C writes, applied in the order generated. `component` names the scenario's component
/// slot: after a replacement, the fresh part in it. Indices out of range (a component's rule) are
/// taken modulo; edits of things that are gone (a deleted ride, a retired part) are skipped.
#[derive(Debug, Clone)]
pub enum Edit {
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
    /// `workshop::retire`; the parts on it go to the shelf at `hour`. Refused (Invalid) at or
    /// before the part's current mounting, or a part's on it.
    Retire {
        component: usize,
        hour: u32,
    },
    /// `workshop::replace`; the parts on it move onto the fresh part at `hour`, or go to the
    /// shelf (`shelve`). Refused (Invalid) at or before the part's current mounting, (Conflict)
    /// when it is mounted on a retired bike, where the fresh part cannot go, and (Invalid) at or
    /// before the current mounting of a part on it.
    Replace {
        component: usize,
        hour: u32,
        shelve: bool,
    },
    RetireBike {
        bike: usize,
    },
    /// `installations::move_onto` the bike or the live part in the slot, at `hour` (often
    /// back-dated before rides already counted); refused when the part is not mounted
    /// (Conflict), at or before its current mounting (Invalid), onto a retired bike or onto
    /// itself through its children (Conflict).
    Move {
        component: usize,
        onto: Target,
        hour: u32,
    },
}

/// Where a phase-C move goes: a bike, or the live part in a component slot.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Bike(usize),
    Part(usize),
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub bikes: usize,
    pub components: Vec<ComponentSpec>,
    pub rides: Vec<RideSpec>,
    pub edits: Vec<Edit>,
    pub shuffle: Vec<u32>,
}

pub fn metric_strategy() -> impl Strategy<Value = (Metric, f64)> {
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
pub fn service_hour(hours: u32) -> impl Strategy<Value = u32> {
    prop_oneof![0..hours, prop::sample::select(vec![50u32, 150])]
}

/// Mostly after every phase-B installation, so that most retirements and replacements go
/// through; sometimes at or before the current mounting, which must be refused.
pub fn removal_hour() -> impl Strategy<Value = u32> {
    prop_oneof![0..LATE, 200..LATE]
}

pub fn rule_strategy() -> impl Strategy<Value = RuleSpec> {
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

pub fn initial_strategy() -> impl Strategy<Value = InitialUsage> {
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

pub fn component_strategy(bikes: usize) -> impl Strategy<Value = ComponentSpec> {
    (
        initial_strategy(),
        prop::collection::btree_set(0u32..200, 0..=6),
        any::<bool>(),
        // Mostly still mounted, so that replacements mount a fresh part and retired bikes
        // hold parts.
        prop::bool::weighted(0.75),
        any::<bool>(),
        prop::collection::vec(0..bikes, 1..=4),
        prop::collection::vec(prop::option::weighted(0.4, 0..MAX_COMPONENTS), 0..=3),
        prop::collection::vec(rule_strategy(), 1..=3),
    )
        .prop_map(
            |(initial, bounds, touching, open_end, via_move, bikes, parents, rules)| {
                ComponentSpec {
                    initial,
                    bounds: bounds.into_iter().collect(),
                    touching,
                    open_end,
                    via_move,
                    bikes,
                    parents,
                    rules,
                }
            },
        )
}

pub fn ride_values_strategy(bikes: usize, hours: u32) -> impl Strategy<Value = RideValues> {
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

pub fn ride_strategy(bikes: usize) -> impl Strategy<Value = RideSpec> {
    (
        ride_values_strategy(bikes, LATE),
        prop::option::weighted(0.35, 0u8..3),
    )
        .prop_map(|(values, import_batch)| RideSpec {
            values,
            import_batch,
        })
}

pub fn edit_strategy(bikes: usize, components: usize, rides: usize) -> impl Strategy<Value = Edit> {
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
        2 => (0..components, removal_hour(), any::<bool>())
            .prop_map(|(component, hour, shelve)| Edit::Replace { component, hour, shelve }),
        1 => (0..bikes).prop_map(|bike| Edit::RetireBike { bike }),
        4 => (
            0..components,
            prop_oneof![
                (0..bikes).prop_map(Target::Bike),
                (0..components).prop_map(Target::Part),
            ],
            prop_oneof![0..LATE, 150..LATE],
        )
            .prop_map(|(component, onto, hour)| Edit::Move { component, onto, hour }),
    ]
}

pub const MAX_BIKES: usize = 3;
pub const MAX_COMPONENTS: usize = 4;
pub const MAX_RIDES: usize = 40;

/// One flat tuple, no `prop_flat_map`: indices are drawn against the maxima and reduced to the
/// counts drawn by [`Scenario::normalized`], so every part of a failing case shrinks on its own
/// (a flat map would draw new edits whenever the garage shrank).
pub fn scenario_strategy() -> impl Strategy<Value = Scenario> {
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
    pub fn normalized(mut self) -> Self {
        let bikes = self.bikes;
        let components = self.components.len();
        let rides = self.rides.len().max(1);
        for c in &mut self.components {
            for b in &mut c.bikes {
                *b %= bikes;
            }
            for p in c.parents.iter_mut().flatten() {
                *p %= components;
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
                Edit::Move {
                    component, onto, ..
                } => {
                    *component %= components;
                    match onto {
                        Target::Bike(b) => *b %= bikes,
                        Target::Part(p) => *p %= components,
                    }
                }
            }
        }
        self
    }
}
