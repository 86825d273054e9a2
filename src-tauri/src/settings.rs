//! This device's settings from the window: every change goes through the core's one writer
//! (`pedalwrencher_core::settings::update`: under the file's lock, re-read, only the patch's
//! fields changed, validated, renamed into place, keys it does not know kept), so the app, the CLI
//! and `serve` writing at once all land. Then what depends on the settings hears of it, the
//! window included: it hears `SettingsChanged` after its own saves and when a background job
//! changed the settings (a Strava pass setting the units from the athlete's preference).

use pedalwrencher_core::delivery::{channels, outbox, Channel};
use pedalwrencher_core::runner::Wake;
use pedalwrencher_core::settings::{self, Settings, SettingsPatch};
use tauri::{AppHandle, Manager};
use tauri_specta::Event as _;

use crate::background;
use crate::events::SettingsChanged;
use crate::state::{AppState, CommandError};

/// Changes the fields `patch` names and returns the settings written.
pub fn apply(app: &AppHandle, patch: impl Into<SettingsPatch>) -> Result<Settings, CommandError> {
    let state = app.state::<AppState>();
    let old = settings::load(state.data_dir()).ok();
    let new = settings::update(state.data_dir(), patch)?;
    tracing::info!("settings saved");
    #[cfg(desktop)]
    start_at_login(app, old.as_ref(), &new)?;
    // A channel switched off drops its pending deliveries, so switching it on later does not
    // flood the rider with old reminders.
    // The rider's switches only: a channel the environment turns on is not the panel's to drop.
    let no_env = pedalwrencher_core::env::Env::default();
    for channel in Channel::ALL {
        let was = old
            .as_ref()
            .is_some_and(|s| channels::is_on(channel, s, &no_env));
        if was && !channels::is_on(channel, &new, &no_env) {
            state.with(|s| outbox::cancel_pending(s, channel))?;
        }
    }
    // Intervals and channels: the runner looks again and evaluates the reminders.
    background::wake(app, Wake::SettingsChanged);
    if old.is_some_and(|o| o.device_name != new.device_name) {
        // The other devices learn this device's new name at the next pass.
        background::wake(app, Wake::LocalChange);
    }
    let _ = SettingsChanged.emit(app);
    Ok(new)
}

/// The login entry follows `start_at_login`. When the system refuses, the setting goes back to
/// what it was, so the panel never shows a switch that is not true.
#[cfg(desktop)]
fn start_at_login(
    app: &AppHandle,
    old: Option<&Settings>,
    new: &Settings,
) -> Result<(), CommandError> {
    let was = old.is_some_and(|o| o.start_at_login);
    if was == new.start_at_login {
        return Ok(());
    }
    if let Err(e) = crate::autostart::apply(app, new.start_at_login) {
        let back = settings::DesktopPatch {
            start_at_login: Some(was),
            ..settings::DesktopPatch::default()
        };
        if let Err(undo) = settings::update(app.state::<AppState>().data_dir(), back) {
            tracing::warn!("could not set start at login back: {undo}");
        }
        return Err(e);
    }
    tracing::info!(on = new.start_at_login, "start at login changed");
    Ok(())
}
