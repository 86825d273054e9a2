//! The four jobs' passes, each with the flight held by the runner. None of them fails the loop:
//! what went wrong is in the report (and, for Strava and the devices, recorded in the garage for
//! the status and the watchdog).

use std::sync::Arc;

use crate::delivery::channels::{Channels, Context};
use crate::delivery::outbox::{self, DrainOptions};
use crate::delivery::reminders;
use crate::env;
use crate::runner::host::{Event, Host};
use crate::runner::report::{
    CycleReport, DeliverReport, DevicesOutcome, Failure, JobReport, Ping, StravaOutcome,
    WatchdogReport,
};
use crate::runner::{Runner, Trial};
use crate::secrets::SecretStore;
use crate::settings::Settings;
use crate::store::StoreAccess;
use crate::strava::api::Config as StravaConfig;
use crate::strava::state as strava_state;
use crate::strava::sync::{self as strava_sync, Options as StravaOptions};
use crate::strava::tokens;
use crate::sync::config as sync_config;
use crate::sync::transport::OpendalTransport;
use crate::watchdog::healthcheck::{self, Pinger};
use crate::watchdog::{self, Config as WatchdogConfig};
use crate::{ride_files, sync, Error};

/// The watched folder's new ride files, imported before the reminders are evaluated (so their
/// wear counts at once). On the delivery job's timer and at start; what failed is a problem of
/// the cycle (the watchdog's, so the rider is told), and is tried again at the next scan.
pub(super) fn watched_folder<H: Host>(r: &Runner<H>, settings: &Settings) -> Option<String> {
    let folder = std::path::PathBuf::from(settings.watched_folder.as_deref()?);
    let host = r.host();
    let options = ride_files::import::Options {
        learn_bikes: true,
        ..ride_files::import::Options::default()
    };
    // Its own connection to the garage when it has a file: reading the files then never keeps
    // the host's other users of the store waiting; only each batch's writes lock the database.
    let own = host
        .store()
        .with(|s| Ok(s.path().map(std::path::Path::to_path_buf)));
    let scanned = match own {
        Ok(Some(path)) => crate::store::Store::open(&path).and_then(|s| {
            let mut s = s.with_clock(host.clock());
            ride_files::watched::scan(&mut s, &folder, options)
        }),
        _ => host
            .store()
            .with(|s| ride_files::watched::scan(s, &folder, options)),
    };
    match scanned {
        Ok(report) => {
            if report.totals.imported + report.totals.duplicate > 0 {
                tracing::info!(
                    imported = report.totals.imported,
                    duplicate = report.totals.duplicate,
                    "watched folder"
                );
                host.emit(Event::GarageChanged);
            }
            ride_files::watched::problem(&folder, &report)
        }
        Err(e) => Some(format!(
            "the watched folder {} could not be scanned: {e}",
            folder.display()
        )),
    }
}

/// The longest a Strava pass waits inside itself for a rate-limit window to turn.
const STRAVA_MAX_PAUSE: std::time::Duration = std::time::Duration::from_secs(60);

pub(super) async fn strava<H: Host>(r: &Runner<H>, settings: &Settings) -> StravaOutcome {
    let host = r.host();
    let st = match host.store().with(|s| strava_state::load(s.connection())) {
        Ok(st) => st,
        Err(e) => {
            return StravaOutcome::Failed {
                failure: (&e).into(),
            }
        }
    };
    if !st.connected() && !tokens::configured_by_env() {
        return StravaOutcome::NotConnected;
    }
    let secrets = match host.secrets() {
        Ok(s) => s,
        Err(e) => {
            return StravaOutcome::NoSecrets {
                failure: (&e).into(),
            }
        }
    };
    host.emit(Event::StravaChanged);
    let options = StravaOptions {
        interval: host.strava_interval(settings),
        holder: r.holder().to_owned(),
        // A longer rate-limit pause ends the pass (the garage records when the window turns and
        // the timer resumes then), so reminders never wait behind it.
        max_pause: STRAVA_MAX_PAUSE,
        progress: host.strava_progress(),
        ..StravaOptions::default()
    };
    let config = StravaConfig::from_env();
    let pass = strava_sync::sync(
        host.store(),
        secrets.as_ref(),
        &config,
        host.clock(),
        &options,
    );
    let outcome = tokio::select! {
        result = pass => match result {
            Ok(report) => StravaOutcome::Ran { report },
            Err(e) => StravaOutcome::Failed { failure: (&e).into() },
        },
        _ = r.cancelled() => StravaOutcome::Stopped,
    };
    host.emit(Event::GarageChanged);
    outcome
}

pub(super) async fn devices<H: Host>(
    r: &Runner<H>,
    settings: &Settings,
    trial: Option<Trial>,
) -> DevicesOutcome {
    let host = r.host();
    if trial.is_none() && !r.devices_on() {
        return DevicesOutcome::NotSetUp;
    }
    let secrets = match host.secrets() {
        Ok(s) => s,
        Err(e) => {
            return DevicesOutcome::NoSecrets {
                failure: (&e).into(),
            }
        }
    };
    let (config, save) = match trial {
        Some(Trial {
            config,
            url,
            passphrase,
        }) => (config, Some((url, passphrase))),
        None => match sync_config::load(secrets.as_ref()) {
            Ok(Some(config)) => (config, None),
            Ok(None) => {
                r.schedule().learned_devices(false);
                return DevicesOutcome::NotSetUp;
            }
            Err(e) => {
                return DevicesOutcome::Failed {
                    failure: (&e).into(),
                }
            }
        },
    };
    host.emit(Event::DevicesChanged);
    let outcome = devices_pass(r, settings, &config).await;
    let outcome = match (outcome, save) {
        (DevicesOutcome::Ran { report }, Some((url, passphrase))) => {
            // Only now that the target and passphrase are known to work.
            match sync_config::save(secrets.as_ref(), &url, passphrase.expose()) {
                Ok(_) => DevicesOutcome::Ran { report },
                Err(e) => DevicesOutcome::Failed {
                    failure: (&e).into(),
                },
            }
        }
        (outcome, _) => outcome,
    };
    if let DevicesOutcome::Ran { report } = &outcome {
        r.schedule().learned_devices(true);
        let a = &report.applied;
        if a.fields > 0 || a.rows_created > 0 || !a.repairs.is_empty() {
            host.emit(Event::GarageChanged);
        }
    }
    host.emit(Event::DevicesChanged);
    outcome
}

async fn devices_pass<H: Host>(
    r: &Runner<H>,
    settings: &Settings,
    config: &sync_config::SyncConfig,
) -> DevicesOutcome {
    let store = r.host().store();
    let transport = match OpendalTransport::new(&config.target) {
        Ok(t) => t,
        Err(e) => {
            // Recorded like a failed pass, so the status and the watchdog see it.
            let _ = store.with(|s| sync::record_failure(s, &e.message));
            return DevicesOutcome::Failed {
                failure: Failure {
                    kind: crate::ErrorKind::Remote,
                    message: e.message,
                },
            };
        }
    };
    let name = sync_config::device_name(&settings.device_name);
    let pass = sync::pass(store, &transport, config.passphrase.expose(), &name);
    tokio::select! {
        result = pass => match result {
            Ok(report) => DevicesOutcome::Ran { report },
            Err(e) => DevicesOutcome::Failed { failure: (&e).into() },
        },
        _ = r.cancelled() => DevicesOutcome::Stopped,
    }
}

pub(super) async fn deliver<H: Host>(
    r: &Runner<H>,
    settings: &Settings,
    settings_problem: Option<String>,
) -> DeliverReport {
    let host = r.host();
    let mut report = DeliverReport {
        problems: settings_problem.into_iter().collect(),
        ..DeliverReport::default()
    };
    let units = host.units(settings);
    let secrets = || -> Option<Arc<dyn SecretStore>> {
        host.secrets()
            .map_err(|e| tracing::warn!("{e}; only secrets given in the environment are used"))
            .ok()
    };
    let channels = Channels::resolve(&Context {
        settings,
        units,
        env: env::env(),
        secrets: &secrets,
        native: host.native(units),
    });
    match host
        .store()
        .with(|s| reminders::evaluate(s, &channels.fan_out()))
    {
        Ok(new) => report.new_reminders = new.len() as u32,
        Err(e) => {
            report.problems.push(e.to_string());
            return report;
        }
    }
    let senders = channels.senders();
    let options = DrainOptions {
        holder: r.holder().to_owned(),
        ..DrainOptions::from_env()
    };
    let stop = || r.stopping();
    let drained = tokio::select! {
        drained = outbox::drain_until(host.store(), &senders, &options, &stop) => Some(drained),
        _ = async {
            r.stop_asked().await;
            tokio::time::sleep(host.grace()).await;
        } => None,
    };
    match drained {
        // Given up after the grace period: the loop gives the claim back when it stops.
        None => report.abandoned = true,
        Some(Err(e)) => report.problems.push(e.to_string()),
        Some(Ok(d)) => {
            report.sent = d.sent.len() as u32;
            report.retrying = d.retrying.len() as u32;
            report.failed = d.failed.len() as u32;
        }
    }
    host.emit(Event::HealthChanged);
    host.emit(Event::GarageChanged);
    report
}

pub(super) async fn watchdog<H: Host>(r: &Runner<H>, settings: &Settings) -> WatchdogReport {
    let host = r.host();
    let delivered = r
        .last_deliver
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .unwrap_or_default();
    let cycle_ok = delivered.problems.is_empty();
    let identity = host.identity();
    let config = WatchdogConfig::from_settings(settings, env::env());
    let period = host.period(settings);
    let checked = host.store().with(|s| {
        watchdog::cycle_finished(
            s,
            identity.heartbeat,
            r.holder(),
            period,
            cycle_ok && delivered.failed == 0,
            &config,
            Some(identity.audience),
        )
    });
    let (health, problems) = match checked {
        Ok(h) => (Some(h), delivered.problems.clone()),
        Err(e) => (None, vec![e.to_string()]),
    };
    let healthy =
        problems.is_empty() && delivered.failed == 0 && health.as_ref().is_some_and(|h| h.healthy);
    // The dead-man's switch: an outside monitor alerts when these pings stop (or say /fail).
    let ping = match healthcheck::configured(settings, env::env()) {
        None => None,
        Some(url) => Some(match Pinger::new(&url) {
            Ok(p) => match p.ping(healthy).await {
                Ok(()) => Ping::Sent {
                    host: p.host(),
                    healthy,
                },
                Err(e) => Ping::Failed {
                    message: e.to_string(),
                },
            },
            Err(e) => Ping::Failed {
                message: e.to_string(),
            },
        }),
    };
    host.emit(Event::HealthChanged);
    WatchdogReport {
        health,
        healthy,
        ping,
        problems,
    }
}

/// `serve`'s cycle as its jobs end, until the last one.
#[derive(Debug, Default)]
pub(super) struct PartialCycle {
    n: u32,
    started_at: i64,
    strava: Option<StravaOutcome>,
    devices: Option<DevicesOutcome>,
    deliver: Option<DeliverReport>,
}

impl PartialCycle {
    /// Adds a job's report to cycle `n`; the whole cycle once its last job ended.
    pub(super) fn add(
        &mut self,
        n: u32,
        started_at: i64,
        now: i64,
        report: &JobReport,
    ) -> Option<CycleReport> {
        if self.n != n {
            *self = PartialCycle {
                n,
                started_at,
                ..PartialCycle::default()
            };
        }
        match report {
            JobReport::Strava(s) => self.strava = Some(s.clone()),
            JobReport::Devices(d) => self.devices = Some(d.clone()),
            JobReport::Deliver(d) => self.deliver = Some(d.clone()),
            JobReport::Watchdog(w) => {
                return Some(CycleReport {
                    n,
                    strava: self.strava.take()?,
                    devices: self.devices.take()?,
                    deliver: self.deliver.take()?,
                    watchdog: w.clone(),
                    elapsed_ms: u64::try_from(now - self.started_at).unwrap_or(0),
                })
            }
        }
        None
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        (&e).into()
    }
}
