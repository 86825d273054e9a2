//! The Tauri shell: window, app state and thin commands over `pedalwrencher-core`.

mod advice;
#[cfg(desktop)]
mod autostart;
mod background;
pub mod bindings;
mod commands;
mod devices;
mod events;
mod health;
#[cfg(desktop)]
mod instance;
mod memory;
mod mobile;
mod native;
mod settings;
mod startup;
mod state;
mod strava;
#[cfg(desktop)]
mod tray;
#[cfg(desktop)]
mod tray_badge;
mod webview;
mod window;

use pedalwrencher_core::runner::Wake;
use tauri::Manager;

use crate::state::AppState;
use crate::strava::Connector;

/// Every command the window may invoke and every event it may hear: the app's invoke handler
/// comes from it, and so do the window's TypeScript bindings (see `bindings`).
pub fn bridge() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        // Generic commands name their runtime here (`generate_handler!` inferred it).
        .commands(tauri_specta::collect_commands![
            commands::garage::garage,
            commands::garage::due_list,
            commands::garage::presets,
            commands::garage::load_demo,
            commands::garage::add_bike,
            commands::garage::add_component,
            commands::garage::add_ride,
            commands::garage::mark_done,
            commands::garage::delete_service,
            commands::garage::mount_component,
            commands::garage::move_component,
            commands::strava::strava_status,
            commands::strava::strava_connect,
            commands::strava::strava_cancel_connect,
            commands::strava::strava_sync_now,
            commands::strava::strava_disconnect,
            commands::strava::unassigned_rides,
            commands::strava::assign_ride,
            commands::settings::settings_get,
            commands::settings::settings_set,
            commands::settings::save_notification_settings,
            commands::notifications::notification_settings,
            commands::notifications::set_secret,
            commands::notifications::send_test,
            commands::notifications::delivery_health,
            commands::notifications::retry_failed,
            commands::notifications::check_now,
            commands::devices::devices_status,
            commands::devices::devices_set_up,
            commands::devices::devices_sync_now,
            commands::devices::devices_forget,
            commands::devices::devices_set_name,
            commands::devices::devices_set_interval,
            commands::devices::devices_set_forwarding,
            commands::devices::devices_dismiss_notice,
            commands::bikes::bikes_list,
            commands::bikes::edit_bike,
            commands::bikes::retire_bike,
            commands::bikes::restore_bike,
            commands::bikes::bike_distance_by_month,
            commands::components::components_list,
            commands::components::component_get,
            commands::components::edit_component,
            commands::components::remove_component,
            commands::components::replace_component,
            commands::components::retire_component,
            commands::components::component_installations,
            commands::components::component_services,
            commands::components::component_cost,
            commands::rules::component_rules,
            commands::rules::add_rule,
            commands::rules::edit_rule,
            commands::rules::delete_rule,
            commands::rules::snooze_rule,
            commands::rules::snooze_rule_for_use,
            commands::rules::rule_services,
            commands::rules::restore_service,
            commands::rides::rides_page,
            commands::rides::check_ride,
            commands::rides::log_ride,
            commands::rides::edit_ride,
            commands::rides::delete_ride,
            commands::rides::undelete_ride,
            commands::rides::assign_rides,
            commands::rides::review_ride,
            commands::backup::backup_export,
            commands::backup::backup_restore,
            commands::ride_files::import_ride_files,
            commands::startup::first_render,
        ])
        .events(tauri_specta::collect_events![
            events::GarageChanged,
            events::StravaChanged,
            events::StravaProgress,
            events::DevicesChanged,
            events::DeliveryHealth,
            events::OpenComponent,
            events::SettingsChanged,
            commands::backup::BackupProgress,
            commands::ride_files::RideImportProgress,
        ])
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn mobile_main() {
    if let Err(e) = run() {
        tracing::error!("Pedalwrencher could not start: {e}");
    }
}

pub fn run() -> Result<(), Box<dyn std::error::Error>> {
    startup::begin();
    memory::tune();
    tracing_subscriber::fmt()
        .with_env_filter(
            pedalwrencher_core::env::env()
                .get(pedalwrencher_core::env::LOG)
                .and_then(|filter| tracing_subscriber::EnvFilter::try_new(filter).ok())
                .unwrap_or_else(|| "info".into()),
        )
        .with_writer(std::io::stderr)
        .try_init()
        .ok();

    let builder = tauri::Builder::default();
    // Desktop: first of all, a second launch on the same garage hands over and exits.
    #[cfg(desktop)]
    let builder = builder
        .plugin(instance::plugin())
        .plugin(autostart::plugin());
    let builder = builder
        // The authorize page opens from Rust; links in the page open nothing (no JS hook).
        .plugin(
            tauri_plugin_opener::Builder::new()
                .open_js_links_on_click(false)
                .build(),
        )
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init());
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_deep_link::init());
    let bridge = bridge();
    let invoke = bridge.invoke_handler();
    builder
        .setup(move |app| {
            startup::mark("setup begins");
            // First: the background work below emits the typed events, which must be mounted.
            bridge.mount_events(app);
            let dir = match pedalwrencher_core::paths::data_dir_override() {
                Some(dir) => dir,
                None => app.path().app_data_dir()?,
            };
            tracing::info!(data_dir = %dir.display(), "opening garage");
            app.manage(AppState::open(&dir));
            startup::mark("garage open");
            app.manage(Connector::default());
            // Every write from the window asks for a device sync a few seconds later.
            // The tray's count of parts due follows the window's writes too.
            let handle = app.handle().clone();
            app.state::<AppState>().on_write(move || {
                background::wake(&handle, Wake::LocalChange);
                #[cfg(desktop)]
                tray::refresh(&handle);
            });
            // Before anything is shown: notifications shown earlier report no clicks.
            native::listen_for_clicks(app.handle());
            // Tauri opens windows from the config before this hook runs, so a page could call a
            // command before the state above exists. The window is declared with
            // `"create": false` and opened only now: as early as that allows, because WebKit
            // starts its web process and loads the page while the rest of start-up runs. (The
            // page's commands are answered on this thread once this hook returns, so everything
            // they reach — the runner too — is managed before then.)
            // Started at login, the app waits in the tray until the rider opens it.
            #[cfg(desktop)]
            let visible = !autostart::started_at_login();
            #[cfg(mobile)]
            let visible = true;
            background::prepare(app.handle());
            startup::mark("building the window");
            for window in &app.config().app.windows {
                let shown = visible && window.visible;
                let mut builder = tauri::WebviewWindowBuilder::from_config(app.handle(), window)?
                    .visible(shown)
                    .initialization_script(startup::SCRIPT);
                if shown {
                    builder = builder.initialization_script(startup::EARLY_READS);
                }
                let window = builder.build()?;
                startup::mark("window built");
                webview::tune(&window);
            }
            // Shown now if a second launch asked for it while the window was being made.
            window::made(app.handle());
            if !visible {
                tracing::info!("started at login: waiting in the tray until opened");
            }
            #[cfg(desktop)]
            desktop_setup(app.handle());
            startup::mark("tray and autostart");
            #[cfg(mobile)]
            strava::listen_for_deep_links(app.handle());
            // Syncs, reminders and the watchdog, in the background once the window has drawn
            // its dashboard (at once when it is not shown).
            background::start(app.handle(), visible);
            // Asks for the notification permission where the OS wants the rider asked (mobile).
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                native::ensure_permission(&handle);
            });
            startup::mark("setup ends");
            Ok(())
        })
        .on_window_event(|window, event| match event {
            tauri::WindowEvent::Focused(focused) => {
                background::wake(window.app_handle(), Wake::Focus(*focused));
            }
            #[cfg(desktop)]
            tauri::WindowEvent::CloseRequested { api, .. } => {
                tray::close_requested(window, api);
            }
            _ => {}
        })
        .invoke_handler(invoke)
        .build(tauri::generate_context!())?
        .run(|app, event| {
            if let tauri::RunEvent::Ready = event {
                startup::mark("event loop ready");
            }
            if let tauri::RunEvent::Exit = event {
                background::quitting(app);
            }
        });
    Ok(())
}

/// The tray, and the login entry made to match the setting.
#[cfg(desktop)]
fn desktop_setup(app: &tauri::AppHandle) {
    if let Err(e) = tray::build(app) {
        // Without a tray, closing the window ends the app as before.
        tracing::warn!("no tray icon: {e}");
    }
    startup::mark("tray built");
    let on = pedalwrencher_core::settings::load(app.state::<AppState>().data_dir())
        .map(|s| s.start_at_login)
        .unwrap_or(false);
    autostart::refresh(app, on);
}
