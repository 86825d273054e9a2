//! The command itself: its words for people, its exit codes, and the bike it picks.

use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::ride_fixtures;

use super::{import_files, status};

#[test]
fn no_path_is_bad_usage_and_exits_2() {
    let g = Garage::new();
    let out = g.run(&["ride", "import"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn each_file_gets_a_line_and_a_closing_count() {
    let g = Garage::new();
    let fit = ride_fixtures::fit("garmin-fenix-5-bike.fit");
    let run = ride_fixtures::tcx("20210119_run_garmin_fenix6.tcx");
    let out = g.ok(&[
        "ride",
        "import",
        fit.to_str().unwrap(),
        run.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("imported   "), "{text}");
    assert!(
        text.contains("skipped    ") && text.contains("running"),
        "{text}"
    );
    assert!(
        text.contains("1 imported, 0 already here, 1 skipped, 0 failed."),
        "{text}"
    );
}

#[test]
fn a_bike_given_takes_the_batch_and_an_unknown_bike_is_refused_before_reading() {
    let g = Garage::new();
    let bike = g.add_bike("Road");
    let fit = ride_fixtures::fit("garmin-fenix-5-bike.fit");
    let (code, entries) = import_files(&g, &[&fit], &["--bike", &bike]);
    assert_eq!(code, 0);
    assert_eq!(entries[0]["bike_id"], bike.as_str());
    let out = g.run(&[
        "ride",
        "import",
        "--bike",
        "no-such-bike",
        fit.to_str().unwrap(),
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bike"));
}

#[test]
fn a_ride_whose_sensors_no_bike_has_seen_stays_unassigned() {
    // (A ride whose sensors one bike's rides named goes to that bike: duplicates.rs.)
    let g = Garage::new();
    let bike = g.add_bike("Road");
    import_files(
        &g,
        &[&ride_fixtures::fit("garmin-fenix-5-bike.fit")],
        &["--bike", &bike],
    );
    let (_, entries) = import_files(&g, &[&ride_fixtures::fit("hrv-activity.fit")], &[]);
    assert_eq!(status(&entries[0]), "imported");
    assert!(entries[0]["bike_id"].is_null(), "{}", entries[0]);
    assert!(entries[0].get("bike_from_sensors").is_none());
}

#[test]
fn the_local_offset_read_from_a_fit_file_does_not_depend_on_this_machines_time_zone() {
    let fit = ride_fixtures::fit("hrv-activity.fit");
    let mut seen = Vec::new();
    for tz in ["UTC", "Europe/Berlin", "Australia/Sydney"] {
        let g = Garage::new();
        let out = g.run_with(&["ride", "import", fit.to_str().unwrap()], &[("TZ", tz)]);
        assert_eq!(out.status.code(), Some(0), "{tz}");
        let offset: Option<i64> = g
            .db()
            .query_row("SELECT utc_offset_s FROM rides", [], |r| r.get(0))
            .unwrap();
        seen.push(offset);
    }
    assert!(seen[0].is_some(), "the file says its offset");
    assert!(seen.iter().all(|o| *o == seen[0]), "{seen:?}");
}
