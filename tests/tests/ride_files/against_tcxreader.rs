//! Every real TCX ride summarised by our reader matches tcxreader (an independent TCX library from
//! PyPI, tests/scripts/tcx_summary.py) within 1 % for distance (both sum the laps'
//! `DistanceMeters`) and timer time. tcxreader does not read a lap's `TotalTimeSeconds`, our
//! moving time; its duration is the span from the first track point to the last, which is the
//! timer time of a recording without pauses, as these are (a Zwift ride, a point every second).

use std::path::{Path, PathBuf};

use pedalwrencher_core::ride_files::{self, ReadOptions};
use pedalwrencher_tests::{ride_fixtures, venv};
use serde_json::Value;

fn tcxreader_summaries(files: &[PathBuf]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/tcx_summary.py");
    let out = std::process::Command::new(venv::python())
        .arg(script)
        .args(files)
        .output()
        .expect("the virtualenv's Python runs (make py-venv)");
    assert!(
        out.status.success(),
        "tcx_summary.py (tcxreader, make py-venv): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("tcx_summary.py prints JSON")
}

#[test]
fn tcx_rides_match_tcxreader_within_one_percent() {
    let dir = ride_fixtures::tcx("20210308_virtual_ride_with_power.tcx")
        .parent()
        .map(Path::to_path_buf)
        .unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tcx"))
        .collect();
    files.sort();
    let reference = tcxreader_summaries(&files);
    let close = |a: f64, b: f64| (a - b).abs() <= 0.01 * b.abs().max(1.0);
    let mut compared = 0;
    for f in &files {
        let name = f.display().to_string();
        let theirs = &reference[&name];
        assert!(theirs.get("error").is_none(), "{name}: {theirs}");
        let ours = match ride_files::read(
            &name,
            None,
            std::fs::File::open(f).unwrap(),
            &ReadOptions::default(),
        ) {
            Ok(s) => s,
            // The run and the yoga session: tcxreader names their sport too.
            Err(p) if p.is_skip() => {
                assert_ne!(theirs["sport"], "Biking", "{name}: {p}");
                continue;
            }
            Err(p) => panic!("{name}: tcxreader reads it, we fail: {p}"),
        };
        let (d, t) = (
            theirs["distance_m"].as_f64().unwrap(),
            theirs["span_s"].as_f64().unwrap(),
        );
        assert!(
            close(ours.distance_m, d),
            "{name}: distance {} vs tcxreader {d}",
            ours.distance_m
        );
        assert!(
            close(ours.moving_time_s, t),
            "{name}: timer {} vs tcxreader's span {t}",
            ours.moving_time_s
        );
        compared += 1;
    }
    assert!(compared >= 1, "no TCX ride was compared: {reference}");
}
