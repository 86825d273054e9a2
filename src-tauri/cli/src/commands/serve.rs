//! `serve`: the app's background runner, headless, for riders with a home server. Every interval
//! the core's runner does one cycle: a Strava sync (when connected, or configured by the
//! environment), a pass with the other devices, rule evaluation, delivery by email and SMS, the
//! watchdog, a heartbeat, and a ping of the dead-man's switch. This host words each cycle in one
//! log line on stderr (a service manager's journal adds the time), plus one line per problem the
//! first time it is seen and one when it clears.
//!
//! SIGTERM or SIGINT: nothing new is started; a delivery in hand is finished and marked within the
//! grace period, or else abandoned and its claim given back, so the next `serve` or `notify` sends
//! it — nothing is lost (a send abandoned after the server accepted it may arrive twice, never
//! zero times). The runner records that it stopped on purpose, so the watchdog does not report it
//! missing, and the process exits 0.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};

use pedalwrencher_core::delivery::Sender;
use pedalwrencher_core::runner::{
    CycleReport, DevicesOutcome, Event, Host, Identity, Job, JobReport, Ping, Policy, Runner,
    StravaOutcome, Why,
};
use pedalwrencher_core::secrets::SecretStore;
use pedalwrencher_core::settings::{self, Settings};
use pedalwrencher_core::store::{Clock, SystemClock};
use pedalwrencher_core::strava::progress::ProgressSink;
use pedalwrencher_core::units::Units;
use pedalwrencher_core::watchdog::{self, heartbeat};
use pedalwrencher_core::{Error, Result, Store, Timestamp};

use crate::health::problem_lines;
use crate::runtime::runtime;

pub struct Options {
    pub interval_seconds: Option<u64>,
    pub cycles: Option<u32>,
    pub grace: Duration,
    pub units: Units,
}

fn log(line: &str) {
    eprintln!("{} {line}", Timestamp::now().local_date_time());
}

struct ServeHost {
    store: Mutex<Store>,
    dir: PathBuf,
    options: Options,
}

impl Host for ServeHost {
    type Store = Mutex<Store>;

    fn store(&self) -> &Mutex<Store> {
        &self.store
    }

    fn clock(&self) -> Arc<dyn Clock> {
        Arc::new(SystemClock)
    }

    fn identity(&self) -> Identity {
        Identity {
            heartbeat: heartbeat::SERVE,
            audience: watchdog::AUDIENCE_SERVE,
        }
    }

    fn settings(&self) -> Result<Settings> {
        settings::load(&self.dir)
    }

    /// A server configured by its environment alone needs none.
    fn secrets(&self) -> Result<Arc<dyn SecretStore>> {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        crate::secrets::required(&mut store, &self.dir)
            .map(Arc::from)
            .inspect_err(|e| {
                eprintln!("warning: {e}; only secrets given in the environment are used")
            })
    }

    fn native(&self, _units: Units) -> Option<Arc<dyn Sender>> {
        None
    }

    fn period(&self, settings: &Settings) -> Duration {
        self.options
            .interval_seconds
            .map(Duration::from_secs)
            .unwrap_or_else(|| settings.sync_interval())
    }

    fn strava_interval(&self, settings: &Settings) -> Duration {
        self.period(settings)
    }

    fn units(&self, _settings: &Settings) -> Units {
        self.options.units
    }

    fn grace(&self) -> Duration {
        self.options.grace
    }

    fn emit(&self, _event: Event) {}

    /// A first import of years of rides takes hours of Strava's rate limit: the log says how far
    /// it has come, as `sync` does.
    fn strava_progress(&self) -> Option<ProgressSink> {
        Some(super::sync::progress_lines(log))
    }

    fn finished(&self, _job: Job, _why: Why, _report: &JobReport) {}

    fn cycle_finished(&self, report: &CycleReport) {
        for line in cycle_lines(report) {
            log(&line);
        }
    }
}

pub fn serve(store: Store, dir: &Path, options: Options) -> Result<()> {
    let rt = runtime()?;
    let every = match options.interval_seconds {
        Some(s) => format!("every {s} s"),
        None => "every sync interval".to_owned(),
    };
    let cycles = options.cycles;
    let host = ServeHost {
        store: Mutex::new(store),
        dir: dir.to_owned(),
        options,
    };
    let runner = Runner::new(host, Policy::Cycles { limit: cycles });
    rt.block_on(async {
        // Registered before any work, so a SIGTERM never finds the default (killing) handler.
        let signal_error =
            |e: std::io::Error| Error::Invalid(format!("could not listen for SIGTERM/SIGINT: {e}"));
        let mut term = signal(SignalKind::terminate()).map_err(signal_error)?;
        let mut int = signal(SignalKind::interrupt()).map_err(signal_error)?;
        let stopper = runner.clone();
        tokio::spawn(async move {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
            log(&format!("serve: {name} received, stopping"));
            stopper.stop();
        });
        log(&format!("serve: started ({every})"));
        let stopped = runner.run().await?;
        if stopped.released > 0 {
            let n = stopped.released;
            log(&format!(
                "serve: gave back {n} deliver{} not finished; the next run sends {}",
                if n == 1 { "y" } else { "ies" },
                if n == 1 { "it" } else { "them" }
            ));
        }
        log("serve: stopped");
        Ok(())
    })
}

/// The cycle's line, then one per new problem and one per problem cleared.
fn cycle_lines(r: &CycleReport) -> Vec<String> {
    let mut lines = Vec::new();
    let strava = match &r.strava {
        StravaOutcome::NotConnected => "strava: not connected".to_owned(),
        StravaOutcome::NoSecrets { .. } => "strava: no secret store".to_owned(),
        StravaOutcome::Ran { report } => {
            let c = &report.changes;
            format!(
                "strava: +{} rides, {} updated, {} deleted",
                c.rides_added, c.rides_updated, c.rides_deleted
            )
        }
        StravaOutcome::Stopped => "strava: stopped".to_owned(),
        StravaOutcome::Failed { failure } => format!("strava: {failure}"),
    };
    let devices = match &r.devices {
        DevicesOutcome::NotSetUp => "devices: not set up".to_owned(),
        DevicesOutcome::NoSecrets { .. } => "devices: no secret store".to_owned(),
        DevicesOutcome::Ran { report } => format!(
            "devices: sent {} file(s), read {}, {} field(s) merged",
            report.pushed_files, report.pulled_files, report.applied.fields
        ),
        DevicesOutcome::Stopped => "devices: stopped".to_owned(),
        DevicesOutcome::Failed { failure } => format!("devices: {failure}"),
    };
    let w = &r.watchdog;
    let pinged = match &w.ping {
        None => String::new(),
        Some(Ping::Sent { host, healthy }) => {
            format!("; pinged {host}{}", if *healthy { "" } else { " (fail)" })
        }
        Some(Ping::Failed { message }) => {
            lines.push(format!("healthcheck ping failed: {message}"));
            "; healthcheck ping failed".to_owned()
        }
    };
    let open = w.health.as_ref().map_or(0, |h| h.problems.len());
    let d = &r.deliver;
    lines.push(format!(
        "cycle {}: {strava}; {devices}; {} new reminder{}; sent {}, retrying {}, failed {}; {}{pinged} ({} ms)",
        r.n,
        d.new_reminders,
        if d.new_reminders == 1 { "" } else { "s" },
        d.sent,
        d.retrying,
        d.failed,
        if w.healthy {
            "healthy".to_owned()
        } else if open == 0 {
            format!("unhealthy: {}", w.problems.join("; "))
        } else {
            format!("unhealthy: {open} problem(s)")
        },
        r.elapsed_ms
    ));
    if let Some(h) = &w.health {
        lines.extend(h.newly_opened.iter().map(|e| problem_lines(e, true)));
        lines.extend(h.cleared.iter().map(|e| format!("cleared: {}", e.title)));
    }
    lines
}
