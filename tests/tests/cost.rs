//! What a part cost (purchase and services, per 1,000 km and miles) and a bike's distance per
//! month, with exact numbers (core `garage::cost`), on a clock held still.

use std::sync::Arc;

use chrono::Utc;
use pedalwrencher_core::garage::bikes::{self, NewBike};
use pedalwrencher_core::garage::components::NewComponent;
use pedalwrencher_core::garage::cost::{component_cost, distance_by_month_in};
use pedalwrencher_core::garage::rides::{self, NewRide, Verdict};
use pedalwrencher_core::garage::services::{self, NewService};
use pedalwrencher_core::garage::{installations, rules, workshop};
use pedalwrencher_core::{BikeId, ManualClock, Store, Timestamp, When};

/// 2026-12-05T12:00:00Z.
const NOW: i64 = 1_796_472_000_000;

fn store() -> Store {
    Store::open_in_memory()
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(Timestamp(NOW))))
}

fn bike(s: &mut Store, name: &str) -> BikeId {
    bikes::add(
        s,
        NewBike {
            name: name.into(),
            ..NewBike::default()
        },
    )
    .unwrap()
    .id
}

fn ride(s: &mut Store, bike: &BikeId, at: &str, km: f64) -> pedalwrencher_core::RideId {
    rides::add(
        s,
        NewRide {
            bike_id: Some(bike.clone()),
            start_at: When::Typed(at.into()),
            distance_m: km * 1000.0,
            moving_time_s: 3600.0,
            elapsed_time_s: None,
            elevation_m: 0.0,
            energy_kj: None,
            sport_type: "Ride".into(),
            indoor: false,
            commute: false,
            name: String::new(),
            source: Default::default(),
            external_id: None,
        },
    )
    .unwrap()
    .id
}

#[test]
fn a_parts_cost_is_its_purchase_and_services_per_distance_ridden_while_mounted() {
    let mut s = store();
    let road = bike(&mut s, "Road");
    let gravel = bike(&mut s, "Gravel");
    let chain = workshop::add_component(
        &mut s,
        NewComponent {
            kind: "chain".into(),
            purchase_cost_cents: Some(3_000),
            initial: pedalwrencher_core::garage::components::InitialUsage {
                distance_m: 200_000.0,
                ..Default::default()
            },
            bike_id: Some(road.clone()),
            installed_at: Some(When::Typed("2026-01-01".into())),
            ..NewComponent::default()
        },
    )
    .unwrap();
    // Before it was mounted: not its distance.
    ride(&mut s, &road, "2025-12-20", 500.0);
    ride(&mut s, &road, "2026-02-01", 300.0);
    installations::move_to(
        &mut s,
        &chain.id,
        &gravel,
        &When::Typed("2026-03-01".into()),
    )
    .unwrap();
    // On the road bike after the move: not its distance either.
    ride(&mut s, &road, "2026-03-10", 700.0);
    ride(&mut s, &gravel, "2026-03-15", 500.0);
    // Excluded: counts for nothing.
    let excluded = ride(&mut s, &gravel, "2026-03-20", 900.0);
    rides::review(&mut s, &excluded, Verdict::Exclude).unwrap();

    let lube = rules::list(&s, &chain.id).unwrap()[1].id.clone();
    for cost in [Some(500), None, Some(1_500)] {
        services::mark_done(
            &mut s,
            &lube,
            NewService {
                cost_cents: cost,
                ..NewService::default()
            },
        )
        .unwrap();
    }

    let c = component_cost(&s, &chain.id).unwrap();
    assert_eq!(c.purchase_cents, Some(3_000));
    assert_eq!((c.services_cents, c.services), (2_000, 3));
    assert_eq!(c.total_cents, 5_000);
    // 200 km it came with + 300 + 500.
    assert_eq!(c.distance_m, 1_000_000.0);
    assert_eq!(c.per_1000_km_cents, Some(5_000.0));
    let per_mi = c.per_1000_mi_cents.unwrap();
    assert!((per_mi - 5_000.0 * 1.609_344).abs() < 1e-9, "{per_mi}");
}

#[test]
fn a_part_never_ridden_has_a_cost_but_no_cost_per_distance() {
    let mut s = store();
    let part = workshop::add_component(
        &mut s,
        NewComponent {
            kind: "chain".into(),
            ..NewComponent::default()
        },
    )
    .unwrap();
    let c = component_cost(&s, &part.id).unwrap();
    assert_eq!((c.purchase_cents, c.total_cents), (None, 0));
    assert_eq!((c.per_1000_km_cents, c.per_1000_mi_cents), (None, None));
}

#[test]
fn distance_per_month_covers_twelve_months_with_empty_ones_and_this_month_last() {
    let mut s = store();
    let road = bike(&mut s, "Road");
    let other = bike(&mut s, "Other");
    ride(&mut s, &road, "2025-12-31T23:00:00Z", 99.0); // a month too early
    ride(&mut s, &road, "2026-01-01T00:30:00Z", 40.0);
    ride(&mut s, &road, "2026-01-15", 60.0);
    ride(&mut s, &road, "2026-06-30", 25.5);
    ride(&mut s, &road, "2026-12-05T08:00:00Z", 10.0);
    ride(&mut s, &other, "2026-06-01", 1000.0);

    let months = distance_by_month_in(&Utc, &s, &road, 12).unwrap();
    let got: Vec<(&str, f64, i64)> = months
        .iter()
        .map(|m| (m.month.as_str(), m.distance_m, m.rides))
        .collect();
    assert_eq!(
        got,
        [
            ("2026-01", 100_000.0, 2),
            ("2026-02", 0.0, 0),
            ("2026-03", 0.0, 0),
            ("2026-04", 0.0, 0),
            ("2026-05", 0.0, 0),
            ("2026-06", 25_500.0, 1),
            ("2026-07", 0.0, 0),
            ("2026-08", 0.0, 0),
            ("2026-09", 0.0, 0),
            ("2026-10", 0.0, 0),
            ("2026-11", 0.0, 0),
            ("2026-12", 10_000.0, 1),
        ]
    );
}
