//! The Import place: ride files, folders and archives (a drop, the file picker) into the garage,
//! with progress events and the report per file. The import runs on a blocking thread with its
//! own connection to the garage, so the window's other commands go on meanwhile; the core writes
//! 250 files per transaction, so the database is locked only for those writes.

use std::path::PathBuf;

use pedalwrencher_core::ride_files::import::Options;
use pedalwrencher_core::ride_files::report::{self, Report, Totals};
use pedalwrencher_core::{BikeId, Store};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::background;
use crate::events::GarageChanged;
use crate::state::{AppState, CommandError};

/// How often the window hears how far an import got.
const PROGRESS_EVERY: u32 = 25;

/// How many files an import has done so far, by outcome.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(transparent)]
pub struct RideImportProgress(pub Totals);

#[derive(Debug, Deserialize, specta::Type)]
pub struct ImportRideFiles {
    /// Files, folders and zip archives.
    paths: Vec<String>,
    /// The bike for the whole batch (the CLI's `--bike`); none: the archive's gear, else the
    /// sensors' bike, else unassigned.
    #[serde(default)]
    bike_id: Option<BikeId>,
}

/// Imports ride files, folders and archives; the report has one entry per ride file.
#[tauri::command]
#[specta::specta]
pub async fn import_ride_files(
    app: AppHandle,
    input: ImportRideFiles,
) -> Result<Report, CommandError> {
    let dir = app.state::<AppState>().data_dir().to_owned();
    let handle = app.clone();
    let report = tauri::async_runtime::spawn_blocking(move || {
        let mut store = Store::open_dir(&dir)?;
        if let Some(bike) = &input.bike_id {
            pedalwrencher_core::garage::bikes::get(&store, bike)?;
        }
        let options = Options {
            bike: input.bike_id,
            learn_bikes: true,
            ..Options::default()
        };
        let paths: Vec<PathBuf> = input.paths.iter().map(PathBuf::from).collect();
        report::import(&mut store, options, &paths, PROGRESS_EVERY, |t| {
            let _ = RideImportProgress(t).emit(&handle);
        })
    })
    .await
    .map_err(|e| CommandError::app(format!("the import stopped: {e}")))??;
    if report.totals.imported + report.totals.duplicate > 0 {
        let _ = GarageChanged.emit(&app);
        background::wake(&app, pedalwrencher_core::runner::Wake::LocalChange);
    }
    Ok(report)
}
