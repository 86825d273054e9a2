//! Where the garage lives on disk. The CLI and the desktop app must agree, so both ask here.

use std::path::PathBuf;

use crate::env;

/// The app's bundle identifier; Tauri's app-data directory is `<data dir>/<identifier>`.
pub const APP_IDENTIFIER: &str = "app.pedalwrencher";

/// [`env::DATA_DIR`] if set, else the platform's data directory for the app
/// (`~/.local/share/app.pedalwrencher` on Linux), the same one Tauri's `app_data_dir()` returns.
pub fn default_data_dir() -> Option<PathBuf> {
    data_dir_override().or_else(|| dirs::data_dir().map(|d| d.join(APP_IDENTIFIER)))
}

/// The data directory forced by [`env::DATA_DIR`] (tests, several profiles), if any.
pub fn data_dir_override() -> Option<PathBuf> {
    env::env().data_dir()
}
