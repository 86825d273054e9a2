//! Start at login (desktop): the `start_at_login` setting made true on the system by
//! tauri-plugin-autostart — on Linux the XDG autostart file
//! `~/.config/autostart/Pedalwrencher.desktop`, on macOS a LaunchAgent, on Windows the Run key.
//! Started that way the app opens in the tray, without its window ([`IN_TRAY`]).

use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Wry};
use tauri_plugin_autostart::ManagerExt;

use crate::state::CommandError;

/// The argument the login entry starts the app with.
pub const IN_TRAY: &str = "--in-tray";

/// The name of the login entry (on Linux, `<name>.desktop`).
const NAME: &str = "Pedalwrencher";

pub fn plugin() -> TauriPlugin<Wry> {
    tauri_plugin_autostart::Builder::new()
        .app_name(NAME)
        .arg(IN_TRAY)
        .build()
}

/// Whether this process was started at login.
pub fn started_at_login() -> bool {
    std::env::args().any(|a| a == IN_TRAY)
}

/// Adds (`on`) or removes the login entry.
pub fn apply(app: &AppHandle, on: bool) -> Result<(), CommandError> {
    let manager = app.autolaunch();
    if on {
        manager.enable().map_err(|e| {
            CommandError::app(format!(
                "could not add Pedalwrencher to the programs started at login ({e}); check that your login items folder (on Linux ~/.config/autostart) is writable, then try again"
            ))
        })
    } else {
        manager.disable().map_err(|e| {
            CommandError::app(format!(
                "could not remove Pedalwrencher from the programs started at login ({e}); remove it in your system's startup settings"
            ))
        })
    }
}

/// At start: an entry the setting asks for is written again, so it names this binary (the app
/// may have moved since). An entry the setting does not ask for is left alone here: the entry is
/// the user's and the setting the garage's, and another garage's app may have made it.
pub fn refresh(app: &AppHandle, on: bool) {
    if on {
        if let Err(e) = apply(app, true) {
            tracing::warn!("{}", e.message);
        }
    }
}
