//! The background syncs: Strava, and the rider's other devices. One pass at a time, of either
//! kind: an in-process flag here, and (for Strava) the core's lease in SQLite across processes
//! (the CLI, `serve`).
//!
//! A Strava pass runs at start, when the core says the next one is due (the interval after a good
//! pass, a backoff after a failure, the end of a rate-limit pause), when the window comes back
//! after being away longer than the interval, when a connection is made, and on "Sync now". A
//! garage not connected to Strava is skipped (its secret store is not even opened). After every
//! pass the window is told to reload; one that brought rides also syncs the devices.
//!
//! A device pass runs at start, every `devices_sync_minutes`, when the window comes back, on
//! "Sync now", and a few seconds after every local change (a burst of edits is one pass). A
//! garage that never synced with other devices is skipped. After a pass that applied changes the
//! window reloads the garage.
//!
//! Offline is normal: a failed pass is recorded in its status by the core (shown in the header
//! chip and the section), logged here in one line, and retried on its own; nothing else in the
//! app waits for it.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pedalwrencher_core::settings::{self, Settings};
use pedalwrencher_core::store::lease;
use pedalwrencher_core::store::SystemClock;
use pedalwrencher_core::strava::api::Config;
use pedalwrencher_core::strava::state::{self as strava_state, Status};
use pedalwrencher_core::strava::sync::{self, Options, Report, StoreAccess};
use pedalwrencher_core::strava::{tokens, StravaError};
use pedalwrencher_core::sync::config::{self as sync_config, SyncConfig};
use pedalwrencher_core::sync::status as sync_status;
use pedalwrencher_core::sync::Report as DevicesReport;
use pedalwrencher_core::ErrorKind;
use serde::Serialize;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::Notify;

use crate::events::{DevicesChanged, GarageChanged, StravaChanged};
use crate::state::{AppState, CommandError};

/// The longest the loop sleeps before looking again: the wall clock may jump (a laptop that slept
/// does not advance tokio's monotonic timers), and another process may have synced meanwhile.
const NAP: Duration = Duration::from_secs(60);
/// The shortest gap between two passes the timer starts, whatever the state says (a pass that
/// could not record its outcome must not turn the loop into a busy one).
const MIN_GAP_MS: i64 = 30_000;
/// A device pass this long after the last local change, so a burst of edits is one upload.
const DEBOUNCE_MS: i64 = 3_000;
/// A failed device pass is tried again after this long at most (sooner if the interval is).
const DEVICES_RETRY_MS: i64 = 5 * 60_000;
/// How long set-up waits for a pass already running here (a long Strava import) before saying so.
const SET_UP_WAIT_MS: i64 = 60_000;

pub struct Scheduler {
    /// A pass is running in this process.
    running: AtomicBool,
    /// Asks the loop for a pass now (a connection made, the window back after a while).
    wake: Notify,
    /// Stops the pass in flight at its next await (disconnecting). Each page is its own
    /// transaction, so a stopped pass leaves the garage consistent and resumes where it was.
    cancel: Notify,
    /// The interval as last read from the settings, for the focus check.
    interval_minutes: AtomicU32,
    /// When the window lost focus (wall-clock ms), if it has not come back since.
    blurred_at: Mutex<Option<i64>>,
    /// This process's name on the core's lease; one for the app's life, so a pass that was
    /// stopped can be followed by another at once.
    holder: String,
    /// The pass running is a device pass (for the Devices section's "Syncing…").
    devices_running: AtomicBool,
    /// Asks the loop to look again at when the next device pass is due.
    devices_wake: Notify,
    /// A device pass asked for at this time (a local change, debounced; the window back; rides
    /// from Strava), until one starts.
    devices_soon_at: Mutex<Option<i64>>,
    /// Whether this device syncs with others, once known here; `None`: ask the garage.
    devices_on: Mutex<Option<bool>>,
}

/// What "Sync now" did.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SyncNow {
    /// False when a pass was already running here; its end reloads the window anyway.
    pub ran: bool,
    pub report: Option<Report>,
}

enum Outcome {
    Ran(Report),
    Stopped,
    AlreadyRunning,
    NotConnected,
}

/// What a device pass did.
enum DevicesOutcome {
    Ran(DevicesReport),
    Stopped,
    AlreadyRunning,
    NotConfigured,
}

/// A target and passphrase being set up: tried with a pass, saved only if it works.
pub struct Trial {
    pub config: SyncConfig,
    pub url: String,
    pub passphrase: String,
}

/// Which pass the loop runs next, and why.
enum Next {
    Both(&'static str),
    Strava(&'static str),
    Devices(&'static str),
}

/// Clears the in-process flag however the pass ends.
struct Flight<'a>(&'a AtomicBool);

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Scheduler {
    pub fn new() -> Self {
        Scheduler {
            running: AtomicBool::new(false),
            wake: Notify::new(),
            cancel: Notify::new(),
            interval_minutes: AtomicU32::new(Settings::default().sync_interval_minutes),
            blurred_at: Mutex::new(None),
            holder: lease::holder_id(),
            devices_running: AtomicBool::new(false),
            devices_wake: Notify::new(),
            devices_soon_at: Mutex::new(None),
            devices_on: Mutex::new(None),
        }
    }

    /// A device pass is running in this process.
    pub fn devices_syncing(&self) -> bool {
        self.devices_running.load(Ordering::SeqCst)
    }

    /// Something in the garage changed here: sync the devices a few seconds after the last such
    /// change. Cheap when this device does not sync.
    pub fn local_change(&self) {
        self.devices_soon(DEBOUNCE_MS);
    }

    /// Asks for a device pass `after_ms` from now (a later ask moves it: debounce).
    fn devices_soon(&self, after_ms: i64) {
        if *self.devices_on.lock().unwrap_or_else(|p| p.into_inner()) == Some(false) {
            return;
        }
        *self
            .devices_soon_at
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(now_ms() + after_ms);
        self.devices_wake.notify_one();
    }

    /// Device sync was set up (true) or stopped (false) here.
    pub fn devices_configured(&self, on: bool) {
        *self.devices_on.lock().unwrap_or_else(|p| p.into_inner()) = Some(on);
        self.devices_wake.notify_one();
    }

    /// How often devices sync changed: the loop looks again at when the next pass is due.
    pub fn devices_interval_changed(&self) {
        self.devices_wake.notify_one();
    }

    /// The name this app holds the sync lease under (disconnecting holds it too).
    pub fn holder(&self) -> &str {
        &self.holder
    }

    pub fn syncing(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    fn try_begin(&self) -> Option<Flight<'_>> {
        self.running
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .ok()
            .map(|_| Flight(&self.running))
    }

    /// Asks the loop for a pass as soon as it can.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The settings changed: the loop looks again at when the next pass is due.
    pub fn interval_changed(&self, settings: &Settings) {
        self.interval_minutes
            .store(settings.sync_interval_minutes, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// The window lost or regained focus. Back after longer than the interval (a laptop that
    /// slept, a window left behind others), the garage is brought up to date at once.
    pub fn focus_changed(&self, focused: bool) {
        self.focus_changed_at(focused, now_ms());
    }

    fn focus_changed_at(&self, focused: bool, now: i64) {
        let mut blurred = self.blurred_at.lock().unwrap_or_else(|p| p.into_inner());
        if !focused {
            blurred.get_or_insert(now);
            return;
        }
        if let Some(since) = blurred.take() {
            let interval_ms = i64::from(self.interval_minutes.load(Ordering::SeqCst)) * 60_000;
            if now - since > interval_ms {
                tracing::info!(
                    away_min = (now - since) / 60_000,
                    "window back after a while"
                );
                self.wake.notify_one();
            }
            // The other devices may have changed the garage meanwhile: bring it up to date.
            if now - since > MIN_GAP_MS {
                self.devices_soon(0);
            }
        }
    }
}

fn read_settings(state: &AppState) -> Settings {
    settings::load(state.data_dir()).unwrap_or_else(|e| {
        tracing::warn!("using the default settings: {e}");
        Settings::default()
    })
}

fn connected(state: &AppState) -> pedalwrencher_core::Result<bool> {
    let st = StoreAccess::with(state, |s| strava_state::load(s.connection()))?;
    Ok(st.connected() || tokens::configured_by_env())
}

/// Starts the loop: a pass now, then whenever one is due or asked for.
pub fn start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut next = Next::Both("start");
        loop {
            // How it went is logged and shown in the window; the loop carries on regardless.
            match next {
                Next::Both(why) => {
                    let _ = pass(&app, why).await;
                    let _ = devices_pass(&app, why).await;
                }
                Next::Strava(why) => {
                    let _ = pass(&app, why).await;
                }
                Next::Devices(why) => {
                    let _ = devices_pass(&app, why).await;
                }
            }
            next = wait(&app, now_ms() + MIN_GAP_MS).await;
        }
    });
}

/// Waits until a pass is due (a timer not before `not_before`) or one is asked for; says which.
async fn wait(app: &AppHandle, not_before: i64) -> Next {
    let sched = app.state::<Scheduler>();
    loop {
        let now = now_ms();
        let strava = due_at(app).map(|due| due.max(not_before));
        if strava.is_some_and(|due| due <= now) {
            return Next::Strava("timer");
        }
        let devices = devices_due_at(app, not_before);
        if let Some((due, why)) = devices.filter(|(due, _)| *due <= now) {
            let _ = due;
            return Next::Devices(why);
        }
        let soonest = [strava, devices.map(|d| d.0)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now + NAP.as_millis() as i64);
        let nap = Duration::from_millis((soonest - now).max(0) as u64).min(NAP);
        tokio::select! {
            _ = tokio::time::sleep(nap) => {}
            _ = sched.wake.notified() => return Next::Strava("requested"),
            // Look again: a change asked for a pass, or sync was set up or stopped.
            _ = sched.devices_wake.notified() => {}
        }
    }
}

/// Whether this device syncs with others: known here after set-up or stop, else from the
/// garage (it has a vault) or the environment. Reading the secret store is left to the pass.
fn devices_on(app: &AppHandle) -> bool {
    let sched = app.state::<Scheduler>();
    let known = *sched.devices_on.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(on) = known {
        return on;
    }
    if std::env::var(sync_config::URL_ENV).is_ok_and(|v| !v.is_empty()) {
        return true;
    }
    let state = app.state::<AppState>();
    StoreAccess::with(&*state, |s| sync_status::set_up(s)).unwrap_or(false)
}

/// When the next device pass is due (wall-clock ms) and why, or `None` when this device does not
/// sync. A pass asked for (a local change) is not held back by `not_before`; the timer is.
fn devices_due_at(app: &AppHandle, not_before: i64) -> Option<(i64, &'static str)> {
    if !devices_on(app) {
        return None;
    }
    let sched = app.state::<Scheduler>();
    let asked = *sched
        .devices_soon_at
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let state = app.state::<AppState>();
    let interval_ms = i64::from(read_settings(&state).devices_sync_minutes) * 60_000;
    let timer = StoreAccess::with(&*state, |s| sync_status::status(s))
        .ok()
        .map(|st| match st.last_attempt_at {
            None => 0,
            Some(at) if st.last_error.is_some() => at.millis() + interval_ms.min(DEVICES_RETRY_MS),
            Some(at) => at.millis() + interval_ms,
        })
        .map(|due| due.max(not_before));
    match (asked, timer) {
        (Some(a), Some(t)) if t < a => Some((t, "timer")),
        (Some(a), _) => Some((a, "changed")),
        (None, Some(t)) => Some((t, "timer")),
        (None, None) => None,
    }
}

/// When the next pass is due (wall-clock ms), or `None` when there is nothing to sync.
fn due_at(app: &AppHandle) -> Option<i64> {
    let state = app.state::<AppState>();
    let sched = app.state::<Scheduler>();
    let st = match StoreAccess::with(&*state, |s| strava_state::load(s.connection())) {
        Ok(st) => st,
        // The garage cannot be read now (its folder went away…); look again after a nap.
        Err(_) => return None,
    };
    if !st.connected() && !tokens::configured_by_env() {
        return None;
    }
    let interval = read_settings(&state);
    sched
        .interval_minutes
        .store(interval.sync_interval_minutes, Ordering::SeqCst);
    let interval_ms = interval.sync_interval().as_millis() as i64;
    let next = st.next_attempt_at.map(|t| t.millis());
    Some(match st.status {
        // After a good pass the core set the next one an interval later; a shorter interval
        // chosen since brings it forward.
        Status::Ok => [next, st.last_success_at.map(|t| t.millis() + interval_ms)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(0),
        Status::RateLimited => st
            .paused_until
            .or(st.next_attempt_at)
            .map_or(0, |t| t.millis()),
        _ => next.unwrap_or(0),
    })
}

/// One pass unless one is running here already or the garage is not connected; logs how it
/// went and tells the window. Errors are the pass's (offline, refused, busy elsewhere).
async fn pass(app: &AppHandle, why: &'static str) -> Result<Outcome, CommandError> {
    let sched = app.state::<Scheduler>();
    let Some(_flight) = sched.try_begin() else {
        tracing::debug!(why, "a Strava sync is already running");
        return Ok(Outcome::AlreadyRunning);
    };
    let state = app.state::<AppState>();
    match connected(&state) {
        Ok(true) => {}
        Ok(false) => {
            tracing::debug!(why, "not connected to Strava; no sync");
            return Ok(Outcome::NotConnected);
        }
        Err(e) => return Err(e.into()),
    }
    let _ = StravaChanged.emit(app);
    tracing::info!(why, "Strava sync starting");
    let settings = read_settings(&state);
    sched
        .interval_minutes
        .store(settings.sync_interval_minutes, Ordering::SeqCst);
    let options = Options {
        interval: settings.sync_interval(),
        holder: sched.holder.clone(),
        ..Options::default()
    };
    let worker = app.clone();
    // On a blocking thread: the secret store may block on D-Bus.
    let result = tauri::async_runtime::spawn_blocking(move || {
        let state = worker.state::<AppState>();
        let sched = worker.state::<Scheduler>();
        // Registered before anything else, so a stop asked for from here on is not missed.
        let mut stopped = std::pin::pin!(sched.cancel.notified());
        stopped.as_mut().enable();
        let secrets = state.secrets()?;
        let config = Config::from_env();
        tokio::runtime::Handle::current().block_on(async {
            tokio::select! {
                r = sync::sync(&*state, secrets.as_ref(), &config, Arc::new(SystemClock), &options) => r.map(Outcome::Ran),
                _ = &mut stopped => Ok(Outcome::Stopped),
            }
        })
    })
    .await;
    let outcome = match result {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(e)) => Err(e),
        Err(e) => Err(StravaError::Invalid(format!("the sync task failed: {e}")).into()),
    };
    match &outcome {
        Ok(Outcome::Ran(r)) => {
            let c = &r.changes;
            tracing::info!(
                rides_added = c.rides_added,
                rides_updated = c.rides_updated,
                rides_deleted = c.rides_deleted,
                bikes_added = c.bikes_added,
                requests = r.requests,
                history_complete = r.history_complete,
                "Strava sync done"
            );
            // New rides go to the other devices too.
            if c.rides_added > 0 || c.rides_updated > 0 || c.rides_deleted > 0 || c.bikes_added > 0
            {
                sched.devices_soon(0);
            }
        }
        Ok(_) => tracing::info!("Strava sync stopped"),
        // Another process (the CLI, `serve`) is syncing this garage: nothing to do here.
        Err(e) if e.kind() == ErrorKind::Conflict => tracing::info!("{e}"),
        // The core's messages never contain a token.
        Err(e) => tracing::warn!(kind = e.kind().as_str(), "Strava sync failed: {e}"),
    }
    let _ = GarageChanged.emit(app);
    // New rides may have made parts due: evaluate and deliver now, not at the next tick.
    app.state::<crate::cycle::Cycle>().wake();
    outcome.map_err(|e| CommandError {
        kind: e.kind(),
        message: e.to_string(),
    })
}

/// "Sync now": a pass at once, its report or why it failed.
pub async fn sync_now(app: &AppHandle) -> Result<SyncNow, CommandError> {
    match pass(app, "sync now").await? {
        Outcome::Ran(report) => Ok(SyncNow {
            ran: true,
            report: Some(report),
        }),
        Outcome::AlreadyRunning | Outcome::Stopped => Ok(SyncNow {
            ran: false,
            report: None,
        }),
        Outcome::NotConnected => Err(StravaError::NotConnected.into()),
    }
}

/// Clears the "device pass running" flag however the pass ends.
struct DevicesFlight<'a>(&'a AtomicBool);

impl Drop for DevicesFlight<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// One device pass with the saved target, unless a pass is running here already or this device
/// does not sync; logs how it went and tells the window.
async fn devices_pass(app: &AppHandle, why: &'static str) -> Result<DevicesOutcome, CommandError> {
    let sched = app.state::<Scheduler>();
    if !devices_on(app) {
        return Ok(DevicesOutcome::NotConfigured);
    }
    let Some(_flight) = sched.try_begin() else {
        tracing::debug!(why, "a sync is already running");
        return Ok(DevicesOutcome::AlreadyRunning);
    };
    run_devices(app, why, None).await
}

/// The pass itself, the flight held by the caller. `trial`: set-up's target and passphrase,
/// saved only when the pass works; `None`: the saved ones.
async fn run_devices(
    app: &AppHandle,
    why: &'static str,
    trial: Option<Trial>,
) -> Result<DevicesOutcome, CommandError> {
    let sched = app.state::<Scheduler>();
    sched.devices_running.store(true, Ordering::SeqCst);
    let _running = DevicesFlight(&sched.devices_running);
    // Changes made from here on ask for the next pass.
    sched
        .devices_soon_at
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    let _ = DevicesChanged.emit(app);
    tracing::info!(why, "device sync starting");
    let worker = app.clone();
    // On a blocking thread: the secret store may block on D-Bus.
    let result = tauri::async_runtime::spawn_blocking(move || {
        let state = worker.state::<AppState>();
        let sched = worker.state::<Scheduler>();
        let mut stopped = std::pin::pin!(sched.cancel.notified());
        stopped.as_mut().enable();
        let secrets = state.secrets()?;
        let (config, save) = match trial {
            Some(Trial {
                config,
                url,
                passphrase,
            }) => (config, Some((url, passphrase))),
            None => match sync_config::load(secrets.as_ref())? {
                Some(config) => (config, None),
                None => return Ok(DevicesOutcome::NotConfigured),
            },
        };
        let outcome = tokio::runtime::Handle::current().block_on(async {
            tokio::select! {
                r = crate::devices::run_pass(&state, &config) => r.map(DevicesOutcome::Ran),
                _ = &mut stopped => Ok(DevicesOutcome::Stopped),
            }
        })?;
        if let (DevicesOutcome::Ran(_), Some((url, passphrase))) = (&outcome, save) {
            // Only now that the target and passphrase are known to work.
            sync_config::save(secrets.as_ref(), &url, &passphrase)?;
        }
        Ok(outcome)
    })
    .await;
    let outcome = match result {
        Ok(r) => r,
        Err(e) => Err(pedalwrencher_core::Error::Remote {
            kind: ErrorKind::Storage,
            message: format!("the device sync task failed: {e}"),
        }),
    };
    match &outcome {
        Ok(DevicesOutcome::Ran(r)) => {
            let a = &r.applied;
            tracing::info!(
                pushed_files = r.pushed_files,
                pulled_files = r.pulled_files,
                fields = a.fields,
                rows_created = a.rows_created,
                devices = r.devices,
                "device sync done"
            );
            *sched.devices_on.lock().unwrap_or_else(|p| p.into_inner()) = Some(true);
            if a.fields > 0 || a.rows_created > 0 || !a.repairs.is_empty() {
                let _ = GarageChanged.emit(app);
                // Changes from another device may have made parts due.
                app.state::<crate::cycle::Cycle>().wake();
            }
        }
        Ok(DevicesOutcome::NotConfigured) => {
            tracing::debug!(why, "this device does not sync with others");
            *sched.devices_on.lock().unwrap_or_else(|p| p.into_inner()) = Some(false);
        }
        Ok(_) => tracing::info!("device sync stopped"),
        // The core's messages never contain a password or the passphrase.
        Err(e) => tracing::warn!(kind = e.kind().as_str(), "device sync failed: {e}"),
    }
    let _ = DevicesChanged.emit(app);
    outcome.map_err(CommandError::from)
}

/// The Devices section's "Sync now": a pass at once; `None` when one was running here already
/// (a device pass follows it).
pub async fn devices_sync_now(app: &AppHandle) -> Result<Option<DevicesReport>, CommandError> {
    let sched = app.state::<Scheduler>();
    let Some(_flight) = sched.try_begin() else {
        sched.devices_soon(0);
        return Ok(None);
    };
    match run_devices(app, "sync now", None).await? {
        DevicesOutcome::Ran(report) => Ok(Some(report)),
        DevicesOutcome::Stopped | DevicesOutcome::AlreadyRunning => Ok(None),
        DevicesOutcome::NotConfigured => Err(pedalwrencher_core::Error::Invalid(
            "this device does not sync yet: set it up in the Devices section first".into(),
        )
        .into()),
    }
}

/// Set-up's first pass, after any pass running here ends; saves the target and passphrase only
/// if it works.
pub async fn devices_set_up(app: &AppHandle, trial: Trial) -> Result<DevicesReport, CommandError> {
    let sched = app.state::<Scheduler>();
    let deadline = now_ms() + SET_UP_WAIT_MS;
    let _flight = loop {
        if let Some(flight) = sched.try_begin() {
            break flight;
        }
        if now_ms() > deadline {
            return Err(CommandError {
                kind: ErrorKind::Conflict,
                message: "a sync is still running; try again in a moment".into(),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    match run_devices(app, "set up", Some(trial)).await? {
        DevicesOutcome::Ran(report) => Ok(report),
        _ => Err(CommandError {
            kind: ErrorKind::Conflict,
            message: "setting up was interrupted; try again".into(),
        }),
    }
}

/// Runs `f` with no pass running here and none starting meanwhile: a pass in flight is stopped
/// first (disconnecting must not race a page being written).
pub async fn exclusive<T>(
    app: &AppHandle,
    f: impl std::future::Future<Output = Result<T, CommandError>>,
) -> Result<T, CommandError> {
    let sched = app.state::<Scheduler>();
    let deadline = now_ms() + 15_000;
    let _flight = loop {
        if let Some(flight) = sched.try_begin() {
            break flight;
        }
        sched.cancel.notify_waiters();
        if now_ms() > deadline {
            return Err(CommandError {
                kind: ErrorKind::Conflict,
                message: "a Strava sync is still running; try again in a moment".into(),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    f.await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn woken(s: &Scheduler) -> bool {
        tokio::time::timeout(Duration::from_millis(10), s.wake.notified())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn the_window_back_after_longer_than_the_interval_asks_for_a_pass() {
        let s = Scheduler::new();
        s.interval_minutes.store(15, Ordering::SeqCst);
        let t0 = 1_000_000_000;
        // Away ten minutes: nothing.
        s.focus_changed_at(false, t0);
        s.focus_changed_at(true, t0 + 10 * 60_000);
        assert!(!woken(&s).await);
        // Away twenty minutes (blur counted from the first one): a pass.
        s.focus_changed_at(false, t0);
        s.focus_changed_at(false, t0 + 60_000);
        s.focus_changed_at(true, t0 + 20 * 60_000);
        assert!(woken(&s).await);
        // Focus without an earlier blur (the window's first focus): nothing.
        s.focus_changed_at(true, t0 + 60 * 60_000);
        assert!(!woken(&s).await);
    }

    #[tokio::test]
    async fn a_local_change_asks_for_a_device_pass_a_few_seconds_later_unless_sync_is_off() {
        let s = Scheduler::new();
        let before = now_ms();
        s.local_change();
        let asked = s.devices_soon_at.lock().unwrap().expect("a pass asked for");
        assert!(asked >= before + DEBOUNCE_MS && asked <= now_ms() + DEBOUNCE_MS);
        assert!(
            tokio::time::timeout(Duration::from_millis(10), s.devices_wake.notified())
                .await
                .is_ok(),
            "the loop looks again"
        );
        // Stopped here: edits ask for nothing.
        s.devices_configured(false);
        *s.devices_soon_at.lock().unwrap() = None;
        s.local_change();
        assert!(s.devices_soon_at.lock().unwrap().is_none());
    }

    #[test]
    fn one_pass_at_a_time_in_this_process() {
        let s = Scheduler::new();
        let first = s.try_begin();
        assert!(first.is_some() && s.syncing());
        assert!(s.try_begin().is_none());
        drop(first);
        assert!(!s.syncing() && s.try_begin().is_some());
    }
}
