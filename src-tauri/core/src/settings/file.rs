//! `settings.json` on disk: reading it, and the one writer.
//!
//! Every write goes through [`update`]: an exclusive lock on `settings.json.lock` (between
//! processes and between threads: each write opens the lock file anew), then the file is read
//! again, changed, validated, written to a temporary file of this write's own and renamed over
//! `settings.json` (the lock and the rename are `locked_file`'s, which `secrets.json` shares). So
//! two writers changing different sections at once both land, a reader sees a whole file, and
//! keys this version does not know survive. The lock file stays (deleting it would let two
//! writers lock two different files).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{Settings, SettingsPatch};
use crate::error::{Error, Result};
use crate::locked_file::{self, Access, FileLock, LockActions};
use crate::units::Units;

pub const FILE: &str = "settings.json";
/// Beside the settings file; held while a write is under way.
pub const LOCK_FILE: &str = "settings.json.lock";

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// Reads the settings; a missing file means defaults. A file that cannot be read is an error
/// (never silently replaced by defaults: the next save would wipe the rider's choices).
pub fn load(data_dir: &Path) -> Result<Settings> {
    let path = path(data_dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| damaged(&path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
        Err(source) => Err(Error::Io {
            action: "read the settings file",
            path,
            source,
        }),
    }
}

/// Changes the fields `patch` names, as the file is now, and returns the settings written.
/// Nothing is written when the result is not valid (the error says what is allowed) or the file
/// is damaged (the error says which file).
pub fn update(data_dir: &Path, patch: impl Into<SettingsPatch>) -> Result<Settings> {
    let patch = patch.into();
    let _lock = lock(data_dir)?;
    let path = path(data_dir);
    let mut all = read_object(&path)?;
    if chooses_units(&patch, &all) {
        all.insert(UNITS_CHOSEN.to_owned(), Value::Bool(true));
    }
    write_changed(&path, all, |s| patch.apply(s))
}

/// Beside the settings, and not one of them: the rider has set the units (a whole-file write
/// writes `units` too, so its presence alone says nothing). Kept like any key this version does
/// not know.
const UNITS_CHOSEN: &str = "units_chosen";

/// Whether `patch` is the rider choosing units, given the file as it is now (`all`). A patch of
/// the units alone is the Units control: a choice even of the units already set (a rider on an
/// imperial Strava account who keeps metric). Units written among other fields (a whole-settings
/// write, a panel that sends whole sections) only repeat what the writer read, so they are a choice
/// only when they change the units; otherwise every save of an unrelated panel would pin the
/// units and Strava's preference would never be followed again.
fn chooses_units(patch: &SettingsPatch, all: &Map<String, Value>) -> bool {
    let Some(units) = patch.display.as_ref().and_then(|d| d.units) else {
        return false;
    };
    let alone = SettingsPatch {
        display: Some(super::DisplayPatch {
            units: Some(units),
            default_warn_fraction: None,
        }),
        ..SettingsPatch::default()
    };
    // A units value this version cannot read counts as the default, as `load` would read it.
    let now: Units = all
        .get("units")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    *patch == alone || units != now
}

/// Sets the units from elsewhere (Strava's measurement preference) unless the rider has chosen
/// them: their choice always wins. Returns whether the units were set.
pub fn default_units(data_dir: &Path, units: Units) -> Result<bool> {
    let _lock = lock(data_dir)?;
    let path = path(data_dir);
    let all = read_object(&path)?;
    if all.get(UNITS_CHOSEN) == Some(&Value::Bool(true)) {
        return Ok(false);
    }
    write_changed(&path, all, |s| s.units = units)?;
    Ok(true)
}

/// Changes the settings in `all` (the file as read under the lock) and writes the file.
fn write_changed(
    path: &Path,
    mut all: Map<String, Value>,
    change: impl FnOnce(&mut Settings),
) -> Result<Settings> {
    let mut settings: Settings =
        serde_json::from_value(Value::Object(all.clone())).map_err(|e| damaged(path, e))?;
    change(&mut settings);
    let settings = settings.validated()?;
    match serde_json::to_value(&settings).map_err(encode)? {
        Value::Object(ours) => all.extend(ours),
        _ => {
            return Err(Error::invalid(
                "could not encode the settings as a JSON object",
            ))
        }
    }
    write_atomically(path, &all)?;
    Ok(settings)
}

/// The exclusive lock on `settings.json.lock`, released when dropped.
fn lock(data_dir: &Path) -> Result<FileLock> {
    FileLock::take(
        &data_dir.join(LOCK_FILE),
        Access::Shared,
        LockActions {
            open: "open the settings lock file",
            lock: "lock the settings file",
        },
    )
}

/// The file as a JSON object of every key, known or not; missing = empty.
fn read_object(path: &Path) -> Result<Map<String, Value>> {
    match std::fs::read(path) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(Value::Object(all)) => Ok(all),
            Ok(_) => Err(damaged(path, "it is not a JSON object")),
            Err(e) => Err(damaged(path, e)),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Map::new()),
        Err(source) => Err(Error::Io {
            action: "read the settings file",
            path: path.to_owned(),
            source,
        }),
    }
}

/// A temporary file of this write's own, renamed over the settings file (see `locked_file`).
fn write_atomically(path: &Path, all: &Map<String, Value>) -> Result<()> {
    let text = serde_json::to_vec_pretty(all).map_err(encode)?;
    locked_file::replace(path, &text, Access::Shared, "write the settings file")
}

fn damaged(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::Invalid(format!(
        "the settings file {} is not valid JSON ({why}); fix or delete it",
        path.display()
    ))
}

fn encode(e: serde_json::Error) -> Error {
    Error::Invalid(format!("could not encode the settings: {e}"))
}

#[cfg(test)]
mod tests {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use super::*;
    use crate::settings::{DevicesPatch, StravaPatch, MIN_SYNC_INTERVAL_MINUTES};

    #[test]
    fn missing_file_and_keys_mean_defaults_and_unknown_keys_are_kept_out() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), Settings::default());
        std::fs::write(
            path(dir.path()),
            r#"{"sync_interval_minutes": 30, "ui_theme": "dark"}"#,
        )
        .unwrap();
        assert_eq!(load(dir.path()).unwrap().sync_interval_minutes, 30);
        std::fs::write(path(dir.path()), "{").unwrap();
        assert!(load(dir.path()).is_err());
    }

    #[test]
    fn saving_keeps_keys_this_version_does_not_know() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(path(dir.path()), r#"{"ui_theme": "dark"}"#).unwrap();
        let s = Settings {
            notify_email: true,
            ..Settings::default()
        };
        update(dir.path(), SettingsPatch::all(&s)).unwrap();
        assert_eq!(load(dir.path()).unwrap(), s);
        let raw: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path(dir.path())).unwrap()).unwrap();
        assert_eq!(raw["ui_theme"], "dark");
    }

    #[test]
    fn an_update_changes_its_fields_as_the_file_is_now() {
        let dir = tempfile::tempdir().unwrap();
        // Another program wrote this after the caller last read the file.
        std::fs::write(
            path(dir.path()),
            r#"{"device_name": "Desk", "ui_theme": "dark"}"#,
        )
        .unwrap();
        let written = update(
            dir.path(),
            StravaPatch {
                sync_interval_minutes: Some(30),
            },
        )
        .unwrap();
        assert_eq!(written.sync_interval_minutes, 30);
        assert_eq!(written.device_name, "Desk");
        assert_eq!(load(dir.path()).unwrap(), written);
        let raw: Value = serde_json::from_slice(&std::fs::read(path(dir.path())).unwrap()).unwrap();
        assert_eq!(raw["ui_theme"], "dark");
    }

    #[test]
    fn an_invalid_change_or_a_damaged_file_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(path(dir.path()), r#"{"nag_days": 3}"#).unwrap();
        let too_often = StravaPatch {
            sync_interval_minutes: Some(5),
        };
        assert!(update(dir.path(), too_often.clone()).is_err());
        assert_eq!(
            std::fs::read_to_string(path(dir.path())).unwrap(),
            r#"{"nag_days": 3}"#
        );

        for damaged in ["{", "[]", r#"{"nag_days": "three"}"#] {
            std::fs::write(path(dir.path()), damaged).unwrap();
            let e = update(dir.path(), DevicesPatch::default()).unwrap_err();
            assert!(e.to_string().contains("fix or delete it"), "{e}");
            assert_eq!(std::fs::read_to_string(path(dir.path())).unwrap(), damaged);
        }
        assert_eq!(temporary_files(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn a_missing_data_folder_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("nowhere");
        assert!(update(&gone, DevicesPatch::default()).is_err());
    }

    /// What the concurrent tests write: two sections, 100 times each.
    const ROUNDS: u32 = 100;
    /// A spawned copy of this test binary runs [`writer_process`] with `<section>:<data dir>`.
    const WRITER_ENV: &str = crate::env::TEST_SETTINGS_WRITER;

    #[derive(Clone, Copy)]
    enum Writer {
        /// Sets the Strava sync interval to 15 + i.
        Strava,
        /// Sets the devices' sync minutes to 1 + i.
        Devices,
    }

    impl Writer {
        fn parse(s: &str) -> Option<Writer> {
            match s {
                "strava" => Some(Writer::Strava),
                "devices" => Some(Writer::Devices),
                _ => None,
            }
        }

        fn name(self) -> &'static str {
            match self {
                Writer::Strava => "strava",
                Writer::Devices => "devices",
            }
        }

        /// (this writer's field, the other's) in `s`, both counting up from 0.
        fn counts(self, s: &Settings) -> (u32, u32) {
            let strava = s.sync_interval_minutes - MIN_SYNC_INTERVAL_MINUTES;
            let devices = s.devices_sync_minutes - 1;
            match self {
                Writer::Strava => (strava, devices),
                Writer::Devices => (devices, strava),
            }
        }

        /// Writes rounds 1..=ROUNDS. Each answer must show its own round and the other writer's
        /// count never going back (it would if a write put back a stale copy: a lost edit).
        fn run(self, dir: &Path) {
            let mut other_seen = 0;
            for i in 1..=ROUNDS {
                let patch: SettingsPatch = match self {
                    Writer::Strava => StravaPatch {
                        sync_interval_minutes: Some(MIN_SYNC_INTERVAL_MINUTES + i),
                    }
                    .into(),
                    Writer::Devices => DevicesPatch {
                        devices_sync_minutes: Some(1 + i),
                        ..DevicesPatch::default()
                    }
                    .into(),
                };
                let written = update(dir, patch).unwrap();
                let (mine, other) = self.counts(&written);
                assert_eq!(mine, i, "{} wrote round {i}", self.name());
                assert!(
                    other >= other_seen,
                    "{} saw the other section go back from {other_seen} to {other}",
                    self.name()
                );
                other_seen = other;
            }
        }
    }

    fn start_file(dir: &Path) {
        std::fs::write(
            path(dir),
            format!(
                r#"{{"sync_interval_minutes": {MIN_SYNC_INTERVAL_MINUTES}, "devices_sync_minutes": 1, "ui_theme": "dark"}}"#
            ),
        )
        .unwrap();
    }

    /// Both sections' last values are there, and the key this version does not know.
    fn assert_nothing_lost(dir: &Path) {
        let s = load(dir).unwrap();
        assert_eq!(Writer::Strava.counts(&s), (ROUNDS, ROUNDS));
        let raw: Value = serde_json::from_slice(&std::fs::read(path(dir)).unwrap()).unwrap();
        assert_eq!(raw["ui_theme"], "dark");
        assert_eq!(temporary_files(dir), Vec::<String>::new());
    }

    fn temporary_files(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn two_threads_writing_different_sections_lose_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        start_file(dir);
        std::thread::scope(|scope| {
            let writers =
                [Writer::Strava, Writer::Devices].map(|w| scope.spawn(move || w.run(dir)));
            // Meanwhile the file is always whole, valid JSON.
            while !writers.iter().all(|w| w.is_finished()) {
                load(dir).unwrap();
            }
            for w in writers {
                w.join().unwrap();
            }
        });
        assert_nothing_lost(dir);
    }

    #[test]
    fn two_processes_writing_different_sections_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        start_file(dir.path());
        let exe = std::env::current_exe().unwrap();
        let mut children: Vec<_> = [Writer::Strava, Writer::Devices]
            .iter()
            .map(|w| {
                Command::new(&exe)
                    .args([
                        "settings::file::tests::writer_process",
                        "--exact",
                        "--test-threads=1",
                    ])
                    .env(WRITER_ENV, format!("{}:{}", w.name(), dir.path().display()))
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(120);
        while children.iter_mut().any(|c| c.try_wait().unwrap().is_none()) {
            load(dir.path()).unwrap();
            if Instant::now() > deadline {
                for c in &mut children {
                    let _ = c.kill();
                }
                panic!("the writer processes did not finish in two minutes");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "a writer process failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            // The child ran its one test (a filter that matched nothing would pass too).
            assert!(
                String::from_utf8_lossy(&out.stdout).contains("1 passed"),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        assert_nothing_lost(dir.path());
    }

    /// The child side of the test above; does nothing in an ordinary test run.
    #[test]
    fn writer_process() {
        let Ok(spec) = std::env::var(WRITER_ENV) else {
            return;
        };
        let (name, dir) = spec.split_once(':').unwrap();
        Writer::parse(name).unwrap().run(Path::new(dir));
    }
}
