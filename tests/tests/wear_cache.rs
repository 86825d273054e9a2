//! The wear cache is derived state: a read that finds it stale repairs it, and no rule is ever
//! hidden or shown with wrong wear for want of a cache row.

use std::sync::Arc;

use pedalwrencher_core::garage::bikes::{self, NewBike};
use pedalwrencher_core::garage::components::NewComponent;
use pedalwrencher_core::garage::rides::{self, NewRide};
use pedalwrencher_core::garage::workshop;
use pedalwrencher_core::wear;
use pedalwrencher_core::{ManualClock, Store, Timestamp};

const NOW: Timestamp = Timestamp(1_790_000_000_000);

/// A bike with a chain (two rules) and one 50 km ride.
fn garage() -> Store {
    let mut store = Store::open_in_memory()
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(NOW)));
    let bike = bikes::add(
        &mut store,
        NewBike {
            name: "Road".into(),
            ..Default::default()
        },
    )
    .unwrap();
    workshop::add_component(
        &mut store,
        NewComponent {
            kind: "chain".into(),
            bike_id: Some(bike.id.clone()),
            installed_at: Some(NOW.plus_days(-30).into()),
            ..Default::default()
        },
    )
    .unwrap();
    rides::add(
        &mut store,
        NewRide {
            source: Default::default(),
            external_id: None,
            bike_id: Some(bike.id),
            start_at: NOW.plus_days(-1).into(),
            distance_m: 50_000.0,
            moving_time_s: 7_200.0,
            elapsed_time_s: None,
            elevation_m: 0.0,
            energy_kj: None,
            sport_type: "Ride".into(),
            indoor: false,
            commute: false,
            name: String::new(),
        },
    )
    .unwrap();
    store
}

fn cache_rows(store: &Store) -> i64 {
    store
        .connection()
        .query_row("SELECT COUNT(*) FROM rule_usage", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_cache_written_by_another_engine_version_is_rebuilt_when_read() {
    let mut store = garage();
    // A cache from an older engine, with values that engine got wrong.
    store
        .connection()
        .execute_batch(
            "UPDATE rule_usage SET used = 999;
             UPDATE meta SET value = '0' WHERE key = 'wear_engine_version';",
        )
        .unwrap();
    let statuses = wear::statuses(&mut store).unwrap();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.iter().all(|s| s.used == 50_000.0), "{statuses:?}");
    let version: String = store
        .connection()
        .query_row(
            "SELECT value FROM meta WHERE key = 'wear_engine_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_ne!(
        version, "0",
        "the rebuild records the engine that wrote the cache"
    );
}

#[test]
fn rules_missing_from_the_cache_are_listed_with_their_wear_and_the_rows_put_back() {
    let mut store = garage();
    store
        .connection()
        .execute("DELETE FROM rule_usage", [])
        .unwrap();
    assert_eq!(cache_rows(&store), 0);
    let statuses = wear::statuses(&mut store).unwrap();
    assert_eq!(statuses.len(), 2, "no rule is hidden");
    assert!(statuses.iter().all(|s| s.used == 50_000.0), "{statuses:?}");
    assert_eq!(cache_rows(&store), 2, "the read repaired the cache");
}
