//! This device's settings: read them, change a section (the Strava interval, the units, the
//! reminder channels, …), or save the Notifications panel.

use pedalwrencher_core::settings::{self, Settings, SettingsPatch};
use tauri::{AppHandle, State};

use crate::state::{AppState, CommandError};

#[tauri::command(async)]
#[specta::specta]
pub fn settings_get(state: State<'_, AppState>) -> Result<Settings, CommandError> {
    Ok(settings::load(state.data_dir())?)
}

/// Changes the fields the patch names, section by section (`{"strava": {"sync_interval_minutes":
/// 30}}`); every other field keeps the value in the file.
#[tauri::command(async)]
#[specta::specta]
pub fn settings_set(app: AppHandle, input: SettingsPatch) -> Result<Settings, CommandError> {
    crate::settings::apply(&app, input)
}

/// The Notifications panel's save: its sections (reminder channels, email, SMS) from the form;
/// the units and the default warning point (Settings' own controls), the Strava interval, the
/// watchdog's and the devices' settings are not this panel's, and a stale copy of them is never
/// written back (stale units would undo Strava's and count as the rider's choice).
#[tauri::command(async)]
#[specta::specta]
pub fn save_notification_settings(
    app: AppHandle,
    input: Settings,
) -> Result<Settings, CommandError> {
    let all = SettingsPatch::all(&input);
    crate::settings::apply(
        &app,
        SettingsPatch {
            reminders: all.reminders,
            email: all.email,
            sms: all.sms,
            ..SettingsPatch::default()
        },
    )
}
