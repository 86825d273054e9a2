//! One activity is one ride: the same file twice, a copy on another device, the same ride already
//! brought by Strava, and of two files of one activity the more complete is kept.

use pedalwrencher_core::garage::rides::{self, NewRide, RideSource};
use pedalwrencher_core::ride_files::import::{Candidate, Importer, Options, Outcome};
use pedalwrencher_core::ride_files::{self, ReadOptions};
use pedalwrencher_core::{Store, When};
use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::ride_fixtures;

use super::{import_files, rides, status, variant};

#[test]
fn the_same_file_imported_twice_or_on_two_devices_is_one_ride_with_one_id() {
    let f = ride_fixtures::fit("garmin-fenix-5-bike.fit");
    let (a, b) = (Garage::new(), Garage::new());
    let (_, first) = import_files(&a, &[&f], &[]);
    let (code, again) = import_files(&a, &[&f], &[]);
    let (_, other_device) = import_files(&b, &[&f], &[]);
    assert_eq!(code, 0);
    assert_eq!(status(&again[0]), "duplicate");
    assert_eq!(first[0]["ride_id"], again[0]["ride_id"]);
    assert_eq!(
        first[0]["ride_id"], other_device[0]["ride_id"],
        "the id comes from the content"
    );
    assert_eq!(rides(&a).len(), 1);
}

fn summary(path: &std::path::Path) -> ride_files::Summary {
    ride_files::read(
        "ride.fit",
        None,
        std::fs::File::open(path).unwrap(),
        &ReadOptions::default(),
    )
    .unwrap()
}

#[test]
fn a_ride_strava_already_brought_is_recognised_by_its_start_and_distance() {
    let s = summary(&ride_fixtures::fit("garmin-fenix-5-bike.fit"));
    let mut store = Store::open_in_memory().unwrap();
    rides::import(
        &mut store,
        vec![NewRide {
            source: RideSource::Strava,
            external_id: Some("987654".into()),
            bike_id: None,
            // Strava rounds the start and measures a little differently.
            start_at: When::At(pedalwrencher_core::Timestamp(s.start.0 + 20_000)),
            distance_m: s.distance_m * 1.01,
            moving_time_s: s.moving_time_s,
            elapsed_time_s: None,
            elevation_m: 0.0,
            energy_kj: None,
            sport_type: "Ride".into(),
            indoor: false,
            commute: false,
            name: "From Strava".into(),
        }],
    )
    .unwrap();
    let mut outcomes = Vec::new();
    let mut importer = Importer::new(&mut store, Options::default(), |e| outcomes.push(e));
    importer
        .add("ride.fit".into(), Ok(Candidate::from(s)), None)
        .unwrap();
    importer.finish().unwrap();
    assert!(
        matches!(&outcomes[0].outcome, Outcome::Duplicate { kept, .. } if kept.contains("strava")),
        "{outcomes:?}"
    );
}

#[test]
fn of_two_files_of_one_activity_the_more_complete_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let full = ride_fixtures::fit("hrv-activity.fit");
    // The same activity, cut short and exported again (different bytes, no session): fewer
    // records, shorter timer time.
    let short = variant(dir.path(), &full, "short.fit", |b| {
        b[..b.len() * 6 / 10].to_vec()
    });
    let g = Garage::new();
    let (_, first) = import_files(&g, &[&short], &[]);
    if status(&first[0]) != "imported" {
        // A cut that leaves no readable ride says why; nothing to compare then.
        assert!(first[0]["reason"].is_string(), "{first:?}");
        return;
    }
    let before = rides(&g)[0]["moving_time_s"].as_f64().unwrap();
    let (_, second) = import_files(&g, &[&full], &[]);
    assert_eq!(status(&second[0]), "duplicate", "{second:?}");
    assert!(
        second[0]["kept"]
            .as_str()
            .unwrap()
            .contains("more complete"),
        "{second:?}"
    );
    let after = rides(&g);
    assert_eq!(after.len(), 1);
    assert!(after[0]["moving_time_s"].as_f64().unwrap() > before);
    assert_eq!(after[0]["id"], first[0]["ride_id"], "the ride keeps its id");
}

#[test]
fn a_ride_goes_to_the_bike_whose_rides_named_the_same_sensors_and_says_so() {
    let s = summary(&ride_fixtures::fit("garmin-fenix-5-bike.fit"));
    assert!(!s.sensors.is_empty());
    let mut store = Store::open_in_memory().unwrap();
    let bike = pedalwrencher_core::garage::bikes::add(
        &mut store,
        pedalwrencher_core::garage::bikes::NewBike {
            name: "Road".into(),
            kind: None,
            strava_gear_id: None,
            notes: String::new(),
        },
    )
    .unwrap();
    let mut outcomes = Vec::new();
    let on_bike = Options {
        bike: Some(bike.id.clone()),
        learn_bikes: true,
        ..Options::default()
    };
    let mut importer = Importer::new(&mut store, on_bike, |e| outcomes.push(e));
    importer
        .add("a.fit".into(), Ok(Candidate::from(s.clone())), None)
        .unwrap();
    importer.finish().unwrap();
    // The same devices a week later: another ride.
    let mut later = s.clone();
    later.start.0 += 7 * 86_400_000;
    later.source_id = None;
    later.fingerprint = "another file".into();
    let learn = Options {
        learn_bikes: true,
        ..Options::default()
    };
    let mut importer = Importer::new(&mut store, learn, |e| outcomes.push(e));
    importer
        .add("b.fit".into(), Ok(Candidate::from(later)), None)
        .unwrap();
    importer.finish().unwrap();
    match &outcomes[1].outcome {
        Outcome::Imported {
            bike_id,
            bike_from_sensors,
            ..
        } => {
            assert_eq!(bike_id.as_ref(), Some(&bike.id));
            assert!(bike_from_sensors
                .as_deref()
                .unwrap_or("")
                .contains("sensors"));
        }
        other => panic!("{other:?}"),
    }
}
