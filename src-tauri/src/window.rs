//! The main window, brought back by the tray, a click on a reminder and a second launch. (Closing
//! it hides it to the tray: `tray::close_requested`.)

use tauri::{AppHandle, Manager, Runtime};

/// The label of the one window (tauri.conf.json).
pub const MAIN: &str = "main";

/// Shows the window, restored and in front.
pub fn show<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}
