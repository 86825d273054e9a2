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
//!
//! Parts on parts: phase B mounts some installations on an earlier component instead of a bike,
//! in shuffled order (a tyre on a wheel before the wheel is on any bike, back-dated wheel
//! mountings after rides counted); phase C moves parents and children onto bikes or parts, often
//! back-dated, including moves that would mount a part on itself through its children (refused).
//! The reference finds a ride's parts by climbing each part's parents at the ride's hour.

use pedalwrencher_core::garage::components::InitialUsage;
use pedalwrencher_core::wear::{self, usage};
use pedalwrencher_core::{ActivityFilter, Metric, Timestamp};
use proptest::prelude::*;

use crate::scenario::{
    scenario_strategy, ComponentSpec, Edit, RideSpec, RideValues, RuleSpec, Scenario,
};
use crate::sim::{ok, Sim};

mod reference;
mod scenario;
mod sim;

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

/// `USAGE_PROPS_CASES=5000` for a longer hunt.
fn cases(default: u32) -> u32 {
    std::env::var("USAGE_PROPS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(200), ..ProptestConfig::default() })]

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
        parents: vec![],
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
        parents: vec![],
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
                shelve: false,
            },
            Edit::RetireBike { bike: 0 },
            // The fresh part cannot be mounted on a retired bike.
            Edit::Replace {
                component: 0,
                hour: 120,
                shelve: false,
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

#[test]
fn a_replaced_wheel_hands_its_tyre_on_and_a_retired_one_shelves_it() {
    let rides_rule = || RuleSpec {
        metric: Metric::Rides,
        filter: ActivityFilter::All,
        interval: 10.0,
        warn: 0.8,
        repeat: true,
        services: vec![],
    };
    // A wheel on bike 0 from hour 10, a tyre on it from 15, sealant in the tyre from 15.
    let on = |hour, parent: Option<usize>| ComponentSpec {
        bounds: vec![hour],
        parents: vec![parent],
        ..one_part(vec![rides_rule()], InitialUsage::default())
    };
    let tyre_used = |shelve: bool| {
        let s = Scenario {
            bikes: 1,
            components: vec![on(10, None), on(15, Some(0)), on(15, Some(1))],
            rides: rides_on_bike_0(&[20, 40, 60, 80]),
            edits: vec![
                // Before the tyre went on the wheel: refused, nothing changes.
                Edit::Retire {
                    component: 0,
                    hour: 12,
                },
                Edit::Replace {
                    component: 0,
                    hour: 30,
                    shelve,
                },
                // The fresh wheel (in slot 0 now) retired: what is on it goes to the shelf.
                Edit::Retire {
                    component: 0,
                    hour: 50,
                },
            ],
            shuffle: vec![0; 64],
        };
        check(&s).unwrap();
        let mut sim = run(&s);
        let (tyre, sealant) = (sim.parts[1].id.clone(), sim.parts[2].id.clone());
        let st = wear::statuses(&mut sim.store).unwrap();
        let used = |id| st.iter().find(|r| &r.component_id == id).unwrap().used;
        assert_eq!(used(&tyre), used(&sealant), "the sealant rides in the tyre");
        (st.len(), used(&tyre))
    };
    // Moved onto the fresh wheel at 30: the rides at 20 and 40; shelved with it at 50.
    assert_eq!(tyre_used(false), (2, 2.0));
    // Shelved at 30 with the replace: the ride at 20 only.
    assert_eq!(tyre_used(true), (2, 1.0));
}
