//! A file with numbers a ride cannot have (a GPS teleport) is imported, kept, but flagged for the
//! rider's review, and the report says why; a real file is not flagged.

use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::ride_fixtures;

use super::{import_files, status, variant};

#[test]
fn a_track_with_a_teleport_is_imported_flagged_and_the_report_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let wahoo = ride_fixtures::gpx("wahoo_example.gpx");
    // The real Wahoo track with its second point moved ten degrees north for one second: some
    // 2,200 km in two seconds, as a GPS glitch would have it.
    let teleport = variant(dir.path(), &wahoo, "teleport.gpx", |b| {
        let text = String::from_utf8(b).unwrap();
        let point = r#"<trkpt lat="45.454350" lon="-121.933136">"#;
        let second = text.match_indices(point).nth(1).unwrap().0;
        let mut out = text.clone();
        out.replace_range(
            second..second + point.len(),
            r#"<trkpt lat="55.454350" lon="-121.933136">"#,
        );
        out.into_bytes()
    });
    let g = Garage::new();
    let (code, entries) = import_files(&g, &[&teleport], &[]);
    assert_eq!(code, 0, "a flagged ride is not a failure: {entries:?}");
    assert_eq!(status(&entries[0]), "imported", "{}", entries[0]);
    let why = entries[0]["flagged"].as_str().unwrap_or("");
    assert!(why.contains("km at most"), "{}", entries[0]);

    let flagged = g.json(&["rides", "--flagged"]);
    let flagged = flagged.as_array().unwrap();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(flagged[0]["id"], entries[0]["ride_id"]);

    let out = g.ok(&["ride", "import", teleport.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("duplicate"), "{text}");
}

#[test]
fn a_real_ride_file_is_not_flagged() {
    let g = Garage::new();
    let fit = ride_fixtures::fit("garmin-fenix-5-bike.fit");
    let (code, entries) = import_files(&g, &[&fit], &[]);
    assert_eq!(code, 0);
    assert!(entries[0].get("flagged").is_none(), "{}", entries[0]);
    assert!(g
        .json(&["rides", "--flagged"])
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn the_text_report_says_a_flagged_ride_waits_for_review() {
    let dir = tempfile::tempdir().unwrap();
    let tcx = ride_fixtures::tcx("20210308_virtual_ride_with_power.tcx");
    // The real virtual ride's laps said in kilometres where metres belong: a slipped unit.
    let huge = variant(dir.path(), &tcx, "huge.tcx", |b| {
        String::from_utf8(b)
            .unwrap()
            .replace("<DistanceMeters>", "<DistanceMeters>9")
            .into_bytes()
    });
    let g = Garage::new();
    let out = g.ok(&["ride", "import", huge.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("imported"), "{text}");
    assert!(text.contains("flagged for review:"), "{text}");
}
