//! Devices: sync this garage with the rider's other devices through storage they own.

use serde::Deserialize;
use tauri::AppHandle;

use crate::devices::{self, DevicesStatus, DevicesSynced};
use crate::state::CommandError;

#[tauri::command]
#[specta::specta]
pub async fn devices_status(app: AppHandle) -> Result<DevicesStatus, CommandError> {
    devices::status(&app).await
}

#[derive(Deserialize, specta::Type)]
pub struct SetUp {
    url: String,
    passphrase: String,
}

// No Debug: the URL may carry a password, and the passphrase is the vault's key.
impl std::fmt::Debug for SetUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SetUp { .. }")
    }
}

/// Tries the target and passphrase with a pass at once; keeps them only if it works.
#[tauri::command]
#[specta::specta]
pub async fn devices_set_up(app: AppHandle, input: SetUp) -> Result<DevicesSynced, CommandError> {
    devices::set_up(&app, input.url, input.passphrase).await
}

#[tauri::command]
#[specta::specta]
pub async fn devices_sync_now(app: AppHandle) -> Result<DevicesSynced, CommandError> {
    devices::sync_now(&app).await
}

/// Stops syncing on this device; the garage and the target stay as they are.
#[tauri::command]
#[specta::specta]
pub async fn devices_forget(app: AppHandle) -> Result<DevicesStatus, CommandError> {
    devices::forget(&app).await
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct SetName {
    name: String,
}

#[tauri::command]
#[specta::specta]
pub async fn devices_set_name(
    app: AppHandle,
    input: SetName,
) -> Result<DevicesStatus, CommandError> {
    devices::set_name(&app, input.name).await
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct SetInterval {
    minutes: u32,
}

/// How often this device syncs in the background (1 minute to 24 hours).
#[tauri::command]
#[specta::specta]
pub async fn devices_set_interval(
    app: AppHandle,
    input: SetInterval,
) -> Result<DevicesStatus, CommandError> {
    devices::set_interval(&app, input.minutes).await
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct SetForwarding {
    device_id: String,
}

/// Chooses the one device that sends email and SMS reminders.
#[tauri::command]
#[specta::specta]
pub async fn devices_set_forwarding(
    app: AppHandle,
    input: SetForwarding,
) -> Result<DevicesStatus, CommandError> {
    devices::set_forwarding(&app, input.device_id).await
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct Dismiss {
    id: i64,
}

#[tauri::command]
#[specta::specta]
pub async fn devices_dismiss_notice(
    app: AppHandle,
    input: Dismiss,
) -> Result<DevicesStatus, CommandError> {
    devices::dismiss_notice(&app, input.id).await
}
