//! Bad input (issue §5): each file gets its own clear reason, nothing is half-imported, and the
//! other files of the batch still land.

use std::io::Write;

use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::ride_fixtures;

use super::{import, import_files, rides, status, variant};

fn reason(e: &serde_json::Value) -> String {
    e["reason"].as_str().unwrap_or("").to_owned()
}

#[test]
fn each_bad_file_gets_its_own_reason_and_the_good_one_still_lands() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fenix = ride_fixtures::fit("garmin-fenix-5-bike.fit");
    let empty = variant(d, &fenix, "empty.fit", |_| Vec::new());
    let html = variant(d, &fenix, "ride.gpx", |_| {
        b"<!DOCTYPE html><html><body>Sign in to Strava</body></html>".to_vec()
    });
    let text = variant(d, &fenix, "notes.tcx", |_| b"just some notes".to_vec());
    // 200 MB, sparse: no need to write it.
    let huge = d.join("huge.gpx");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(200 * 1024 * 1024)
        .unwrap();
    let (code, entries) = import_files(&moved(), &[&empty, &html, &text, &huge, &fenix], &[]);
    assert_eq!(code, 1, "a failed file makes the exit code 1");
    assert_eq!(entries.len(), 5);
    assert!(reason(&entries[0]).contains("empty"), "{}", entries[0]);
    assert!(reason(&entries[1]).contains("web page"), "{}", entries[1]);
    assert!(
        reason(&entries[2]).contains("not a TCX file"),
        "{}",
        entries[2]
    );
    assert!(
        reason(&entries[3]).contains("larger than"),
        "{}",
        entries[3]
    );
    assert_eq!(status(&entries[4]), "imported");
}

fn moved() -> Garage {
    Garage::new()
}

#[test]
fn a_fit_file_named_gpx_is_read_as_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let f = variant(
        dir.path(),
        &ride_fixtures::fit("garmin-fenix-5-bike.fit"),
        "ride.gpx",
        |b| b,
    );
    let (code, entries) = import_files(&Garage::new(), &[&f], &[]);
    assert_eq!(code, 0);
    assert_eq!(status(&entries[0]), "imported");
}

#[test]
fn a_truncated_fit_file_keeps_what_came_before_the_damage_or_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let fenix = ride_fixtures::fit("garmin-fenix-5-bike.fit");
    let g = Garage::new();
    for cut in [0.9, 0.5, 0.01] {
        let f = variant(dir.path(), &fenix, &format!("cut-{cut}.fit"), |b| {
            let keep = (b.len() as f64 * cut) as usize;
            b[..keep].to_vec()
        });
        let (_, entries) = import_files(&g, &[&f], &[]);
        let e = &entries[0];
        match status(e) {
            // The records before the cut are the ride (the session message is at the end).
            "imported" | "duplicate" => assert!(e["ride_id"].is_string()),
            "failed" | "skipped" => assert!(!reason(e).is_empty(), "{e}"),
            other => panic!("{other}: {e}"),
        }
    }
    // Nothing half-imported: every ride in the garage has a whole row.
    for r in rides(&g) {
        assert!(
            r["start_at"].is_number() || r["start_at"].is_string(),
            "{r}"
        );
    }
}

fn zip_with(entries: &[(&str, &[u8])], path: &std::path::Path) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        z.start_file(*name, opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn a_zip_bomb_and_a_path_out_of_the_archive_are_refused_and_the_rest_imported() {
    let dir = tempfile::tempdir().unwrap();
    let fenix = std::fs::read(ride_fixtures::fit("garmin-fenix-5-bike.fit")).unwrap();
    let archive = dir.path().join("export.zip");
    {
        // 70 MB of zeros deflate to about 70 kB: past both the size limit and a sane ratio.
        let mut z = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1));
        z.start_file("bomb.fit", opts).unwrap();
        let mb = vec![0u8; 1024 * 1024];
        for _ in 0..70 {
            z.write_all(&mb).unwrap();
        }
        z.start_file("../../etc/evil.gpx", opts).unwrap();
        z.write_all(b"<gpx></gpx>").unwrap();
        z.start_file("activities/ride.fit", opts).unwrap();
        z.write_all(&fenix).unwrap();
        z.finish().unwrap();
    }
    let g = Garage::new();
    let (code, report) = import(&g, &[archive.to_str().unwrap()]);
    assert_eq!(code, 1);
    let entries = report["files"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{report}");
    assert!(reason(&entries[0]).contains("zip bomb"), "{}", entries[0]);
    assert!(
        reason(&entries[1]).contains("unsafe path"),
        "{}",
        entries[1]
    );
    assert_eq!(status(&entries[2]), "imported");
    assert_eq!(rides(&g).len(), 1);
}

#[test]
fn a_strava_csv_without_its_columns_says_which_and_the_files_still_import() {
    let dir = tempfile::tempdir().unwrap();
    let fenix = std::fs::read(ride_fixtures::fit("garmin-fenix-5-bike.fit")).unwrap();
    let archive = dir.path().join("export.zip");
    zip_with(
        &[
            (
                "activities.csv",
                b"Activity ID,Activity Date\n1,yesterday\n",
            ),
            ("activities/1.fit", &fenix),
        ],
        &archive,
    );
    let g = Garage::new();
    let (code, report) = import(&g, &[archive.to_str().unwrap()]);
    assert_eq!(code, 1, "{report}");
    let entries = report["files"].as_array().unwrap();
    assert!(reason(&entries[0]).contains("Activity Type"), "{report}");
    assert_eq!(status(&entries[1]), "imported", "{report}");
}

#[test]
fn a_file_the_garage_refuses_leaves_nothing_behind_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let wahoo = ride_fixtures::gpx("wahoo_example.gpx");
    // The same real track moved to 2099: the garage refuses a ride that starts in the future.
    let future = variant(dir.path(), &wahoo, "future.gpx", |b| {
        String::from_utf8(b)
            .unwrap()
            .replace("2022-04-24", "2099-04-24")
            .into_bytes()
    });
    let g = Garage::new();
    let (code, entries) = import_files(&g, &[&future, &wahoo], &[]);
    assert_eq!(code, 1);
    assert_eq!(status(&entries[0]), "failed", "{}", entries[0]);
    assert_eq!(status(&entries[1]), "imported", "{}", entries[1]);
    let db = g.db();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM rides"), 1);
    assert_eq!(count("SELECT count(*) FROM ride_files"), 1);
}

/// A track of 2,224 km in an hour: kept, like any source's ride with numbers a ride cannot have,
/// but flagged for the rider's review (`rides --flagged`), not counted silently.
#[test]
fn a_file_with_numbers_no_ride_has_is_kept_but_flagged_for_review() {
    let dir = tempfile::tempdir().unwrap();
    let points: String = (0..=2)
        .map(|i| {
            format!(
                r#"<trkpt lat="0" lon="{}"><time>2026-01-10T10:{:02}:00Z</time></trkpt>"#,
                10 * i,
                25 * i
            )
        })
        .collect::<Vec<_>>()
        .join("");
    let track = dir.path().join("too-far.gpx");
    std::fs::write(
        &track,
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="tests" xmlns="http://www.topografix.com/GPX/1/1">
<trk><name>Too far</name><type>cycling</type><trkseg>{points}</trkseg></trk></gpx>"#
        ),
    )
    .unwrap();
    let g = Garage::new();
    let (code, _) = import(&g, &[track.to_str().unwrap()]);
    assert_eq!(code, 0, "the file is imported");
    assert_eq!(rides(&g).len(), 1);
    let flagged = g.json(&["rides", "--flagged"]);
    let flagged = flagged.as_array().cloned().unwrap_or_default();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert!(
        flagged[0]["review"]
            .as_array()
            .is_some_and(|r| !r.is_empty()),
        "{:?}",
        flagged[0]
    );
}
