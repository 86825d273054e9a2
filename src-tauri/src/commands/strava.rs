//! Strava: connect, status, sync, disconnect; rides without a bike.

use pedalwrencher_core::garage::rides::{self, Ride, RideQuery};
use pedalwrencher_core::strava::api::Config;
use pedalwrencher_core::strava::disconnect::{self, Disconnected};
use pedalwrencher_core::{BikeId, RideId};
use serde::Deserialize;
use tauri::{AppHandle, Manager, State};

use crate::background::{self, SyncNow};
use crate::state::{with_secrets, AppState, CommandError};
use crate::strava::{self, Connector, Started, StravaStatus};

#[tauri::command(async)]
#[specta::specta]
pub fn strava_status(app: AppHandle) -> Result<StravaStatus, CommandError> {
    strava::status(&app)
}

#[derive(Deserialize, specta::Type)]
pub struct Connect {
    client_id: String,
    client_secret: String,
}

// No Debug: the client secret must never reach a log.
impl std::fmt::Debug for Connect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Connect {{ client_id: {:?}, .. }}", self.client_id)
    }
}

/// Opens Strava's page in the browser and waits for the rider in the background (see
/// `strava.rs`); returns at once with the page's address, for the rider to copy.
#[tauri::command]
#[specta::specta]
pub async fn strava_connect(app: AppHandle, input: Connect) -> Result<Started, CommandError> {
    strava::connect(&app, &input.client_id, &input.client_secret).await
}

#[tauri::command]
#[specta::specta]
pub fn strava_cancel_connect(app: AppHandle) -> bool {
    app.state::<Connector>().cancel()
}

#[tauri::command]
#[specta::specta]
pub async fn strava_sync_now(app: AppHandle) -> Result<SyncNow, CommandError> {
    background::strava_sync_now(&app).await
}

/// Revokes at Strava, forgets the tokens and deletes Strava's rides, keeping their wear. A pass
/// in flight is stopped first.
#[tauri::command]
#[specta::specta]
pub async fn strava_disconnect(app: AppHandle) -> Result<Disconnected, CommandError> {
    app.state::<Connector>().cancel();
    let runner = background::runner(&app);
    let holder = runner.holder().to_owned();
    runner
        .exclusive(with_secrets(&app, move |state, secrets| {
            let config = Config::from_env();
            tokio::runtime::Handle::current()
                .block_on(disconnect::disconnect(state, secrets, &config, &holder))
        }))
        .await?
}

/// Rides no bike counts them (gear-less Strava rides, rides logged as unassigned), newest first.
#[tauri::command(async)]
#[specta::specta]
pub fn unassigned_rides(state: State<'_, AppState>) -> Result<Vec<Ride>, CommandError> {
    let query = RideQuery {
        unassigned_only: true,
        ..RideQuery::default()
    };
    state.with(|s| rides::list(s, &query))
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct AssignRide {
    ride_id: RideId,
    bike_id: BikeId,
}

#[tauri::command(async)]
#[specta::specta]
pub fn assign_ride(state: State<'_, AppState>, input: AssignRide) -> Result<Ride, CommandError> {
    state.with(|s| rides::assign(s, &input.ride_id, Some(input.bike_id)))
}
