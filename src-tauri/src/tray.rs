//! The tray icon (desktop): how many parts are due, and a menu — Open, Sync now, Check
//! reminders, Quit. The count is the icon's title (shown beside it on Linux and macOS), its
//! tooltip (Windows and macOS; Linux trays show none) and the menu's first line everywhere. It is
//! read again whenever the garage may have changed: a write from the window, or the runner's
//! "garage changed" (a sync, a delivery cycle, which also notices writes by the CLI).
//!
//! With a tray, closing the window hides it ([`close_requested`]): the app goes on, so reminders
//! and syncs go on too (Quit ends it). The first time, a notification says so, once (remembered in
//! the settings as `tray_notice_shown`).

use std::collections::HashSet;
use std::sync::Mutex;

use pedalwrencher_core::runner::{Job, Wake};
use pedalwrencher_core::settings::{self, DesktopPatch};
use pedalwrencher_core::wear::{self, RuleStatus, State};
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, CloseRequestApi, Manager, Runtime, Window};
use tauri_specta::Event as _;

use crate::background;
use crate::events::GarageChanged;
use crate::native;
use crate::state::AppState;
use crate::window;

const OPEN: &str = "open";
const SYNC: &str = "sync";
const CHECK: &str = "check";
const QUIT: &str = "quit";

/// The tray, in Tauri's state once it exists.
struct Tray {
    icon: TrayIcon,
    /// The menu's first line, "3 parts due" (not clickable).
    status: MenuItem<tauri::Wry>,
    /// The count shown now; `None` before the first read.
    shown: Mutex<Option<usize>>,
}

/// Makes the tray icon and its menu, then reads the count.
pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let status = MenuItem::with_id(app, "status", label(0), false, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &status,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, OPEN, "Open Pedalwrencher", true, None::<&str>)?,
            &MenuItem::with_id(app, SYNC, "Sync now", true, None::<&str>)?,
            &MenuItem::with_id(app, CHECK, "Check reminders", true, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, QUIT, "Quit", true, None::<&str>)?,
        ],
    )?;
    let mut builder = TrayIconBuilder::with_id("main")
        .menu(&menu)
        .tooltip("Pedalwrencher")
        .on_menu_event(on_menu)
        // Windows and macOS: a left click opens the window (Linux trays always show the menu).
        .show_menu_on_left_click(false)
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                window::show(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let icon = builder.build(app)?;
    app.manage(Tray {
        icon,
        status,
        shown: Mutex::new(None),
    });
    // The runner's "garage changed" (a sync, a delivery cycle) reaches the tray as the window.
    let handle = app.clone();
    GarageChanged::listen_any(app, move |_| refresh(&handle));
    refresh(app);
    Ok(())
}

/// Whether the tray was made (closing the window hides it only then).
pub fn exists<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.try_state::<Tray>().is_some()
}

fn on_menu(app: &AppHandle, event: MenuEvent) {
    match event.id().as_ref() {
        OPEN => window::show(app),
        // Both syncs, as the window's buttons do; a pass not set up does nothing.
        SYNC => {
            background::wake(app, Wake::Now(Job::Strava));
            background::wake(app, Wake::Now(Job::Devices));
        }
        CHECK => background::wake(app, Wake::Now(Job::Deliver)),
        QUIT => {
            tracing::info!("quit from the tray");
            app.exit(0);
        }
        _ => {}
    }
}

/// Reads the count again, off the calling thread (it reads the garage), and shows it if it
/// changed.
pub fn refresh(app: &AppHandle) {
    if !exists(app) {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let statuses = app.state::<AppState>().with_core(wear::statuses);
        match statuses {
            Ok(statuses) => show(&app, parts_due(&statuses)),
            Err(e) => tracing::warn!("could not count the parts due for the tray: {e}"),
        }
    });
}

fn show(app: &AppHandle, due: usize) {
    let Some(tray) = app.try_state::<Tray>() else {
        return;
    };
    let mut shown = tray.shown.lock().unwrap_or_else(|p| p.into_inner());
    if *shown == Some(due) {
        return;
    }
    *shown = Some(due);
    let text = label(due);
    tracing::info!(due, "tray: {text}");
    let title = (due > 0).then(|| due.to_string());
    let results = [
        tray.icon.set_title(title),
        tray.icon
            .set_tooltip(Some(format!("Pedalwrencher: {text}"))),
        tray.status.set_text(&text),
    ];
    if let Some(Err(e)) = results.into_iter().find(Result::is_err) {
        tracing::warn!("could not update the tray: {e}");
    }
}

/// Parts (not rules) with at least one rule due, on bikes still ridden: what the rider has to
/// see to. Parts on a retired bike are shown in the window but need no care.
fn parts_due(statuses: &[RuleStatus]) -> usize {
    statuses
        .iter()
        .filter(|r| r.active && r.state == State::Due)
        .map(|r| &r.component_id)
        .collect::<HashSet<_>>()
        .len()
}

fn label(due: usize) -> String {
    match due {
        0 => "Nothing due".to_owned(),
        1 => "1 part due".to_owned(),
        n => format!("{n} parts due"),
    }
}

/// The rider closed the window (desktop): hidden, not closed, when there is a tray to bring it back from;
/// without a tray (it could not be made) closing ends the app as before.
pub fn close_requested(window: &Window, api: &CloseRequestApi) {
    if window.label() != window::MAIN || !exists(window.app_handle()) {
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

const NOTICE_TITLE: &str = "Pedalwrencher is still running";
const NOTICE_BODY: &str = "Reminders and syncs go on in the background. Open the window again \
    from the tray icon; choose Quit there to stop Pedalwrencher.";

/// The first close says where the app went, once per device.
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

#[cfg(test)]
mod tests {
    use super::*;
    use pedalwrencher_core::wear::metric::{ActivityFilter, Metric};

    fn rule(component: &str, state: State, active: bool) -> RuleStatus {
        RuleStatus {
            rule_id: format!("{component}-{state:?}").into(),
            component_id: component.into(),
            component: component.to_owned(),
            component_kind: "chain".to_owned(),
            bike_id: None,
            bike: None,
            active,
            task: "replace".to_owned(),
            metric: Metric::DistanceM,
            interval: 1.0,
            used: 1.0,
            remaining: 0.0,
            fraction: 1.0,
            state,
            warn_fraction: 0.8,
            repeat: true,
            filter: ActivityFilter::All,
            epoch: 0,
            cycle: 0,
            snoozed_until: None,
            snoozed_until_used: None,
            last_service_at: None,
            forecast_days: None,
        }
    }

    #[test]
    fn the_tray_counts_parts_with_a_due_rule_on_bikes_still_ridden() {
        let statuses = [
            // Two due rules on one chain: one part.
            rule("chain", State::Due, true),
            rule("chain", State::Due, true),
            rule("tyre", State::DueSoon, true),
            rule("cassette", State::Due, true),
            // On a retired bike.
            rule("old-chain", State::Due, false),
            rule("pads", State::Ok, true),
        ];
        assert_eq!(parts_due(&statuses), 2);
        assert_eq!(parts_due(&[]), 0);
    }

    #[test]
    fn the_label_says_how_many_parts() {
        assert_eq!(label(0), "Nothing due");
        assert_eq!(label(1), "1 part due");
        assert_eq!(label(12), "12 parts due");
    }
}
