//! The app writes `settings.json` (at `<data dir>/settings.json`, so PEDALWRENCHER_DATA_DIR
//! applies) only through the core's one writer, `pedalwrencher_core::settings::update`: under the
//! file's lock, re-read, only the patch's fields changed, validated, renamed into place, keys it
//! does not know kept. The CLI and `serve` write through the same code, so two programs writing
//! at once both land. (Not through tauri-plugin-store any more: the plugin kept a copy and saved
//! it again when the app quit, which could put back values another program had changed since.)

use std::path::Path;

use pedalwrencher_core::settings::{self, Settings, SettingsPatch};
use tauri::{AppHandle, Runtime};

use crate::state::CommandError;

/// Changes the fields `patch` names and returns the settings written.
// Unused until the commands send patches instead of closures (switched at the merge).
#[allow(dead_code)]
pub fn apply(data_dir: &Path, patch: impl Into<SettingsPatch>) -> Result<Settings, CommandError> {
    Ok(settings::update(data_dir, patch)?)
}

/// Loads the settings, lets `change` edit them, checks and writes them; returns what was written.
/// Transitional: the same locked writer as [`apply`], for the commands that still pass a closure
/// (`app` is no longer needed); they switch to [`apply`] with a section's patch.
pub fn update<R: Runtime>(
    _app: &AppHandle<R>,
    data_dir: &Path,
    change: impl FnOnce(&mut Settings),
) -> Result<Settings, CommandError> {
    Ok(settings::update_with(data_dir, change)?)
}
