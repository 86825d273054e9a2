//! Device-local preferences, in `settings.json` in the data folder: the file the app's
//! tauri-plugin-store writes (a JSON object of key → value). The schema is defined here once, so
//! the CLI reads exactly what the app wrote. Secrets never go here (see `secrets`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const FILE: &str = "settings.json";

/// Every device setting, with its default when the file or the key is missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Minutes between background Strava syncs (the app and `serve`).
    pub sync_interval_minutes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sync_interval_minutes: 60,
        }
    }
}

pub const MIN_SYNC_INTERVAL_MINUTES: u32 = 15;
pub const MAX_SYNC_INTERVAL_MINUTES: u32 = 24 * 60;

impl Settings {
    /// Checks values a rider typed; the message says what is allowed.
    pub fn validated(self) -> Result<Settings> {
        if !(MIN_SYNC_INTERVAL_MINUTES..=MAX_SYNC_INTERVAL_MINUTES)
            .contains(&self.sync_interval_minutes)
        {
            return Err(Error::Invalid(format!(
                "the sync interval must be between {MIN_SYNC_INTERVAL_MINUTES} minutes and {} hours (Strava's rate limit is shared by every sync of your app)",
                MAX_SYNC_INTERVAL_MINUTES / 60
            )));
        }
        Ok(self)
    }

    pub fn sync_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.sync_interval_minutes) * 60)
    }
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// Reads the settings; a missing file means defaults. A file that cannot be read is an error
/// (never silently replaced by defaults: the next save would wipe the rider's choices).
pub fn load(data_dir: &Path) -> Result<Settings> {
    let path = path(data_dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::Invalid(format!(
                "the settings file {} is not valid JSON ({e}); fix or delete it",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
        Err(source) => Err(Error::Io {
            action: "read the settings file",
            path,
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(Settings {
            sync_interval_minutes: 5
        }
        .validated()
        .is_err());
    }
}
