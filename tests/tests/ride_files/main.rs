//! Rides from files and archives (issue 18), on files written by real devices and apps as the
//! package registries publish them (`pedalwrencher_tests::ride_fixtures`): summaries checked
//! against independent readers (Garmin's own FIT SDK, gpxpy, tcxreader), the formats' quirks, archives, duplicates, bikes from sensors,
//! and every kind of bad input the issue lists, through the real CLI on a real SQLite file.
//!
//! Needs `cargo build -p pedalwrencher-cli` and `make py-venv` first.

use std::path::{Path, PathBuf};

use pedalwrencher_tests::cli::Garage;
use serde_json::Value;

mod against_garmin_sdk;
mod against_gpxpy;
mod against_tcxreader;
mod archives;
mod bad_input;
mod cli;
mod duplicates;
mod flagged;
mod formats;
mod watched;

/// `ride import --json` with `args`: the exit code and the report.
fn import(g: &Garage, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json", "ride", "import"];
    all.extend_from_slice(args);
    let out = g.run(&all);
    let code = out.status.code().expect("the CLI exits with a code");
    let text = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "ride import printed no JSON ({e}); stdout: {text}; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "the CLI panicked"
    );
    (code, report)
}

fn paths(p: &[&Path]) -> Vec<String> {
    p.iter().map(|p| p.display().to_string()).collect()
}

/// Imports `files` and returns the exit code and the one entry per file.
fn import_files(g: &Garage, files: &[&Path], extra: &[&str]) -> (i32, Vec<Value>) {
    let names = paths(files);
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(names.iter().map(String::as_str));
    let (code, report) = import(g, &args);
    let files = report["files"].as_array().cloned().unwrap_or_default();
    (code, files)
}

fn status(entry: &Value) -> &str {
    entry["status"].as_str().unwrap_or("")
}

fn rides(g: &Garage) -> Vec<Value> {
    g.json(&["rides"]).as_array().cloned().unwrap_or_default()
}

/// A copy of `from` named `name` in a fresh folder, changed by `edit`.
fn variant(dir: &Path, from: &Path, name: &str, edit: impl FnOnce(Vec<u8>) -> Vec<u8>) -> PathBuf {
    let bytes = std::fs::read(from).expect("a registry file reads");
    let to = dir.join(name);
    std::fs::write(&to, edit(bytes)).expect("the variant is written");
    to
}

fn gzip(bytes: Vec<u8>) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).expect("gzip in memory");
    gz.finish().expect("gzip in memory")
}
