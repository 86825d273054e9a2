//! Importing rides in bulk (what Strava sync will do): matched on (source, external id),
//! all-or-nothing, and an error that names the ride at fault.

use pedalwrencher_core::garage::rides::{self, ImportReport, NewRide, RideQuery, RideSource};
use pedalwrencher_core::{Store, Timestamp};

fn strava_ride(external_id: &str, km: f64) -> NewRide {
    NewRide {
        source: RideSource::Strava,
        external_id: Some(external_id.to_owned()),
        bike_id: None,
        start_at: Timestamp(1_750_000_000_000).into(),
        distance_m: km * 1_000.0,
        moving_time_s: 3_600.0,
        elapsed_time_s: None,
        elevation_m: 0.0,
        energy_kj: None,
        sport_type: "Ride".to_owned(),
        indoor: false,
        commute: false,
        name: String::new(),
    }
}

fn all_rides(store: &Store) -> Vec<rides::Ride> {
    rides::list(store, &RideQuery::default()).unwrap()
}

#[test]
fn an_external_id_with_stray_spaces_matches_the_stored_ride_instead_of_failing() {
    let mut store = Store::open_in_memory().unwrap();
    rides::import(&mut store, vec![strava_ride("42", 30.0)]).unwrap();
    let report = rides::import(&mut store, vec![strava_ride(" 42 ", 31.0)]).unwrap();
    assert_eq!(
        report,
        ImportReport {
            inserted: 0,
            updated: 1,
            unchanged: 0
        }
    );
    let stored = all_rides(&store);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].distance_m, 31_000.0);
}

#[test]
fn one_bad_ride_fails_the_import_naming_it_and_nothing_lands() {
    let mut store = Store::open_in_memory().unwrap();
    let err = rides::import(
        &mut store,
        vec![
            strava_ride("1", 10.0),
            strava_ride("2", -3.0),
            strava_ride("3", 12.0),
        ],
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("ride 2: distance cannot be negative"),
        "{msg}"
    );
    assert_eq!(err.kind(), pedalwrencher_core::ErrorKind::Invalid);
    assert!(all_rides(&store).is_empty(), "all or nothing");
}
