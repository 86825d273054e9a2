//! Where the garage lives on disk. The CLI and the desktop app must agree, so both ask here.

use std::path::PathBuf;

/// The app's bundle identifier; Tauri's app-data directory is `<data dir>/<identifier>`.
pub const APP_IDENTIFIER: &str = "app.pedalwrencher";
pub use crate::env::DATA_DIR as DATA_DIR_ENV;

/// `PEDALWRENCHER_DATA_DIR` if set, else the platform's data directory for the app
/// (`~/.local/share/app.pedalwrencher` on Linux), the same one Tauri's `app_data_dir()` returns.
pub fn default_data_dir() -> Option<PathBuf> {
    data_dir_override().or_else(|| dirs::data_dir().map(|d| d.join(APP_IDENTIFIER)))
}

/// The data directory forced by `PEDALWRENCHER_DATA_DIR` (tests, several profiles), if any.
pub fn data_dir_override() -> Option<PathBuf> {
    std::env::var_os(DATA_DIR_ENV)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}
