//! The Tauri shell: window, app state and thin commands over `pedalwrencher-core`.

mod commands;
mod state;

use tauri::Manager;

use crate::state::AppState;

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn mobile_main() {
    if let Err(e) = run() {
        tracing::error!("Pedalwrencher could not start: {e}");
    }
}

pub fn run() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PEDALWRENCHER_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .try_init()
        .ok();

    tauri::Builder::default()
        .setup(|app| {
            let dir = match pedalwrencher_core::paths::data_dir_override() {
                Some(dir) => dir,
                None => app.path().app_data_dir()?,
            };
            tracing::info!(data_dir = %dir.display(), "opening garage");
            app.manage(AppState::open(&dir));
            // Tauri opens windows from the config before this hook runs, so a page could call a
            // command before the state above exists. The window is declared with
            // `"create": false` and opened only now.
            for window in &app.config().app.windows {
                tauri::WebviewWindowBuilder::from_config(app.handle(), window)?.build()?;
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
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
        ])
        .run(tauri::generate_context!())?;
    Ok(())
}
