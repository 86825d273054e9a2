//! The formats' quirks, on real files: Strava's white space before `<?xml`, gzip, TCX laps, a GPX
//! track type, an undated track.

use pedalwrencher_core::ride_files::{self, ReadOptions};
use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::ride_fixtures;

use super::{gzip, import_files, rides, status, variant};

fn read(path: &std::path::Path) -> Result<ride_files::Summary, ride_files::Problem> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    ride_files::read(
        &name,
        None,
        std::fs::File::open(path).unwrap(),
        &ReadOptions::default(),
    )
}

#[test]
fn gpx_and_tcx_with_white_space_before_the_xml_declaration_read_as_without() {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        ride_fixtures::gpx("wahoo_example.gpx"),
        ride_fixtures::tcx("20210308_virtual_ride_with_power.tcx"),
    ] {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let spaced = variant(dir.path(), &f, &name, |b| {
            [b"\n  \r\n".to_vec(), b].concat()
        });
        let (plain, strava) = (read(&f).unwrap(), read(&spaced).unwrap());
        assert_eq!(plain.distance_m, strava.distance_m, "{name}");
        assert_eq!(plain.start, strava.start, "{name}");
    }
}

#[test]
fn a_gzipped_file_is_the_same_ride_as_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = ride_fixtures::fit("garmin-fenix-5-bike.fit");
    let gz = variant(dir.path(), &f, "ride.fit.gz", gzip);
    assert_eq!(read(&f).unwrap(), read(&gz).unwrap());
    let g = Garage::new();
    let (code, entries) = import_files(&g, &[&f, &gz], &[]);
    assert_eq!(code, 0, "{entries:?}");
    assert_eq!(status(&entries[0]), "imported");
    assert_eq!(status(&entries[1]), "duplicate");
    assert_eq!(entries[0]["ride_id"], entries[1]["ride_id"]);
    assert_eq!(rides(&g).len(), 1);
}

#[test]
fn tcx_distance_and_time_are_the_laps_summed_and_a_virtual_ride_is_indoor() {
    let s = read(&ride_fixtures::tcx("20210308_virtual_ride_with_power.tcx")).unwrap();
    assert!(s.distance_m > 1_000.0, "{s:?}");
    assert!(s.moving_time_s > 60.0, "{s:?}");
    // The tcx crate, reading the same file, is the reference for the laps' sums.
    let tcx = tcx::read_file(
        ride_fixtures::tcx("20210308_virtual_ride_with_power.tcx")
            .to_str()
            .unwrap(),
    );
    if let Ok(db) = tcx {
        let laps: Vec<_> = db
            .activities
            .iter()
            .flat_map(|a| a.activities.iter())
            .flat_map(|a| a.laps.iter())
            .collect();
        let metres: f64 = laps.iter().map(|l| l.distance_meters).sum();
        let seconds: f64 = laps.iter().map(|l| l.total_time_seconds).sum();
        assert!(
            (s.distance_m - metres).abs() < 1.0,
            "{} vs {metres}",
            s.distance_m
        );
        assert!(
            (s.moving_time_s - seconds).abs() < 1.0,
            "{} vs {seconds}",
            s.moving_time_s
        );
    }
}

#[test]
fn runs_yoga_and_planned_routes_are_skipped_on_purpose() {
    let g = Garage::new();
    let (code, entries) = import_files(
        &g,
        &[
            &ride_fixtures::tcx("20210119_run_garmin_fenix6.tcx"),
            &ride_fixtures::tcx("20210323_yoga.tcx"),
            &ride_fixtures::gpx("garmin-activity.gpx"),
            &ride_fixtures::gpx("ecology-trail-and-lovers-lane-loop.gpx"),
        ],
        &[],
    );
    assert_eq!(code, 0, "skipping on purpose is not a failure: {entries:?}");
    for e in &entries {
        assert_eq!(status(e), "skipped", "{e}");
    }
    assert!(entries[0]["reason"].as_str().unwrap().contains("running"));
    assert!(rides(&g).is_empty());
}

#[test]
fn gpx_distance_moving_time_and_climb_come_from_the_points() {
    let s = read(&ride_fixtures::gpxpy("cerknicko-jezero.gpx")).unwrap();
    assert!(s.distance_m > 1_000.0, "{s:?}");
    assert!(
        s.moving_time_s > 0.0 && s.moving_time_s <= s.elapsed_time_s,
        "{s:?}"
    );
    assert!(s.elevation_m > 0.0, "{s:?}");
}

#[test]
fn an_undated_track_is_refused_unless_the_rider_gives_a_date() {
    let f = ride_fixtures::gpxpy("track_with_dilution_errors.gpx");
    let g = Garage::new();
    let (code, entries) = import_files(&g, &[&f], &[]);
    assert_eq!(code, 1);
    assert!(
        entries[0]["reason"]
            .as_str()
            .unwrap()
            .contains("cannot be dated"),
        "{entries:?}"
    );
    let (code, entries) = import_files(&g, &[&f], &["--date", "2024-05-01"]);
    assert_eq!(code, 0, "{entries:?}");
    assert_eq!(status(&entries[0]), "imported");
}
