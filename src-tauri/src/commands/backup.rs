//! Settings › Data: back up the whole garage to a file and restore one, with progress events.

use std::path::PathBuf;

use pedalwrencher_core::backup::{self, BackupReport, Progress, RestoreReport};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::events::GarageChanged;
use crate::state::{AppState, CommandError};

/// How far a backup or restore has come ("Restoring rides: 4,000 of 12,000").
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(transparent)]
pub struct BackupProgress(pub Progress);

#[derive(Debug, Deserialize, specta::Type)]
pub struct BackupTo {
    /// Where to write it; none: `backups/pedalwrencher-YYYY-MM-DD.json` in the data folder.
    #[serde(default)]
    path: Option<String>,
}

/// Writes the whole garage to one file, and its rides as CSV next to it.
#[tauri::command(async)]
#[specta::specta]
pub fn backup_export(app: AppHandle, input: BackupTo) -> Result<BackupReport, CommandError> {
    let state = app.state::<AppState>();
    let path = match input.path {
        Some(p) => PathBuf::from(p),
        None => {
            let dir = state.data_dir().join("backups");
            std::fs::create_dir_all(&dir).map_err(|e| {
                CommandError::app(format!("could not create {}: {e}", dir.display()))
            })?;
            dir.join(format!(
                "pedalwrencher-{}.json",
                pedalwrencher_core::Timestamp::now().local_date()
            ))
        }
    };
    state.with(|s| {
        backup::export(s, &path, &mut |p| {
            let _ = BackupProgress(p).emit(&app);
        })
    })
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct RestoreFrom {
    path: String,
}

/// Restores a backup: validated first, all or nothing; the report says what was added and what
/// was skipped and why. The window reloads on `GarageChanged`.
#[tauri::command(async)]
#[specta::specta]
pub fn backup_restore(app: AppHandle, input: RestoreFrom) -> Result<RestoreReport, CommandError> {
    let state = app.state::<AppState>();
    let report = state.with(|s| {
        backup::restore(s, &PathBuf::from(&input.path), &mut |p| {
            let _ = BackupProgress(p).emit(&app);
        })
    })?;
    let _ = GarageChanged.emit(&app);
    Ok(report)
}
