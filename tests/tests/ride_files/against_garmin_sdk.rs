//! Every real FIT ride summarised by our reader matches Garmin's own FIT SDK within 1 % for
//! distance and timer time, and to the second for the start.

use pedalwrencher_core::ride_files::{self, ReadOptions};
use pedalwrencher_tests::ride_fixtures;

#[test]
fn fit_rides_match_garmins_sdk_within_one_percent() {
    let files = [
        ride_fixtures::fit("garmin-fenix-5-bike.fit"),
        ride_fixtures::fit("hrv-activity.fit"),
        ride_fixtures::fit("sample_mulitple_header.fit"),
    ];
    let sdk = ride_fixtures::garmin_sdk_summaries(&files);
    let mut compared = 0;
    for f in &files {
        let reference = &sdk[f.display().to_string()];
        let ours = ride_files::read(
            &f.display().to_string(),
            None,
            std::fs::File::open(f).unwrap(),
            &ReadOptions::default(),
        );
        if reference.get("error").is_some() {
            assert!(
                ours.is_err(),
                "{}: the SDK finds no ride, we read {ours:?}",
                f.display()
            );
            continue;
        }
        let ours = ours.unwrap_or_else(|p| panic!("{}: {p}", f.display()));
        let close = |a: f64, b: f64| (a - b).abs() <= 0.01 * b.abs().max(1.0);
        let (d, t) = (
            reference["distance_m"].as_f64().unwrap(),
            reference["timer_s"].as_f64().unwrap(),
        );
        assert!(
            close(ours.distance_m, d),
            "{}: distance {} vs SDK {d}",
            f.display(),
            ours.distance_m
        );
        assert!(
            close(ours.moving_time_s, t),
            "{}: timer {} vs SDK {t}",
            f.display(),
            ours.moving_time_s
        );
        assert_eq!(
            ours.start.0 / 1000,
            reference["start_s"].as_i64().unwrap(),
            "{}",
            f.display()
        );
        compared += 1;
    }
    assert!(compared >= 1, "no ride was compared: {sdk}");
}

#[test]
fn a_fit_ride_counts_timer_time_not_elapsed_time() {
    let f = ride_fixtures::fit("garmin-fenix-5-bike.fit");
    let s = ride_files::read(
        "ride.fit",
        None,
        std::fs::File::open(&f).unwrap(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert!(s.moving_time_s <= s.elapsed_time_s);
    assert_eq!(s.sport_type, "Ride");
    assert!(!s.indoor);
    assert!(
        s.source_id
            .as_deref()
            .is_some_and(|id| id.starts_with("fit:")),
        "{:?}",
        s.source_id
    );
    assert!(!s.sensors.is_empty(), "the Fenix names its devices");
}

#[test]
fn a_run_and_files_that_are_not_activities_are_skipped_saying_why() {
    for (name, why) in [
        ("Activity.fit", "running"),
        ("Settings.fit", "settings"),
        ("WorkoutRepeatSteps.fit", "workout"),
        ("MonitoringFile.fit", "monitoring"),
    ] {
        let f = ride_fixtures::fit(name);
        let p = ride_files::read(
            name,
            None,
            std::fs::File::open(&f).unwrap(),
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert!(p.is_skip(), "{name}: {p}");
        assert!(p.to_string().contains(why), "{name}: {p}");
    }
}
