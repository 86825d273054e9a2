//! The background engine: one runner decides when each job runs — a Strava pass, a pass with the
//! rider's other devices, evaluating the rules and delivering reminders, and the watchdog (its
//! heartbeat, check and the dead-man's switch ping) — one pass at a time across every job, on
//! the store's [`Clock`](crate::store::Clock).
//!
//! Before each delivery the watched folder's new ride files are imported (`jobs::watched_folder`).
//!
//! The app and `pedalwrencher-cli serve` are its two [`Host`]s; neither schedules anything itself.
//! The app runs [`Policy::WhenDue`]: a job when its timer is due (Strava's interval, back-off or
//! rate-limit pause as the garage records them; the devices interval; the reminder period) or when
//! something wakes it ([`Wake`]: start, window focus, "Sync now", a local edit after a short
//! debounce, a Strava pass that brought rides). `serve` runs [`Policy::Cycles`]: every job in order
//! once per interval, one log line per cycle.
//!
//! Offline is normal: a failed pass is recorded by the core in its status (the app's chips and
//! sections, `status`), reported to the host, and retried on its own.
//!
//! Stopping (`serve`'s SIGTERM): nothing new starts, a Strava or device pass in flight stops at
//! its next await (each page and file is its own transaction), a delivery in hand gets the
//! host's grace period and is otherwise given up with its claim released, so the next run sends
//! it — a send abandoned after the server accepted it may arrive twice, never zero times.

mod flight;
mod host;
mod job;
mod jobs;
mod report;
mod schedule;
mod timers;

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{watch, Notify};

pub use flight::{Flight, Guard, Holder};
pub use host::{Event, Host, Identity};
pub use report::{
    CycleReport, DeliverReport, DevicesOutcome, Failure, JobReport, Ping, StravaOutcome,
    WatchdogReport,
};
pub use schedule::{Job, Next, Policy, Schedule, Timers, Wake, Why, DEBOUNCE_MS, MIN_GAP_MS};

use crate::delivery::outbox;
use crate::secrets::Secret;
use crate::settings::Settings;
use crate::store::{lease, StoreAccess};
use crate::sync::config::SyncConfig;
use crate::watchdog::heartbeat;
use crate::{Error, Result};

/// The longest the loop sleeps before looking again: the wall clock may jump (a laptop that slept
/// does not advance the runtime's monotonic timers), and another process may have synced.
const NAP: Duration = Duration::from_secs(60);
/// How long an exclusive action waits for a pass to stop before it gives up.
const EXCLUSIVE_WAIT: Duration = Duration::from_secs(15);
/// How long setting up device sync waits for a pass already running (a long Strava import).
const TRIAL_WAIT: Duration = Duration::from_secs(60);

/// A sync target and passphrase being set up: tried with a pass, saved only if it works.
pub struct Trial {
    pub config: SyncConfig,
    pub url: String,
    pub passphrase: Secret,
}

/// What one step of the loop did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Ran(Job),
    /// A job is due but another pass holds the flight (a "Sync now" from the window).
    Busy,
    /// A rider's action waits for the flight (disconnecting, set-up, "Check now"): the loop lets
    /// it go first.
    Held,
    /// Nothing is due before this wall-clock time (ms).
    Sleep(i64),
    /// The last cycle of a limited run ended, or a stop was asked for.
    Done,
}

/// How the loop ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stopped {
    /// Deliveries claimed but not finished, given back for the next run.
    pub released: u32,
}

pub struct Runner<H: Host> {
    host: H,
    schedule: Mutex<Schedule>,
    flight: Flight,
    /// The loop looks again (a wake-up, a job finished outside it).
    wake: Notify,
    /// Stops the Strava or device pass in flight at its next await.
    cancel: Notify,
    stop: watch::Sender<bool>,
    /// This process's name on leases, outbox claims and its heartbeat.
    holder: String,
    cycle: Mutex<jobs::PartialCycle>,
    /// The last delivery's report, for the watchdog that follows it.
    last_deliver: Mutex<Option<DeliverReport>>,
    /// Rider's actions waiting for the flight; the loop starts nothing while there are any.
    waiting: AtomicU32,
}

/// Counts a rider's action as waiting for the flight while it lives.
struct Waiting<'a> {
    count: &'a AtomicU32,
    wake: &'a Notify,
}

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicU32, wake: &'a Notify) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Waiting { count, wake }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::SeqCst);
        self.wake.notify_one();
    }
}

impl<H: Host> Runner<H> {
    pub fn new(host: H, policy: Policy) -> Arc<Runner<H>> {
        Arc::new(Runner {
            host,
            schedule: Mutex::new(Schedule::new(policy)),
            flight: Flight::default(),
            wake: Notify::new(),
            cancel: Notify::new(),
            stop: watch::channel(false).0,
            holder: lease::holder_id(),
            cycle: Mutex::new(jobs::PartialCycle::default()),
            last_deliver: Mutex::new(None),
            waiting: AtomicU32::new(0),
        })
    }

    pub fn host(&self) -> &H {
        &self.host
    }

    /// The name this process holds leases and claims under.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    fn now(&self) -> i64 {
        self.host.clock().now().millis()
    }

    fn schedule(&self) -> std::sync::MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Something asks the runner to look again.
    pub fn wake(&self, wake: Wake) {
        let now = self.now();
        self.schedule().wake(wake, now);
        self.wake.notify_one();
    }

    /// Whether `job` is running in this process now.
    pub fn running(&self, job: Job) -> bool {
        self.flight.running(job)
    }

    /// Whether this device syncs with others: known here after a pass, set-up or stop; else from
    /// the garage (it has a vault) or the environment. The secret store is left to the pass.
    pub fn devices_on(&self) -> bool {
        if let Some(on) = self.schedule().devices_on() {
            return on;
        }
        timers::devices_configured(&self.host)
    }

    /// Asks the loop to stop: nothing new starts, and passes in flight stop (a delivery after the
    /// host's grace period).
    pub fn stop(&self) {
        self.stop.send_replace(true);
        self.cancel.notify_waiters();
        self.wake.notify_one();
    }

    pub fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// Resolves once a stop was asked for.
    async fn stop_asked(&self) {
        let mut rx = self.stop.subscribe();
        if rx.wait_for(|v| *v).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Resolves when the pass in flight should stop (an exclusive action, or a stop).
    async fn cancelled(&self) {
        tokio::select! {
            _ = self.cancel.notified() => {}
            _ = self.stop_asked() => {}
        }
    }

    fn settings(&self) -> (Settings, Option<String>) {
        match self.host.settings() {
            Ok(s) => (s, None),
            Err(e) => (Settings::default(), Some(e.to_string())),
        }
    }

    /// The loop: runs until [`Runner::stop`] (or the last cycle of a limited run), then gives
    /// back unfinished deliveries and records that it stopped on purpose.
    pub async fn run(self: &Arc<Self>) -> Result<Stopped> {
        self.wake(Wake::Start);
        loop {
            if self.stopping() {
                break;
            }
            match self.step().await {
                // Let a rider's action that waits for the flight take it now.
                Step::Ran(_) => tokio::task::yield_now().await,
                Step::Done => break,
                Step::Held => {
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = self.stop_asked() => {}
                    }
                }
                Step::Busy => {
                    tokio::select! {
                        _ = self.flight.released() => {}
                        _ = self.wake.notified() => {}
                        _ = self.stop_asked() => {}
                    }
                }
                Step::Sleep(until) => {
                    let ms = u64::try_from(until - self.now()).unwrap_or(0);
                    let nap = Duration::from_millis(ms).min(NAP);
                    tokio::select! {
                        _ = tokio::time::sleep(nap) => {}
                        _ = self.wake.notified() => {}
                        _ = self.stop_asked() => {}
                    }
                }
            }
        }
        self.stopped()
    }

    /// Records that the loop stopped on purpose, so the watchdog does not report it missing, and
    /// gives back the deliveries it claimed but did not finish.
    pub fn stopped(&self) -> Result<Stopped> {
        let store = self.host.store();
        let released = store.with(|s| outbox::release(s, &self.holder))?;
        store.with(|s| heartbeat::stopped(s, self.host.identity().heartbeat, &self.holder))?;
        Ok(Stopped { released })
    }

    /// One look at the schedule: runs the job that is due, if the flight is free.
    pub async fn step(self: &Arc<Self>) -> Step {
        if self.stopping() {
            return Step::Done;
        }
        if self.waiting.load(Ordering::SeqCst) > 0 {
            return Step::Held;
        }
        let (settings, problem) = self.settings();
        let timers = timers::timers(self, &settings);
        let now = self.now();
        let next = self.schedule().next(now, &timers);
        match next {
            Next::Run(job, why) => match self.flight.try_begin(Holder::Job(job)) {
                Some(_guard) => {
                    self.run_job(job, why, &settings, problem, None, &timers)
                        .await;
                    Step::Ran(job)
                }
                None => Step::Busy,
            },
            Next::Sleep(at) => Step::Sleep(at),
            Next::Done => Step::Done,
        }
    }

    /// `job` now, if no pass is running here; `None` when one is (what was asked for is then run
    /// when the flight is free).
    pub async fn run_now(self: &Arc<Self>, job: Job) -> Option<JobReport> {
        let Some(_guard) = self.flight.try_begin(Holder::Job(job)) else {
            self.wake(Wake::Now(job));
            return None;
        };
        Some(self.run_held(job, "asked", None).await)
    }

    /// `job` as soon as the pass running here (if any) ends, if that is within `wait`; `None`
    /// otherwise (the job is then asked for, and runs when the flight is free).
    pub async fn run_after_current(
        self: &Arc<Self>,
        job: Job,
        wait: Duration,
    ) -> Option<JobReport> {
        let _waiting = Waiting::new(&self.waiting, &self.wake);
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(_guard) = self.flight.try_begin(Holder::Job(job)) {
                return Some(self.run_held(job, "asked", None).await);
            }
            if tokio::time::timeout_at(deadline, self.flight.released())
                .await
                .is_err()
            {
                self.wake(Wake::Now(job));
                return None;
            }
        }
    }

    /// Device sync's set-up: a pass with the trial's target and passphrase, after any pass
    /// running here ends; they are saved only if it works.
    pub async fn devices_trial(self: &Arc<Self>, trial: Trial) -> Result<DevicesOutcome> {
        let _waiting = Waiting::new(&self.waiting, &self.wake);
        let deadline = tokio::time::Instant::now() + TRIAL_WAIT;
        let _guard = loop {
            if let Some(guard) = self.flight.try_begin(Holder::Job(Job::Devices)) {
                break guard;
            }
            if tokio::time::timeout_at(deadline, self.flight.released())
                .await
                .is_err()
            {
                return Err(Error::Conflict(
                    "a sync is still running; try again in a moment".into(),
                ));
            }
        };
        match self.run_held(Job::Devices, "set up", Some(trial)).await {
            JobReport::Devices(outcome) => Ok(outcome),
            _ => unreachable!("a device pass reports on devices"),
        }
    }

    /// Runs `f` with no pass running here and none starting meanwhile: a pass in flight is
    /// stopped first (disconnecting must not race a page being written).
    pub async fn exclusive<T>(&self, f: impl Future<Output = T>) -> Result<T> {
        let waiting = Waiting::new(&self.waiting, &self.wake);
        let deadline = tokio::time::Instant::now() + EXCLUSIVE_WAIT;
        let _guard = loop {
            if let Some(guard) = self.flight.try_begin(Holder::Exclusive) {
                break guard;
            }
            self.cancel.notify_waiters();
            if tokio::time::Instant::now() > deadline {
                return Err(Error::Conflict(
                    "a sync is still running; try again in a moment".into(),
                ));
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), self.flight.released()).await;
        };
        drop(waiting);
        let result = f.await;
        self.wake.notify_one();
        Ok(result)
    }

    async fn run_held(self: &Arc<Self>, job: Job, why: Why, trial: Option<Trial>) -> JobReport {
        let (settings, problem) = self.settings();
        let timers = timers::timers(self, &settings);
        let report = self
            .run_job(job, why, &settings, problem, trial, &timers)
            .await;
        self.wake.notify_one();
        report
    }

    /// Runs `job` with the flight held by the caller, and records what it calls for next.
    async fn run_job(
        self: &Arc<Self>,
        job: Job,
        why: Why,
        settings: &Settings,
        settings_problem: Option<String>,
        trial: Option<Trial>,
        timers: &Timers,
    ) -> JobReport {
        self.schedule().started(job);
        tracing::debug!(job = job.as_str(), why, "starting");
        let report = match job {
            // The syncs read and write the secret store, which may block on D-Bus (a keyring
            // waiting to be unlocked): on a blocking thread, never on one of the runtime's few.
            Job::Strava => {
                let (me, settings) = (Arc::clone(self), settings.clone());
                let outcome = tokio::task::spawn_blocking(move || {
                    tokio::runtime::Handle::current().block_on(jobs::strava(&me, &settings))
                })
                .await
                .unwrap_or_else(|e| StravaOutcome::Failed {
                    failure: task_failed("Strava sync", e),
                });
                JobReport::Strava(outcome)
            }
            Job::Devices => {
                let (me, settings) = (Arc::clone(self), settings.clone());
                let outcome = tokio::task::spawn_blocking(move || {
                    tokio::runtime::Handle::current().block_on(jobs::devices(&me, &settings, trial))
                })
                .await
                .unwrap_or_else(|e| DevicesOutcome::Failed {
                    failure: task_failed("device sync", e),
                });
                JobReport::Devices(outcome)
            }
            Job::Deliver => {
                // Reading files may take a while: on a blocking thread.
                let (me, for_scan) = (Arc::clone(self), settings.clone());
                let watched =
                    tokio::task::spawn_blocking(move || jobs::watched_folder(&me, &for_scan))
                        .await
                        .unwrap_or_else(|e| Some(task_failed("watched folder", e).message));
                let mut report = jobs::deliver(self, settings, settings_problem).await;
                report.problems.extend(watched);
                *self.last_deliver.lock().unwrap_or_else(|p| p.into_inner()) = Some(report.clone());
                JobReport::Deliver(report)
            }
            Job::Watchdog => JobReport::Watchdog(jobs::watchdog(self, settings).await),
        };
        let now = self.now();
        self.schedule().finished(job, now, &report, timers);
        self.host.finished(job, why, &report);
        let (cycle, started_at) = {
            let schedule = self.schedule();
            (schedule.cycle(), schedule.cycle_started_at())
        };
        if let Policy::Cycles { .. } = self.policy() {
            if let Some(done) = self
                .cycle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .add(cycle, started_at, now, &report)
            {
                if !self.stopping() {
                    self.host.cycle_finished(&done);
                }
            }
        }
        report
    }

    fn policy(&self) -> Policy {
        self.schedule().policy()
    }
}

/// A job's task that panicked or was cancelled, as its failure.
fn task_failed(what: &str, e: tokio::task::JoinError) -> Failure {
    Failure {
        kind: crate::ErrorKind::Storage,
        message: format!("the {what} task failed: {e}"),
    }
}

#[cfg(test)]
mod tests;
