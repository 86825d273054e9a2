//! The app as a host of the core's background runner: the garage and secrets from [`AppState`],
//! native notifications, events for the window, and a native warning for each new problem. When
//! each job runs is the runner's business (`pedalwrencher_core::runner`), not this file's.

use std::sync::Arc;
use std::time::Duration;

use pedalwrencher_core::delivery::Sender;
use pedalwrencher_core::env;
use pedalwrencher_core::runner::{
    DevicesOutcome, Event, Host, Identity, Job, JobReport, Policy, Runner, StravaOutcome, Wake, Why,
};
use pedalwrencher_core::secrets::SecretStore;
use pedalwrencher_core::settings::{self, Settings};
use pedalwrencher_core::store::{Clock, SystemClock};
use pedalwrencher_core::strava::progress::ProgressSink;
use pedalwrencher_core::units::Units;
use pedalwrencher_core::watchdog::{self, heartbeat, Episode, Kind};
use pedalwrencher_core::{ErrorKind, Result};
use tauri::{AppHandle, Manager};
use tauri_specta::Event as _;

use crate::advice;
use crate::events::{
    DeliveryHealth, DevicesChanged, GarageChanged, SettingsChanged, StravaChanged, StravaProgress,
};
use crate::health;
use crate::native::{self, NativeSender};
use crate::state::AppState;

/// The app's runner, kept in Tauri's state.
pub type AppRunner = Arc<Runner<AppHost>>;

pub struct AppHost {
    app: AppHandle,
}

/// Makes the runner (commands can reach it from now on) and starts its loop once the window has
/// drawn its first dashboard (`shown`: a window is shown; see `startup::drawn`).
/// Makes the runner and hands it to the commands; before the window is built, so no command
/// can reach for it first (on any platform's IPC thread). Nothing runs until [`start`].
pub fn prepare(app: &AppHandle) {
    app.manage(Runner::new(AppHost { app: app.clone() }, Policy::WhenDue));
}

/// Starts the runner's loop: once the window has drawn its dashboard (at once when not shown).
pub fn start(app: &AppHandle, shown: bool) {
    let runner = runner(app);
    tauri::async_runtime::spawn(async move {
        crate::startup::drawn(shown).await;
        crate::startup::mark("background loop starts");
        if let Err(e) = runner.run().await {
            tracing::warn!("the background loop stopped: {e}");
        }
    });
}

/// The runner, for commands.
pub fn runner(app: &AppHandle) -> AppRunner {
    app.state::<AppRunner>().inner().clone()
}

/// Asks the runner to look again (a command changed what it depends on).
pub fn wake(app: &AppHandle, wake: Wake) {
    if let Some(runner) = app.try_state::<AppRunner>() {
        runner.wake(wake);
    }
}

impl Host for AppHost {
    type Store = AppState;

    fn store(&self) -> &AppState {
        self.app.state::<AppState>().inner()
    }

    fn clock(&self) -> Arc<dyn Clock> {
        Arc::new(SystemClock)
    }

    fn identity(&self) -> Identity {
        Identity {
            heartbeat: heartbeat::APP,
            audience: watchdog::AUDIENCE_APP,
        }
    }

    fn settings(&self) -> Result<Settings> {
        settings::load(self.store().data_dir())
    }

    fn secrets(&self) -> Result<Arc<dyn SecretStore>> {
        self.store().secrets()
    }

    fn native(&self, units: Units) -> Option<Arc<dyn Sender>> {
        Some(Arc::new(NativeSender {
            app: self.app.clone(),
            units,
        }))
    }

    fn period(&self, settings: &Settings) -> Duration {
        // Test-only: the cycle period instead of the sync interval setting.
        env::env()
            .millis(env::CYCLE_MS)
            .map(|ms| Duration::from_millis(ms.max(100)))
            .unwrap_or_else(|| settings.sync_interval())
    }

    fn emit(&self, event: Event) {
        let app = &self.app;
        let _ = match event {
            Event::GarageChanged => GarageChanged.emit(app),
            Event::StravaChanged => StravaChanged.emit(app),
            Event::DevicesChanged => DevicesChanged.emit(app),
            Event::HealthChanged => match health::health(self.store()) {
                Ok(h) => DeliveryHealth(h).emit(app),
                Err(e) => {
                    tracing::warn!("could not read delivery health: {e}");
                    Ok(())
                }
            },
        };
    }

    fn strava_progress(&self) -> Option<ProgressSink> {
        let app = self.app.clone();
        Some(ProgressSink::new(move |p| {
            let _ = StravaProgress(p.clone()).emit(&app);
        }))
    }

    fn finished(&self, job: Job, why: Why, report: &JobReport) {
        log(job, why, report);
        // The garage's page cache first, so the allocator has its pages to hand back too.
        if let Err(e) = self.store().with_core(|s| s.shrink_memory()) {
            tracing::debug!("could not shrink the garage's page cache: {e}");
        }
        crate::memory::release();
        if SettingsChanged::after(report) {
            let _ = SettingsChanged.emit(&self.app);
        }
        if let JobReport::Watchdog(w) = report {
            if let Some(h) = &w.health {
                for e in &h.newly_opened {
                    self.warn(e);
                }
            }
        }
    }
}

impl AppHost {
    /// One native warning per new problem (the watchdog records that the app was told).
    fn warn(&self, e: &Episode) {
        let (title, body) = if e.kind == Kind::ChannelFailed {
            // A failing desktop channel cannot warn through itself: the banner says it.
            if e.subject == pedalwrencher_core::delivery::Channel::Notification.as_str() {
                return;
            }
            match health::health(self.store()).ok().and_then(|h| {
                h.failing
                    .into_iter()
                    .find(|f| f.channel.as_str() == e.subject)
            }) {
                Some(f) => (
                    format!("{} reminders are failing", f.channel.title()),
                    f.message,
                ),
                None => (
                    e.title.clone(),
                    format!("{} {}", e.banner, advice::words(&e.advice)),
                ),
            }
        } else {
            (
                e.title.clone(),
                format!("{} {}", e.banner, advice::words(&e.advice)),
            )
        };
        tracing::warn!("{body}");
        if let Err(err) = native::show(&self.app, &title, &body, None) {
            tracing::warn!("could not show the warning: {err}");
        }
    }
}

/// One log line per pass; the core's messages never contain a token or a password.
fn log(job: Job, why: Why, report: &JobReport) {
    match report {
        JobReport::Strava(StravaOutcome::Ran { report: r }) => {
            let c = &r.changes;
            tracing::info!(
                why,
                rides_added = c.rides_added,
                rides_updated = c.rides_updated,
                rides_deleted = c.rides_deleted,
                bikes_added = c.bikes_added,
                requests = r.requests,
                history_complete = r.history_complete,
                "Strava sync done"
            );
        }
        JobReport::Strava(StravaOutcome::NotConnected) => {
            tracing::debug!(why, "not connected to Strava; no sync")
        }
        JobReport::Devices(DevicesOutcome::Ran { report: r }) => {
            let a = &r.applied;
            tracing::info!(
                why,
                pushed_files = r.pushed_files,
                pulled_files = r.pulled_files,
                fields = a.fields,
                rows_created = a.rows_created,
                devices = r.devices,
                "device sync done"
            );
        }
        JobReport::Devices(DevicesOutcome::NotSetUp) => {
            tracing::debug!(why, "this device does not sync with others")
        }
        JobReport::Strava(StravaOutcome::Stopped) | JobReport::Devices(DevicesOutcome::Stopped) => {
            tracing::info!(job = job.as_str(), "sync stopped")
        }
        // Another process (the CLI, `serve`) is syncing this garage: nothing to do here.
        JobReport::Strava(StravaOutcome::Failed { failure })
            if failure.kind == ErrorKind::Conflict =>
        {
            tracing::info!("{failure}")
        }
        JobReport::Strava(
            StravaOutcome::Failed { failure } | StravaOutcome::NoSecrets { failure },
        )
        | JobReport::Devices(
            DevicesOutcome::Failed { failure } | DevicesOutcome::NoSecrets { failure },
        ) => tracing::warn!(
            job = job.as_str(),
            kind = failure.kind.as_str(),
            "sync failed: {failure}"
        ),
        JobReport::Deliver(d) => {
            if d.new_reminders + d.sent + d.retrying + d.failed > 0 || !d.problems.is_empty() {
                tracing::info!(
                    new = d.new_reminders,
                    sent = d.sent,
                    retrying = d.retrying,
                    failed = d.failed,
                    problems = ?d.problems,
                    "delivery cycle"
                );
            }
        }
        JobReport::Watchdog(w) => {
            for p in &w.problems {
                tracing::warn!("watchdog: {p}");
            }
            if let Some(pedalwrencher_core::runner::Ping::Failed { message }) = &w.ping {
                tracing::warn!("healthcheck ping failed: {message}");
            }
        }
    }
}

/// What "Sync now" did.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct SyncNow {
    /// False when a pass was already running here; its end reloads the window anyway.
    pub ran: bool,
    pub report: Option<pedalwrencher_core::strava::sync::Report>,
}

/// The Strava section's "Sync now": a pass at once, its report or why it failed.
pub async fn strava_sync_now(app: &AppHandle) -> Result<SyncNow, crate::state::CommandError> {
    let report = match runner(app).run_now(Job::Strava).await {
        Some(JobReport::Strava(StravaOutcome::Ran { report })) => Some(report),
        Some(JobReport::Strava(StravaOutcome::NotConnected)) => {
            return Err(pedalwrencher_core::strava::StravaError::NotConnected.into())
        }
        Some(JobReport::Strava(
            StravaOutcome::Failed { failure } | StravaOutcome::NoSecrets { failure },
        )) => {
            return Err(crate::state::CommandError {
                kind: failure.kind,
                message: failure.message,
            })
        }
        _ => None,
    };
    Ok(SyncNow {
        ran: report.is_some(),
        report,
    })
}

/// Quitting on purpose: the watchdog must not report the app's loop as stopped, and deliveries
/// claimed but not sent go back to the outbox.
pub fn quitting(app: &AppHandle) {
    if let Some(runner) = app.try_state::<AppRunner>() {
        runner.stop();
        if let Err(e) = runner.stopped() {
            tracing::warn!("could not record that the app stopped: {e}");
        }
    }
}
