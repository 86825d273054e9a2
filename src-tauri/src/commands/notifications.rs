//! Notifications settings, secrets, "Send test", delivery health and "Check now".

use pedalwrencher_core::delivery::channels;
use pedalwrencher_core::delivery::outbox;
use pedalwrencher_core::delivery::{Channel, SendError};
use pedalwrencher_core::env;
use pedalwrencher_core::runner::{DeliverReport, Job, JobReport, Wake};
use pedalwrencher_core::secrets;
use pedalwrencher_core::settings::{self, Settings};
use pedalwrencher_core::Error;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};

use crate::background;
use crate::health::{self, Health};
use crate::native::NativeSender;
use crate::state::{AppState, CommandError};

/// The settings as the screen shows them: the file's values, whether each secret is stored
/// (never the secret itself), and which environment variables override what is typed here.
#[derive(Debug, Serialize, specta::Type)]
pub struct NotificationSettings {
    pub settings: Settings,
    pub smtp_password_set: bool,
    pub twilio_token_set: bool,
    pub secrets_in: Option<String>,
    pub env_overrides: Vec<&'static str>,
}

#[tauri::command(async)]
#[specta::specta]
pub fn notification_settings(
    state: State<'_, AppState>,
) -> Result<NotificationSettings, CommandError> {
    let settings = settings::load(state.data_dir()).map_err(CommandError::from)?;
    let store = state
        .secrets()
        .map_err(|e| tracing::warn!("{e}; only secrets given in the environment are used"))
        .ok();
    let is_set = |key: &str| {
        store
            .as_ref()
            .and_then(|s| s.get(key).ok().flatten())
            .is_some_and(|v| !v.is_empty())
    };
    Ok(NotificationSettings {
        smtp_password_set: is_set(secrets::SMTP_PASSWORD),
        twilio_token_set: is_set(secrets::TWILIO_AUTH_TOKEN),
        secrets_in: store.as_ref().map(|s| s.describe()),
        env_overrides: env::env().set_of(&env::DELIVERY),
        settings,
    })
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct SecretInput {
    /// "smtp_password" or "twilio_auth_token".
    pub key: String,
    /// Empty: forget it.
    pub value: String,
}

/// Stores the SMTP password or the Twilio auth token in the keyring (or the private secrets
/// file when there is none): never in settings.json.
#[tauri::command(async)]
#[specta::specta]
pub fn set_secret(state: State<'_, AppState>, input: SecretInput) -> Result<(), CommandError> {
    let key = match input.key.as_str() {
        secrets::SMTP_PASSWORD => secrets::SMTP_PASSWORD,
        secrets::TWILIO_AUTH_TOKEN => secrets::TWILIO_AUTH_TOKEN,
        _ => {
            return Err(CommandError::from(Error::Invalid(
                "only the SMTP password and the Twilio auth token are kept as secrets".to_owned(),
            )))
        }
    };
    let garage = state.with(|s| s.garage_id())?;
    let store = secrets::open(state.data_dir(), &garage).map_err(CommandError::from)?;
    if input.value.is_empty() {
        store.delete(key).map_err(CommandError::from)?;
    } else {
        store.set(key, &input.value).map_err(CommandError::from)?;
    }
    Ok(())
}

#[derive(Debug, Deserialize, specta::Type)]
pub struct ChannelInput {
    pub channel: Channel,
}

/// What "Send test" says: ok, or the kind of failure (auth_failed, connection_refused,
/// certificate_not_trusted, bad_number, not_configured, …) and the words for it.
#[derive(Debug, Serialize, specta::Type)]
pub struct TestOutcome {
    pub ok: bool,
    pub kind: Option<&'static str>,
    pub message: String,
}

impl TestOutcome {
    fn of(channel: Channel, result: Result<(), SendError>) -> TestOutcome {
        match result {
            Ok(()) => TestOutcome {
                ok: true,
                kind: None,
                message: channel.tested().to_owned(),
            },
            Err(e) => TestOutcome {
                ok: false,
                kind: Some(e.kind()),
                message: upper_first(&e.to_string()),
            },
        }
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Sends a test on one channel with the saved settings (the channel need not be on yet).
#[tauri::command]
#[specta::specta]
pub async fn send_test(
    app: AppHandle,
    state: State<'_, AppState>,
    input: ChannelInput,
) -> Result<TestOutcome, CommandError> {
    let settings = settings::load(state.data_dir()).map_err(CommandError::from)?;
    let units = settings.units;
    let secrets = || state.secrets().ok();
    let sender = channels::test_sender(
        input.channel,
        &channels::Context {
            settings: &settings,
            units,
            env: env::env(),
            secrets: &secrets,
            native: Some(std::sync::Arc::new(NativeSender { app, units })),
        },
    );
    let result = match sender {
        Ok(sender) => sender.send_test().await,
        Err(e) => Err(e),
    };
    Ok(TestOutcome::of(input.channel, result))
}

#[tauri::command(async)]
#[specta::specta]
pub fn delivery_health(state: State<'_, AppState>) -> Result<Health, CommandError> {
    health::health(&state).map_err(CommandError::from)
}

/// Gives a failed channel's deliveries another full set of attempts, and tries now.
#[tauri::command(async)]
#[specta::specta]
pub fn retry_failed(
    app: AppHandle,
    state: State<'_, AppState>,
    input: ChannelInput,
) -> Result<u32, CommandError> {
    let n = state.with(|s| outbox::retry_failed(s, input.channel))?;
    background::wake(&app, Wake::Now(Job::Deliver));
    Ok(n)
}

/// How long "Check now" waits for a sync running here before it leaves the check to the runner.
const CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Evaluates and delivers now (after the pass running, if any) and says what it did.
#[tauri::command]
#[specta::specta]
pub async fn check_now(app: AppHandle) -> Result<DeliverReport, CommandError> {
    match background::runner(&app)
        .run_after_current(Job::Deliver, CHECK_WAIT)
        .await
    {
        Some(JobReport::Deliver(report)) => Ok(report),
        Some(_) => Err(CommandError::app(
            "the delivery job reported something else",
        )),
        None => Err(CommandError {
            kind: pedalwrencher_core::ErrorKind::Conflict,
            message: "a sync is running; reminders are checked as soon as it ends".into(),
        }),
    }
}
