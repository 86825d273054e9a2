//! The main window on the desktop. Closing it hides it: the app goes on in the tray, so reminders
//! and syncs go on too (the tray's Quit ends it). The first time, a notification says so, once
//! (remembered in the settings as `tray_notice_shown`). The tray, a click on a reminder and a
//! second launch bring it back with [`show`].

#[cfg(desktop)]
use pedalwrencher_core::settings::{self, DesktopPatch};
use tauri::{AppHandle, Manager, Runtime};
#[cfg(desktop)]
use tauri::{CloseRequestApi, Window};

#[cfg(desktop)]
use crate::native;
#[cfg(desktop)]
use crate::state::AppState;

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

/// The rider closed the window (desktop): hidden, not closed, when there is a tray to bring it back from;
/// without a tray (it could not be made) closing ends the app as before.
#[cfg(desktop)]
pub fn close_requested(window: &Window, api: &CloseRequestApi) {
    if window.label() != MAIN || !crate::tray::exists(window.app_handle()) {
        return;
    }
    api.prevent_close();
    if let Err(e) = window.hide() {
        tracing::warn!("could not hide the window: {e}");
        return;
    }
    tracing::info!("window closed; still running in the tray");
    let app = window.app_handle().clone();
    // Reading and writing settings.json takes its lock: off the event loop.
    tauri::async_runtime::spawn_blocking(move || tell_once(&app));
}

#[cfg(desktop)]
const NOTICE_TITLE: &str = "Pedalwrencher is still running";
#[cfg(desktop)]
const NOTICE_BODY: &str = "Reminders and syncs go on in the background. Open the window again \
    from the tray icon; choose Quit there to stop Pedalwrencher.";

/// The first close says where the app went, once per device.
#[cfg(desktop)]
fn tell_once(app: &AppHandle) {
    let state = app.state::<AppState>();
    let dir = state.data_dir();
    match settings::load(dir) {
        Ok(s) if s.tray_notice_shown => return,
        Ok(_) => {}
        Err(e) => {
            tracing::warn!("could not read the settings: {e}");
            return;
        }
    }
    if let Err(e) = native::show(app, NOTICE_TITLE, NOTICE_BODY, None) {
        tracing::warn!("could not say that the app runs on in the tray: {e}");
        return;
    }
    let told = DesktopPatch {
        tray_notice_shown: Some(true),
        ..DesktopPatch::default()
    };
    if let Err(e) = settings::update(dir, told) {
        tracing::warn!("could not remember that the tray notice was shown: {e}");
    }
}
