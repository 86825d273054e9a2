//! The window's Undo after deleting a ride or a service from a part's history: the row comes back
//! with its id and the wear is as it was (core `rides::undelete`, `services::restore`).

use pedalwrencher_core::garage::bikes::{self, NewBike};
use pedalwrencher_core::garage::components::NewComponent;
use pedalwrencher_core::garage::rides::{self, NewRide};
use pedalwrencher_core::garage::services::{self, NewService};
use pedalwrencher_core::garage::{rules, workshop};
use pedalwrencher_core::{wear, ErrorKind, RuleId, Store, When};

struct Rig {
    store: Store,
    bike: pedalwrencher_core::BikeId,
    replace: RuleId,
}

fn rig() -> Rig {
    let mut store = Store::open_in_memory().unwrap();
    let bike = bikes::add(
        &mut store,
        NewBike {
            name: "Road".into(),
            ..NewBike::default()
        },
    )
    .unwrap()
    .id;
    let chain = workshop::add_component(
        &mut store,
        NewComponent {
            kind: "chain".into(),
            bike_id: Some(bike.clone()),
            installed_at: Some(When::Typed("2025-01-01".into())),
            ..NewComponent::default()
        },
    )
    .unwrap();
    let replace = rules::list(&store, &chain.id).unwrap()[0].id.clone();
    Rig {
        store,
        bike,
        replace,
    }
}

impl Rig {
    fn ride(&mut self, date: &str, km: f64) -> pedalwrencher_core::RideId {
        rides::add(
            &mut self.store,
            NewRide {
                bike_id: Some(self.bike.clone()),
                start_at: When::Typed(date.into()),
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

    fn used(&mut self) -> f64 {
        let replace = self.replace.clone();
        wear::statuses(&mut self.store)
            .unwrap()
            .into_iter()
            .find(|s| s.rule_id == replace)
            .unwrap()
            .used
    }
}

#[test]
fn a_deleted_ride_comes_back_with_its_id_and_its_wear() {
    let mut g = rig();
    g.ride("2025-02-01", 40.0);
    let ride = g.ride("2025-02-02", 60.0);
    rides::delete(&mut g.store, &ride).unwrap();
    assert_eq!(g.used(), 40_000.0);
    let back = rides::undelete(&mut g.store, &ride).unwrap();
    assert_eq!(back.id, ride);
    assert_eq!(g.used(), 100_000.0);
    assert_eq!(rides::get(&g.store, &ride).unwrap().distance_m, 60_000.0);
    // Only a deleted ride can be undeleted.
    let again = rides::undelete(&mut g.store, &ride).unwrap_err();
    assert_eq!(again.kind(), ErrorKind::NotFound);
}

#[test]
fn a_deleted_service_comes_back_and_restarts_the_counter_from_it() {
    let mut g = rig();
    g.ride("2025-02-01", 40.0);
    let done = services::mark_done(
        &mut g.store,
        &g.replace.clone(),
        NewService {
            done_at: Some(When::Typed("2025-02-10".into())),
            cost_cents: Some(2_500),
            notes: "new chain".into(),
        },
    )
    .unwrap();
    g.ride("2025-02-20", 25.0);
    assert_eq!(g.used(), 25_000.0);
    let epoch = rules::get(&g.store, &g.replace).unwrap().epoch;

    services::delete(&mut g.store, &done.id).unwrap();
    assert_eq!(g.used(), 65_000.0);
    let back = services::restore(&mut g.store, &done.id).unwrap();
    assert_eq!(back, done);
    assert_eq!(g.used(), 25_000.0);
    // Delete and restore each started a new round of reminders.
    assert_eq!(rules::get(&g.store, &g.replace).unwrap().epoch, epoch + 2);
    assert_eq!(
        services::list(&g.store, &g.replace).unwrap(),
        vec![done.clone()]
    );
    let err = services::restore(&mut g.store, &done.id).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}
