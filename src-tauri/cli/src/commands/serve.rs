//! `serve`: the app's background loop, headless, for riders with a home server. Every interval:
//! a Strava sync (when connected, or configured by the environment), rule evaluation, delivery by
//! email and SMS, the watchdog, a heartbeat, and a ping of the dead-man's switch. One log line per
//! cycle on stderr (a service manager's journal adds the time), plus one line per problem the
//! first time it is seen and one when it clears.
//!
//! SIGTERM or SIGINT: nothing new is started; a delivery in hand is finished and marked within the
//! grace period, or else abandoned and its claim given back (`outbox::release`), so the next
//! `serve` or `notify` sends it — nothing is lost (a send abandoned after the server accepted it
//! may arrive twice, never zero times). The loop records that it stopped on purpose, so the
//! watchdog does not report it missing, and the process exits 0.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

use pedalwrencher_core::delivery::config::process_env;
use pedalwrencher_core::delivery::outbox::{self, DrainOptions, DrainReport};
use pedalwrencher_core::delivery::{reminders, Sender};
use pedalwrencher_core::store::lease;
use pedalwrencher_core::store::StoreAccess;
use pedalwrencher_core::store::SystemClock;
use pedalwrencher_core::strava::api::Config as StravaConfig;
use pedalwrencher_core::strava::sync::{self as strava_sync, Options as SyncOptions};
use pedalwrencher_core::strava::{state as strava_state, tokens};
use pedalwrencher_core::sync as dev_sync;
use pedalwrencher_core::sync::config as sync_config;
use pedalwrencher_core::sync::transport::OpendalTransport;
use pedalwrencher_core::units::Units;
use pedalwrencher_core::watchdog::healthcheck::{self, Pinger};
use pedalwrencher_core::watchdog::{self, heartbeat};
use pedalwrencher_core::{settings, Error, Result, Store, Timestamp};

use crate::delivery::{channels, senders};
use crate::health::{problem_lines, watchdog_config};
use crate::runtime::runtime;
use crate::secrets::secret_store;

pub struct Options {
    pub interval_seconds: Option<u64>,
    pub cycles: Option<u32>,
    pub grace: Duration,
    pub units: Units,
}

fn log(line: &str) {
    eprintln!("{} {line}", Timestamp::now().local_date_time());
}

pub fn serve(store: Store, dir: &Path, options: Options) -> Result<()> {
    let rt = runtime()?;
    let access = Mutex::new(store);
    rt.block_on(run(&access, dir, &options))
}

/// Waits until a stop was asked for (never returns otherwise).
async fn stop_asked(mut rx: watch::Receiver<bool>) {
    if rx.wait_for(|v| *v).await.is_err() {
        std::future::pending::<()>().await;
    }
}

async fn run(access: &Mutex<Store>, dir: &Path, options: &Options) -> Result<()> {
    let holder = lease::holder_id();
    // Registered before any work, so a SIGTERM never finds the default (killing) handler.
    let signal_error =
        |e: std::io::Error| Error::Invalid(format!("could not listen for SIGTERM/SIGINT: {e}"));
    let mut term = signal(SignalKind::terminate()).map_err(signal_error)?;
    let mut int = signal(SignalKind::interrupt()).map_err(signal_error)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopping = Arc::new(AtomicBool::new(false));
    {
        let stopping = stopping.clone();
        tokio::spawn(async move {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
            log(&format!("serve: {name} received, stopping"));
            stopping.store(true, Ordering::SeqCst);
            let _ = stop_tx.send(true);
        });
    }
    log(&format!(
        "serve: started ({})",
        match options.interval_seconds {
            Some(s) => format!("every {s} s"),
            None => "every sync interval".to_owned(),
        }
    ));
    let last = options.cycles.unwrap_or(u32::MAX);
    for n in 1..=last {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let started = Instant::now();
        let interval = match cycle(access, dir, options, &holder, n, &stopping, &stop_rx).await {
            Ok(Some(interval)) => interval,
            Ok(None) => break, // stopped mid-cycle
            Err(e) => {
                log(&format!("cycle {n} failed: {e}"));
                ping(dir, false).await;
                fallback_interval(dir, options)
            }
        };
        if n == last || stopping.load(Ordering::SeqCst) {
            break;
        }
        let wait = interval.saturating_sub(started.elapsed().min(interval / 2));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop_asked(stop_rx.clone()) => break,
        }
    }
    let released = access.with(|s| outbox::release(s, &holder))?;
    if released > 0 {
        log(&format!(
            "serve: gave back {released} deliver{} not finished; the next run sends {}",
            if released == 1 { "y" } else { "ies" },
            if released == 1 { "it" } else { "them" }
        ));
    }
    access.with(|s| heartbeat::stopped(s, heartbeat::SERVE, &holder))?;
    log("serve: stopped");
    Ok(())
}

fn fallback_interval(dir: &Path, options: &Options) -> Duration {
    options
        .interval_seconds
        .map(Duration::from_secs)
        .unwrap_or_else(|| settings::load(dir).unwrap_or_default().sync_interval())
}

/// Pings the dead-man's switch if one is configured; a failure is logged, never fatal.
async fn ping(dir: &Path, healthy: bool) -> String {
    let settings = settings::load(dir).unwrap_or_default();
    let Some(url) = healthcheck::configured(&settings, &process_env) else {
        return String::new();
    };
    let outcome = match Pinger::new(&url) {
        Ok(p) => p.ping(healthy).await.map(|()| p.host()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(host) => format!("; pinged {host}{}", if healthy { "" } else { " (fail)" }),
        Err(e) => {
            log(&format!("healthcheck ping failed: {e}"));
            "; healthcheck ping failed".to_owned()
        }
    }
}

/// One device-sync pass when sync is set up (settings or PEDALWRENCHER_SYNC_*): a line for the
/// log, or `None` when a stop was asked for mid-pass. A failure is recorded for `status` and the
/// watchdog, never fatal to the cycle.
async fn devices_pass(
    access: &Mutex<Store>,
    dir: &Path,
    chosen_name: &str,
    stop_rx: &watch::Receiver<bool>,
) -> Option<String> {
    let secrets = match access.with(|s| Ok(secret_store(s, dir))) {
        Ok(Some(secrets)) => secrets,
        Ok(None) => return Some("devices: no secret store".into()),
        Err(e) => return Some(format!("devices: {e}")),
    };
    let config = match sync_config::load(secrets.as_ref()) {
        Ok(Some(config)) => config,
        Ok(None) => return Some("devices: not set up".into()),
        Err(e) => return Some(format!("devices: {e}")),
    };
    let transport = match OpendalTransport::new(&config.target) {
        Ok(t) => t,
        Err(e) => {
            let _ = access.with(|s| dev_sync::record_failure(s, &e.message));
            return Some(format!("devices: {}", e.message));
        }
    };
    let name = sync_config::device_name(chosen_name);
    let pass = dev_sync::pass(access, &transport, config.passphrase.expose(), &name);
    let outcome = tokio::select! {
        r = pass => r,
        _ = stop_asked(stop_rx.clone()) => return None,
    };
    Some(match outcome {
        Ok(r) => format!(
            "devices: sent {} file(s), read {}, {} field(s) merged",
            r.pushed_files, r.pulled_files, r.applied.fields
        ),
        Err(e) => format!("devices: {e}"),
    })
}

/// One cycle. `Ok(None)` when a stop was asked for mid-cycle; otherwise the interval to wait.
async fn cycle(
    access: &Mutex<Store>,
    dir: &Path,
    options: &Options,
    holder: &str,
    n: u32,
    stopping: &Arc<AtomicBool>,
    stop_rx: &watch::Receiver<bool>,
) -> Result<Option<Duration>> {
    let started = Instant::now();
    let mut problems: Vec<String> = Vec::new();
    let settings = match settings::load(dir) {
        Ok(s) => s,
        Err(e) => {
            problems.push(e.to_string());
            settings::Settings::default()
        }
    };
    let interval = options
        .interval_seconds
        .map(Duration::from_secs)
        .unwrap_or_else(|| settings.sync_interval());

    // Strava.
    let st = access.with(|s| strava_state::load(s.connection()))?;
    let strava = if st.connected() || tokens::configured_by_env() {
        match access.with(|s| Ok(secret_store(s, dir)))? {
            None => "strava: no secret store".to_owned(),
            Some(secrets) => {
                let sync_options = SyncOptions {
                    interval,
                    holder: holder.to_owned(),
                    ..SyncOptions::default()
                };
                let config = StravaConfig::from_env();
                let sync = strava_sync::sync(
                    access,
                    secrets.as_ref(),
                    &config,
                    Arc::new(SystemClock),
                    &sync_options,
                );
                let outcome = tokio::select! {
                    r = sync => r,
                    _ = stop_asked(stop_rx.clone()) => return Ok(None),
                };
                match outcome {
                    Ok(r) => format!(
                        "strava: +{} rides, {} updated, {} deleted",
                        r.changes.rides_added, r.changes.rides_updated, r.changes.rides_deleted
                    ),
                    Err(e) => format!("strava: {e}"),
                }
            }
        }
    } else {
        "strava: not connected".to_owned()
    };

    // The rider's other devices: their edits before reminders are evaluated, so a service done
    // on the phone stops this server's reminder for it.
    let devices = devices_pass(access, dir, &settings.device_name, stop_rx).await;
    let Some(devices) = devices else {
        return Ok(None);
    };

    // Reminders and delivery.
    let (new, report) = match access.with(|s| channels(s, dir)) {
        Err(e) => {
            problems.push(e.to_string());
            (0, DrainReport::default())
        }
        Ok(channels) => {
            let new = access.with(|s| reminders::evaluate(s, &channels.fan_out()))?;
            let senders = senders(&channels, options.units);
            let refs: Vec<&dyn Sender> = senders.iter().map(|s| s.as_ref()).collect();
            let drain_options = DrainOptions {
                holder: holder.to_owned(),
                ..DrainOptions::from_env()
            };
            let stop = || stopping.load(Ordering::SeqCst);
            let report = {
                let drain = outbox::drain_until(access, &refs, &drain_options, &stop);
                tokio::select! {
                    r = drain => Some(r),
                    _ = async {
                        stop_asked(stop_rx.clone()).await;
                        tokio::time::sleep(options.grace).await;
                    } => None,
                }
            };
            match report {
                // Abandoned after the grace period: the caller gives the claim back.
                None => return Ok(None),
                Some(r) => (new.len(), r?),
            }
        }
    };
    if stopping.load(Ordering::SeqCst) {
        return Ok(None);
    }

    // Heartbeat, watchdog, dead-man's switch.
    let cycle_ok = problems.is_empty();
    let config = watchdog_config(dir).unwrap_or_default();
    let health = access.with(|s| {
        watchdog::cycle_finished(
            s,
            heartbeat::SERVE,
            holder,
            interval,
            cycle_ok,
            &config,
            Some(watchdog::AUDIENCE_SERVE),
        )
    })?;
    let healthy = cycle_ok && health.healthy;
    let pinged = ping(dir, healthy).await;
    log(&format!(
        "cycle {n}: {strava}; {devices}; {new} new reminder{}; sent {}, retrying {}, failed {}; {}{pinged} ({} ms)",
        if new == 1 { "" } else { "s" },
        report.sent.len(),
        report.retrying.len(),
        report.failed.len(),
        if healthy {
            "healthy".to_owned()
        } else if health.problems.is_empty() {
            format!("unhealthy: {}", problems.join("; "))
        } else {
            format!("unhealthy: {} problem(s)", health.problems.len())
        },
        started.elapsed().as_millis()
    ));
    for e in &health.newly_opened {
        log(&problem_lines(e, true));
    }
    for e in &health.cleared {
        log(&format!("cleared: {}", e.title));
    }
    Ok(Some(interval))
}
