//! The app's one way to write `settings.json`: through tauri-plugin-store, at the absolute path
//! `<data dir>/settings.json` (so PEDALWRENCHER_DATA_DIR applies), re-reading the file first and
//! keeping keys it does not know. Every panel goes through here, and each changes only its own
//! fields, so one panel's save never puts back another's stale values (the plugin also saves its
//! copy when the app quits: it must always hold the latest).

use pedalwrencher_core::settings::{self, Settings};
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

use crate::state::CommandError;

/// Loads the settings, lets `change` edit them, checks and writes them; returns what was written.
pub fn update<R: Runtime>(
    app: &AppHandle<R>,
    data_dir: &std::path::Path,
    change: impl FnOnce(&mut Settings),
) -> Result<Settings, CommandError> {
    let path = settings::path(data_dir);
    let failed = |e: tauri_plugin_store::Error| {
        CommandError::app(format!(
            "could not save the settings in {}: {e}",
            path.display()
        ))
    };
    let store = app.store(&path).map_err(failed)?;
    // Another program (the CLI, an editor) may have changed the file since it was read.
    if path.exists() {
        store.reload().map_err(failed)?;
    }
    let mut current = settings::load(data_dir)?;
    change(&mut current);
    let new = current.validated()?;
    if let serde_json::Value::Object(values) = serde_json::to_value(&new)
        .map_err(|e| CommandError::app(format!("could not encode the settings: {e}")))?
    {
        for (key, value) in values {
            store.set(key, value);
        }
    }
    store.save().map_err(failed)?;
    Ok(new)
}
