//! Every real GPX track with times, summarised by our reader, matches gpxpy (an independent GPX
//! library from PyPI, tests/scripts/gpx_summary.py) within 1 % for distance and moving time.
//! gpxpy is asked for the figures that follow our documented definitions (2D great-circle legs,
//! segment by segment; moving when covered at 3.6 km/h or faster, without its outlier filter);
//! the README's ride-files section says how they differ from gpxpy's defaults.

use std::path::{Path, PathBuf};

use pedalwrencher_core::ride_files::{self, ReadOptions};
use pedalwrencher_tests::{ride_fixtures, venv};
use serde_json::Value;

/// Every GPX file the registries' packages ship: gpxpy's own test files and the `gpx` crate's.
fn every_registry_gpx() -> Vec<PathBuf> {
    let gpxpy_dir = ride_fixtures::gpxpy("cerknicko-jezero.gpx")
        .parent()
        .map(Path::to_path_buf)
        .unwrap();
    let gpx_dir = ride_fixtures::gpx("wahoo_example.gpx")
        .parent()
        .map(Path::to_path_buf)
        .unwrap();
    let mut files: Vec<PathBuf> = [gpxpy_dir, gpx_dir]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap().filter_map(|e| e.ok()))
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "gpx"))
        .collect();
    files.sort();
    files
}

fn gpxpy_summaries(files: &[PathBuf]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gpx_summary.py");
    let out = std::process::Command::new(venv::python())
        .arg(script)
        .args(files)
        .output()
        .expect("the virtualenv's Python runs (make py-venv)");
    assert!(
        out.status.success(),
        "gpx_summary.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("gpx_summary.py prints JSON")
}

/// gpxpy's files that exercise the schema, not tracks: every GPX 1.0 and 1.1 field around one
/// track point (the `gpx` crate refuses a waypoint's `magvar`), and three points without the
/// `version` the schema requires.
const KNOWN_REFUSALS: &[&str] = &[
    "gpx1.0_with_all_fields.gpx:",
    "gpx1.1_with_all_fields.gpx:",
    "validation_gpx10.gpx:",
    "validation_gpx11.gpx:",
    "track_with_speed.gpx:",
];

#[test]
fn gpx_tracks_match_gpxpy_within_one_percent() {
    let files = every_registry_gpx();
    let reference = gpxpy_summaries(&files);
    let close = |a: f64, b: f64| (a - b).abs() <= 0.01 * b.abs().max(1.0);
    let (mut compared, mut with_distance) = (0, 0);
    let mut refused = Vec::new();
    for f in &files {
        let name = f.display().to_string();
        let theirs = &reference[&name];
        if theirs.get("error").is_some() {
            continue; // no timed track (a route, an undated track) or gpxpy refuses the file
        }
        let ours = match ride_files::read(
            &name,
            None,
            std::fs::File::open(f).unwrap(),
            &ReadOptions::default(),
        ) {
            Ok(s) => s,
            // A run or a hike is skipped on purpose, saying so; anything else is a failure.
            Err(p) if p.is_skip() => continue,
            Err(p) => {
                refused.push(format!("{}: {p}", f.file_name().unwrap().to_string_lossy()));
                continue;
            }
        };
        let (d, t) = (
            theirs["distance_m"].as_f64().unwrap(),
            theirs["moving_s"].as_f64().unwrap(),
        );
        assert!(
            close(ours.distance_m, d),
            "{name}: distance {} vs gpxpy {d}",
            ours.distance_m
        );
        assert!(
            close(ours.moving_time_s, t),
            "{name}: moving time {} vs gpxpy {t}",
            ours.moving_time_s
        );
        compared += 1;
        if d > 1_000.0 && t > 60.0 {
            with_distance += 1;
        }
    }
    // gpxpy is lenient where the `gpx` crate holds to the schema; only these test files of
    // gpxpy's, none a real track, are refused (each a reason the rider sees).
    let known: Vec<String> = refused
        .iter()
        .filter(|r| !KNOWN_REFUSALS.iter().any(|k| r.starts_with(k)))
        .cloned()
        .collect();
    assert!(
        known.is_empty(),
        "gpxpy reads these, we refuse them: {known:#?}"
    );
    // Real rides and walks of kilometres (cerknicko-jezero's eight segments, korita-zbevnica,
    // a Garmin track in two segments, a GPSies export, …), not only one-point files.
    assert!(
        with_distance >= 6,
        "only {with_distance} tracks of a kilometre or more compared ({compared} in all): {reference}"
    );
}
