//! Where the garage lives on disk. The CLI and the desktop app must agree, so both ask here.

use std::path::PathBuf;

/// The app's bundle identifier; Tauri's app-data directory is `<data dir>/<identifier>`.
pub const APP_IDENTIFIER: &str = "app.pedalwrencher";
pub const DATA_DIR_ENV: &str = "PEDALWRENCHER_DATA_DIR";

/// `PEDALWRENCHER_DATA_DIR` if set, else the platform's data directory for the app
/// (`~/.local/share/app.pedalwrencher` on Linux), the same one Tauri's `app_data_dir()` returns.
pub fn default_data_dir() -> Option<PathBuf> {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => dirs::data_dir().map(|d| d.join(APP_IDENTIFIER)),
    }
}
