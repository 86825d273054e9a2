//! Ride files written by real devices and apps, exactly as package registries publish them: the
//! `fitparser` crate's test files (a Garmin Fenix 5 ride, Garmin SDK samples), the `gpx` crate's
//! (Garmin, Wahoo, Strava, CalTopo exports), the `tcx` crate's (a Fenix 6 run, a virtual ride,
//! yoga), and gpxpy's source package from PyPI (unpacked by `make py-venv`). Nothing here is a
//! file made by our own code; tests that need a variant (gzipped, cut short, renamed) make it
//! from these.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::venv;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where cargo unpacked a crate of the workspace's dependency graph: asked of `cargo metadata`,
/// else (when metadata cannot run offline, say before the app's crates were fetched) looked up
/// in cargo's registry folder at the version Cargo.lock pins.
pub fn crate_dir(name: &str) -> PathBuf {
    static METADATA: OnceLock<Option<Value>> = OnceLock::new();
    let meta = METADATA.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = std::process::Command::new(cargo)
            .args([
                "metadata",
                "--format-version",
                "1",
                "--offline",
                "--manifest-path",
            ])
            .arg(workspace().join("Cargo.toml"))
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        serde_json::from_slice(&out.stdout).ok()
    });
    let from_metadata = meta.as_ref().and_then(|m| {
        let package = m["packages"]
            .as_array()?
            .iter()
            .find(|p| p["name"] == name)?;
        let manifest = PathBuf::from(package["manifest_path"].as_str()?);
        manifest.parent().map(Path::to_path_buf)
    });
    from_metadata.unwrap_or_else(|| in_registry(name))
}

fn in_registry(name: &str) -> PathBuf {
    let lock = std::fs::read_to_string(workspace().join("Cargo.lock")).expect("Cargo.lock reads");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains(&format!("name = \"{name}\"\n")))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"').to_owned())
        .unwrap_or_else(|| panic!("{name} is not in Cargo.lock"));
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME is set");
    let registries = std::fs::read_dir(home.join("registry/src")).expect("cargo's registry folder");
    registries
        .filter_map(|r| r.ok())
        .map(|r| r.path().join(format!("{name}-{version}")))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| panic!("{name} {version} is not unpacked: run `cargo fetch`"))
}

pub fn fit(name: &str) -> PathBuf {
    existing(crate_dir("fitparser").join("tests/fixtures").join(name))
}

pub fn gpx(name: &str) -> PathBuf {
    existing(crate_dir("gpx").join("tests/fixtures").join(name))
}

pub fn tcx(name: &str) -> PathBuf {
    existing(crate_dir("tcx").join("tests").join(name))
}

/// gpxpy's test files, from its source package on PyPI.
pub fn gpxpy(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/fixtures/gpxpy-1.6.2/test_files");
    assert!(
        dir.is_dir(),
        "gpxpy's test files are missing: run `make py-venv`"
    );
    existing(dir.join(name))
}

fn existing(path: PathBuf) -> PathBuf {
    assert!(
        path.is_file(),
        "the registry's file {} is missing",
        path.display()
    );
    path
}

/// Each FIT file's summary by Garmin's FIT SDK (tests/scripts/fit_summary.py): an object keyed by
/// the path given, with distance_m, timer_s and start_s (or error).
pub fn garmin_sdk_summaries(files: &[PathBuf]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/fit_summary.py");
    let out = std::process::Command::new(venv::python())
        .arg(script)
        .args(files)
        .output()
        .expect("the virtualenv's Python runs (make py-venv)");
    assert!(
        out.status.success(),
        "fit_summary.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("fit_summary.py prints JSON")
}
