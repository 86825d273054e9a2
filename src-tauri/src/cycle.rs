//! The background cycle, single-flight: evaluate the rules (writing each reminder once) and drain
//! the outbox through this device's channels — native notifications always in the app, email and
//! SMS only when they are on for this device. It runs at start, on a timer, when the settings
//! change and on "Check now". A channel whose deliveries ended `failed` raises one native warning
//! per episode and a banner in the window until it clears.
//!
//! The Strava pass belongs before the evaluation once the app syncs (the `strava` branch); the
//! cycle already runs whether or not Strava is connected.

use std::time::Duration;

use pedalwrencher_core::delivery::config::{self, Channels};
use pedalwrencher_core::delivery::email::EmailSender;
use pedalwrencher_core::delivery::outbox::{self, ChannelHealth, DrainOptions};
use pedalwrencher_core::delivery::reminders;
use pedalwrencher_core::delivery::sender::Unusable;
use pedalwrencher_core::delivery::sms::SmsSender;
use pedalwrencher_core::delivery::{Channel, Sender};
use pedalwrencher_core::secrets::{self, SecretStore};
use pedalwrencher_core::settings::{self, Settings};
use pedalwrencher_core::units::Units;
use pedalwrencher_core::watchdog::{self, heartbeat, Episode, Kind};
use pedalwrencher_core::{Advice, Result};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::native::{self, NativeSender};
use crate::state::AppState;

/// Test-only: the timer's period in milliseconds instead of the sync interval setting.
pub const TICK_ENV: &str = "PEDALWRENCHER_CYCLE_MS";
/// The window reloads the garage on this event.
pub const GARAGE_CHANGED: &str = "garage-changed";
/// The window updates its failed-channel banner on this event.
pub const HEALTH_CHANGED: &str = "delivery-health";

/// The cycle's shared state: one cycle at a time (the watchdog remembers who was told what).
pub struct Cycle {
    running: tokio::sync::Mutex<()>,
    wake: tokio::sync::Notify,
}

impl Cycle {
    pub fn new() -> Cycle {
        Cycle {
            running: tokio::sync::Mutex::new(()),
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Runs a cycle soon (settings changed, a failed channel is retried).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// A channel whose deliveries failed for good: what the banner says.
#[derive(Debug, Clone, Serialize)]
pub struct Failing {
    pub channel: Channel,
    pub failed: u32,
    pub reason: String,
    pub message: String,
}

/// How delivery stands on this device.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    pub channels: Vec<ChannelHealth>,
    pub failing: Vec<Failing>,
    /// The watchdog's other open problems (Strava sync, a stopped loop); failing channels are
    /// in `failing`.
    pub problems: Vec<Episode>,
}

/// What one cycle did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CycleSummary {
    pub new_reminders: u32,
    pub sent: u32,
    pub retrying: u32,
    pub failed: u32,
}

fn label(channel: Channel) -> &'static str {
    match channel {
        Channel::Notification => "Desktop",
        Channel::Email => "Email",
        Channel::Sms => "SMS",
    }
}

/// What to do about a watchdog episode, in the app's words (its sections and buttons), for its
/// native warnings. The window words the same advice in its banner (`ui/src/lib/advice.ts`).
fn words(advice: &Advice) -> String {
    match advice {
        Advice::ConnectStrava => "Connect to Strava in the Strava section.".to_owned(),
        Advice::ReconnectStrava => "Connect to Strava again in the Strava section.".to_owned(),
        Advice::CheckStravaSync => "Check this device's internet connection and the Strava status, then choose Sync now in the Strava section.".to_owned(),
        Advice::WaitForStravaLimit => "Nothing, if it is rare: syncing resumes on its own. If it happens every day, sync less often (Sync automatically, in the Strava section) or make sure no other tool shares your Strava API application.".to_owned(),
        Advice::CheckChannel { channel } => format!(
            "Fix the {} settings in Notifications settings and send a test, then retry the failed reminders (Retry).",
            channel
                .parse::<Channel>()
                .map_or_else(|_| channel.clone(), |c| c.label().to_owned())
        ),
        Advice::CheckSyncTarget => "Check this device's connection and that the sync target (folder, WebDAV or S3) is reachable, then choose Sync now in the Devices section.".to_owned(),
        Advice::SetUpSyncAgain => "Set up sync again in the Devices section.".to_owned(),
        Advice::RestartServer => "Check that the reminder server (`pedalwrencher-cli serve`) is running and that its machine is up; restart it if not.".to_owned(),
        Advice::StartTheApp => "Keep Pedalwrencher running: it keeps working from the tray when its window is closed.".to_owned(),
    }
}

pub fn health(state: &AppState) -> Result<Health> {
    let channels = state.with_core(|s| outbox::health(s))?;
    let failing = channels
        .iter()
        .filter(|h| h.failed > 0)
        .map(|h| {
            let reason = h
                .last_error
                .clone()
                .unwrap_or_else(|| "the last attempts did not go through".to_owned());
            Failing {
                channel: h.channel,
                failed: h.failed,
                message: format!(
                    "{} reminders are failing: {reason}. Check Notifications settings.",
                    label(h.channel)
                ),
                reason,
            }
        })
        .collect();
    let problems = state
        .with_core(|s| watchdog::open_episodes(s, Some(watchdog::AUDIENCE_APP)))?
        .into_iter()
        .filter(|e| e.kind != Kind::ChannelFailed)
        .collect();
    Ok(Health {
        channels,
        failing,
        problems,
    })
}

/// The device settings; a file that cannot be read is logged and defaults are used (native
/// reminders still go out; forwarding waits until the file is fixed).
pub fn load_settings(state: &AppState) -> Settings {
    settings::load(state.data_dir()).unwrap_or_else(|e| {
        tracing::warn!("{e}; using the default settings for this cycle");
        Settings::default()
    })
}

/// The secret store, when one opens.
pub fn secret_store(state: &AppState) -> Option<Box<dyn SecretStore>> {
    let garage = state.with_core(|s| s.garage_id()).ok()?;
    match secrets::open(state.data_dir(), &garage) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!("{e}; only secrets given in the environment are used");
            None
        }
    }
}

/// This device's channels from the settings, the secret store and the environment.
pub fn channels(state: &AppState, settings: &Settings) -> Channels {
    let forwarding = settings.notify_email
        || settings.notify_sms
        || [
            config::SMTP_URL_ENV,
            config::EMAIL_TO_ENV,
            config::TWILIO_ACCOUNT_SID_ENV,
            config::SMS_TO_ENV,
        ]
        .iter()
        .any(|k| config::process_env(k).is_some());
    // The keyring is only asked when a forwarding channel may need a secret.
    let secrets = if forwarding {
        secret_store(state)
    } else {
        None
    };
    config::resolve(settings, secrets.as_deref(), &config::process_env)
}

fn forwarders(channels: &Channels, units: Units) -> Vec<Box<dyn Sender>> {
    let mut out: Vec<Box<dyn Sender>> = Vec::new();
    if let Some(email) = &channels.email {
        out.push(
            match email.clone().and_then(|c| EmailSender::new(c, units)) {
                Ok(s) => Box::new(s),
                Err(error) => Box::new(Unusable {
                    channel: Channel::Email,
                    error,
                }),
            },
        );
    }
    if let Some(sms) = &channels.sms {
        out.push(match sms.clone().and_then(|c| SmsSender::new(c, units)) {
            Ok(s) => Box::new(s),
            Err(error) => Box::new(Unusable {
                channel: Channel::Sms,
                error,
            }),
        });
    }
    out
}

/// One cycle. Waits for a cycle already running, then runs its own.
pub async fn run<R: Runtime>(app: &AppHandle<R>) -> Result<CycleSummary> {
    let cycle = app.state::<Cycle>();
    let state = app.state::<AppState>();
    let _single = cycle.running.lock().await;

    let settings = load_settings(&state);
    let channels = channels(&state, &settings);
    let fan = channels.fan_out();
    let new = state.with_core(|s| reminders::evaluate(s, &fan))?;

    let native = NativeSender {
        app: app.clone(),
        units: settings.units,
    };
    let forwarders = forwarders(&channels, settings.units);
    let mut senders: Vec<&dyn Sender> = Vec::new();
    if channels.native {
        senders.push(&native);
    }
    senders.extend(forwarders.iter().map(|s| s.as_ref()));
    let report = outbox::drain(&*state, &senders, &DrainOptions::from_env()).await?;
    let summary = CycleSummary {
        new_reminders: new.len() as u32,
        sent: report.sent.len() as u32,
        retrying: report.retrying.len() as u32,
        failed: report.failed.len() as u32,
    };
    if summary.new_reminders + summary.sent + summary.retrying + summary.failed > 0 {
        tracing::info!(
            new = summary.new_reminders,
            sent = summary.sent,
            retrying = summary.retrying,
            failed = summary.failed,
            "delivery cycle"
        );
    }

    // The app's loop is alive: recorded before the watchdog looks, so a long-closed app does not
    // report itself as stopped when it starts again.
    let period = period(&state);
    let holder = pedalwrencher_core::store::lease::holder_id();
    let healthy = summary.failed == 0;
    state.with_core(|s| heartbeat::beat(s, heartbeat::APP, &holder, period, healthy))?;
    let checks = watchdog::Config::from_settings(&settings, &config::process_env);
    let watched = state.with_core(|s| watchdog::check(s, &checks, Some(watchdog::AUDIENCE_APP)))?;
    let health = health(&state)?;
    // One native warning per episode (the watchdog records that the app was told).
    for e in &watched.newly_opened {
        let (title, body) = if e.kind == Kind::ChannelFailed {
            // A failing desktop channel cannot warn through itself: the banner says it.
            if e.subject == Channel::Notification.as_str() {
                continue;
            }
            match health
                .failing
                .iter()
                .find(|f| f.channel.as_str() == e.subject)
            {
                Some(f) => (
                    format!("{} reminders are failing", label(f.channel)),
                    f.message.clone(),
                ),
                None => (
                    e.title.clone(),
                    format!("{} {}", e.banner, words(&e.advice)),
                ),
            }
        } else {
            (
                e.title.clone(),
                format!("{} {}", e.banner, words(&e.advice)),
            )
        };
        tracing::warn!("{body}");
        if let Err(err) = native::show(app, &title, &body, None) {
            tracing::warn!("could not show the warning: {err}");
        }
    }

    // The dead-man's switch: an outside monitor alerts when these pings stop (or say /fail).
    if let Some(url) = watchdog::healthcheck::configured(&settings, &config::process_env) {
        let healthy = watched.healthy && summary.failed == 0;
        match watchdog::healthcheck::Pinger::new(&url) {
            Ok(pinger) => {
                if let Err(e) = pinger.ping(healthy).await {
                    tracing::warn!("healthcheck ping failed: {e}");
                }
            }
            Err(e) => tracing::warn!("{e}"),
        }
    }

    let _ = app.emit(HEALTH_CHANGED, &health);
    let _ = app.emit(GARAGE_CHANGED, ());
    Ok(summary)
}

/// The timer's period.
fn period(state: &AppState) -> Duration {
    std::env::var(TICK_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|ms| Duration::from_millis(ms.max(100)))
        .unwrap_or_else(|| load_settings(state).sync_interval())
}

/// Starts the loop: a cycle now, then one each period or when woken.
pub fn start<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        loop {
            if let Err(e) = run(&app).await {
                tracing::warn!("delivery cycle failed: {e}");
            }
            let wait = period(&app.state::<AppState>());
            let cycle = app.state::<Cycle>();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = cycle.wake.notified() => {}
            }
        }
    });
}
