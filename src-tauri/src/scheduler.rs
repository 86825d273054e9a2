//! The background Strava sync. One pass at a time: an in-process flag here, and the core's lease
//! in SQLite across processes (the CLI, `serve`). A pass runs at start, when the core says the
//! next one is due (the interval after a good pass, a backoff after a failure, the end of a
//! rate-limit pause), when the window comes back after being away longer than the interval,
//! when a connection is made, and on "Sync now". A garage not connected to Strava is skipped
//! (its secret store is not even opened). After every pass the window is told to reload.
//!
//! Offline is normal: a failed pass is recorded in the connection's status by the core, logged
//! here in one line, and retried on its own; nothing else in the app waits for it.

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
use pedalwrencher_core::ErrorKind;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::Notify;

use crate::state::{AppState, CommandError};

/// The garage may have changed (a sync pass ended): reload it and the Strava status.
pub const GARAGE_CHANGED: &str = "garage-changed";
/// Only the Strava status changed (a pass started, a connection attempt moved on).
pub const STRAVA_CHANGED: &str = "strava-changed";

/// The longest the loop sleeps before looking again: the wall clock may jump (a laptop that slept
/// does not advance tokio's monotonic timers), and another process may have synced meanwhile.
const NAP: Duration = Duration::from_secs(60);
/// The shortest gap between two passes the timer starts, whatever the state says (a pass that
/// could not record its outcome must not turn the loop into a busy one).
const MIN_GAP_MS: i64 = 30_000;

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
}

/// What "Sync now" did.
#[derive(Debug, Clone, Serialize)]
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
        }
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
        let mut why = "start";
        loop {
            // How it went is logged and shown in the window; the loop carries on regardless.
            let _ = pass(&app, why).await;
            why = wait(&app, now_ms() + MIN_GAP_MS).await;
        }
    });
}

/// Waits until a pass is due (and not before `not_before`) or one is asked for; says which.
async fn wait(app: &AppHandle, not_before: i64) -> &'static str {
    let sched = app.state::<Scheduler>();
    loop {
        let now = now_ms();
        let nap = match due_at(app) {
            Some(due) if due.max(not_before) <= now => return "timer",
            Some(due) => Duration::from_millis((due.max(not_before) - now) as u64).min(NAP),
            None => NAP,
        };
        tokio::select! {
            _ = tokio::time::sleep(nap) => {}
            _ = sched.wake.notified() => return "requested",
        }
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
    let _ = app.emit(STRAVA_CHANGED, ());
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
        }
        Ok(_) => tracing::info!("Strava sync stopped"),
        // Another process (the CLI, `serve`) is syncing this garage: nothing to do here.
        Err(e) if e.kind() == ErrorKind::Conflict => tracing::info!("{e}"),
        // The core's messages never contain a token.
        Err(e) => tracing::warn!(kind = e.kind().as_str(), "Strava sync failed: {e}"),
    }
    let _ = app.emit(GARAGE_CHANGED, ());
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
