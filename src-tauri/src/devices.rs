//! Syncing with the rider's other devices, from the window: set up (a first pass with the given
//! target and passphrase, kept only when it works), status, stop, this device's name, which device
//! forwards email and SMS, and the notices. The passes themselves run in the core's runner, one at
//! a time with every other background job (see `background.rs`).

use pedalwrencher_core::env;
use pedalwrencher_core::runner::{DevicesOutcome, Job, JobReport, Trial, Wake};
use pedalwrencher_core::secrets::Secret;
use pedalwrencher_core::secrets::SecretStore;
use pedalwrencher_core::settings::{DevicesPatch, Settings};
use pedalwrencher_core::sync::config::{self, SyncConfig};
use pedalwrencher_core::sync::status::{self, Status};
use pedalwrencher_core::sync::transport::SyncTarget;
use pedalwrencher_core::sync::{notices, settings as synced, Report};
use pedalwrencher_core::{Error, ErrorKind, Result};
use serde::Serialize;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::background;
use crate::events::DevicesChanged;
use crate::state::{with_secrets, AppState, CommandError};

/// The Devices section's view: the core's status and what is set up here.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DevicesStatus {
    #[serde(flatten)]
    pub status: Status,
    /// This device syncs (a target and passphrase are kept, or come from the environment).
    pub set_up: bool,
    /// Where to, without any password or secret key.
    pub target: Option<String>,
    /// What the rider should know about that target: a WebDAV login sent over plain http to a
    /// server off their own network.
    pub target_warning: Option<String>,
    /// Set up through PEDALWRENCHER_SYNC_URL: the window cannot change or stop it.
    pub from_environment: bool,
    /// A device pass is running in this process.
    pub syncing: bool,
    /// The name the rider chose ("" = the host name, shown as `device_name`).
    pub chosen_name: String,
    /// The name the other devices see.
    pub device_name: String,
    pub devices_sync_minutes: u32,
}

/// What "Sync now" (or set-up) did.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DevicesSynced {
    /// False when a pass was already running here; its end updates the window anyway.
    pub ran: bool,
    pub report: Option<Report>,
    pub status: DevicesStatus,
}

fn read_settings(state: &AppState) -> Settings {
    pedalwrencher_core::settings::load(state.data_dir()).unwrap_or_else(|e| {
        tracing::warn!("using the default settings: {e}");
        Settings::default()
    })
}

/// A pass that did not run through, as the window's error.
fn failed(outcome: DevicesOutcome) -> CommandError {
    match outcome {
        DevicesOutcome::Failed { failure } | DevicesOutcome::NoSecrets { failure } => {
            CommandError {
                kind: failure.kind,
                message: failure.message,
            }
        }
        DevicesOutcome::NotSetUp => Error::Invalid(
            "this device does not sync yet: set it up in the Devices section first".into(),
        )
        .into(),
        DevicesOutcome::Ran { .. } | DevicesOutcome::Stopped => CommandError {
            kind: ErrorKind::Conflict,
            message: "setting up was interrupted; try again".into(),
        },
    }
}

fn build_status(
    state: &AppState,
    secrets: &dyn SecretStore,
    syncing: bool,
) -> Result<DevicesStatus> {
    let status = state.with_core(|s| status::status(s))?;
    // A malformed URL from the environment reads as "not set up", with the reason as the error.
    let (target, target_warning, load_error) = match config::load(secrets) {
        Ok(Some(c)) => (
            Some(c.target.redacted()),
            c.target.plain_http_warning(),
            None,
        ),
        Ok(None) => (None, None, None),
        Err(e) => (None, None, Some(e.to_string())),
    };
    let settings = read_settings(state);
    let mut status = DevicesStatus {
        set_up: target.is_some(),
        target,
        target_warning,
        from_environment: env::env().is_set(env::SYNC_URL),
        syncing,
        device_name: config::device_name(&settings.device_name),
        chosen_name: settings.device_name,
        devices_sync_minutes: settings.devices_sync_minutes,
        status,
    };
    if let Some(e) = load_error {
        status.status.last_error = Some(e);
    }
    Ok(status)
}

/// The status the Devices section shows.
pub async fn status(app: &AppHandle) -> Result<DevicesStatus, CommandError> {
    let syncing = background::runner(app).running(Job::Devices);
    with_secrets(app, move |state, secrets| {
        build_status(state, secrets, syncing)
    })
    .await
}

/// Tries `url` and `passphrase` with a pass right away and keeps them only if it works: a wrong
/// passphrase or a target out of reach comes back as the error, and nothing is saved.
pub async fn set_up(
    app: &AppHandle,
    url: String,
    passphrase: String,
) -> Result<DevicesSynced, CommandError> {
    let target = SyncTarget::parse(url.trim())?;
    if passphrase.is_empty() {
        return Err(Error::Invalid("choose a passphrase".into()).into());
    }
    tracing::info!(target = %target, "setting up device sync");
    let trial = Trial {
        config: SyncConfig {
            target,
            passphrase: Secret::new(passphrase.clone()),
        },
        url: url.trim().to_owned(),
        passphrase: Secret::new(passphrase),
    };
    let report = match background::runner(app).devices_trial(trial).await? {
        DevicesOutcome::Ran { report } => report,
        other => return Err(failed(other)),
    };
    let status = status(app).await?;
    Ok(DevicesSynced {
        ran: true,
        report: Some(report),
        status,
    })
}

/// "Sync now": a pass at once (after the one running, if any), its report or why it failed.
pub async fn sync_now(app: &AppHandle) -> Result<DevicesSynced, CommandError> {
    let report = match background::runner(app).run_now(Job::Devices).await {
        // One was running here already: a device pass follows it.
        None | Some(JobReport::Devices(DevicesOutcome::Stopped)) => None,
        Some(JobReport::Devices(DevicesOutcome::Ran { report })) => Some(report),
        Some(JobReport::Devices(other)) => return Err(failed(other)),
        Some(_) => None,
    };
    let status = status(app).await?;
    Ok(DevicesSynced {
        ran: report.is_some(),
        report,
        status,
    })
}

/// This device stops syncing: the target and passphrase are forgotten here; the garage, and
/// what is on the target, stay as they are.
pub async fn forget(app: &AppHandle) -> Result<DevicesStatus, CommandError> {
    if env::env().is_set(env::SYNC_URL) {
        return Err(Error::Invalid(format!(
            "sync is set up through {}; unset it to stop syncing",
            env::SYNC_URL
        ))
        .into());
    }
    let runner = background::runner(app);
    runner
        .exclusive(with_secrets(app, |state, secrets| {
            config::forget(secrets)?;
            // Released from its vault: the rider may set up the same target or move to another.
            state.with_core(|s| status::forget(s))
        }))
        .await??;
    runner.wake(Wake::DevicesConfigured(false));
    tracing::info!("device sync stopped on this device");
    let _ = DevicesChanged.emit(app);
    status(app).await
}

/// Renames this device (blank = the host name); the others see it after the next pass.
pub async fn set_name(app: &AppHandle, name: String) -> Result<DevicesStatus, CommandError> {
    crate::settings::apply(
        app,
        DevicesPatch {
            device_name: Some(name.trim().to_owned()),
            ..DevicesPatch::default()
        },
    )?;
    status(app).await
}

/// How often this device syncs in the background (besides soon after every change).
pub async fn set_interval(app: &AppHandle, minutes: u32) -> Result<DevicesStatus, CommandError> {
    crate::settings::apply(
        app,
        DevicesPatch {
            devices_sync_minutes: Some(minutes),
            ..DevicesPatch::default()
        },
    )?;
    status(app).await
}

/// Chooses the one device that sends email and SMS reminders (a setting every device shares).
pub async fn set_forwarding(
    app: &AppHandle,
    device_id: String,
) -> Result<DevicesStatus, CommandError> {
    app.state::<AppState>()
        .with(|s| synced::set_forwarding_device(s, &device_id))?;
    status(app).await
}

pub async fn dismiss_notice(app: &AppHandle, id: i64) -> Result<DevicesStatus, CommandError> {
    app.state::<AppState>()
        .with(|s| notices::dismiss(s.connection(), id, s.now().millis()))?;
    status(app).await
}
