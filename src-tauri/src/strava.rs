//! Connecting to Strava from the window. The core does the OAuth (`auth::begin` binds a one-shot
//! listener on 127.0.0.1 and builds the authorize URL; `Pending::finish` waits for Strava to send
//! the browser back and exchanges the code); this module opens the page in the system browser,
//! from Rust (the web view has no opener permission), waits in the background for up to ten
//! minutes, keeps the connection and starts the first sync. One attempt at a time: a new one, or
//! Cancel, drops the previous one and its listener.
//!
//! On phones the same attempt finishes through a deep link instead of the listener (see
//! `mobile.rs`): the authorize URL is rewritten to Strava's mobile page with the
//! `pedalwrencher://localhost/strava` redirect, and the link's query is handed to the attempt.

use std::sync::Mutex;
use std::time::Duration;

use pedalwrencher_core::strava::api::Config;
use pedalwrencher_core::strava::auth::{self, Connected, Pending};
use pedalwrencher_core::strava::connection::{self, Overview};
use pedalwrencher_core::strava::StravaError;
use serde::Serialize;
use tauri::{AppHandle, Manager};
use tauri_plugin_opener::OpenerExt;
use tauri_specta::Event;
use tokio::sync::oneshot;

use pedalwrencher_core::runner::{Job, Wake};

use crate::background;
use crate::events::StravaChanged;
use crate::state::{with_secrets, AppState, CommandError};

/// How long Strava's page may stay open before the attempt gives up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The connection attempt in progress, if any, and how the last one failed.
#[derive(Default)]
pub struct Connector {
    slot: Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    attempts: u64,
    active: Option<Active>,
    last_error: Option<String>,
}

struct Active {
    id: u64,
    authorize_url: String,
    /// Dropping it stops the attempt: its task ends and the listener closes.
    _stop: oneshot::Sender<()>,
    /// Where a deep link's query goes (phones; unused where the loopback listener answers).
    redirect: Option<oneshot::Sender<String>>,
}

/// The Strava section's view of the connection: the core's overview and what is going on here.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct StravaStatus {
    #[serde(flatten)]
    pub overview: Overview,
    /// Waiting for the rider to approve on Strava's page.
    pub connecting: bool,
    /// The page being waited on, for the rider to copy if the browser did not open.
    pub authorize_url: Option<String>,
    /// Why the last attempt failed (declined, timed out, wrong secret…), until the next one.
    pub connect_error: Option<String>,
    /// A sync pass is running in this window's process.
    pub syncing: bool,
}

/// What Connect started.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Started {
    pub authorize_url: String,
    /// False when no browser could be started; the rider copies the address instead.
    pub opened: bool,
}

struct Begun {
    id: u64,
    stop: oneshot::Receiver<()>,
    #[cfg_attr(not(mobile), allow(dead_code))]
    redirect: oneshot::Receiver<String>,
}

impl Connector {
    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn begin(&self, authorize_url: &str) -> Begun {
        let mut slot = self.lock();
        slot.attempts += 1;
        let (stop_tx, stop) = oneshot::channel();
        let (redirect_tx, redirect) = oneshot::channel();
        // Replacing the previous attempt drops its stop sender, which ends it.
        slot.active = Some(Active {
            id: slot.attempts,
            authorize_url: authorize_url.to_owned(),
            _stop: stop_tx,
            redirect: Some(redirect_tx),
        });
        slot.last_error = None;
        Begun {
            id: slot.attempts,
            stop,
            redirect,
        }
    }

    /// Ends attempt `id` (unless a newer one replaced it) with how it went; true if it was the
    /// current one.
    fn end(&self, id: u64, error: Option<String>) -> bool {
        let mut slot = self.lock();
        if slot.active.as_ref().is_none_or(|a| a.id != id) {
            return false;
        }
        slot.active = None;
        slot.last_error = error;
        true
    }

    /// Stops the attempt in progress; true if there was one.
    pub fn cancel(&self) -> bool {
        let mut slot = self.lock();
        slot.last_error = None;
        slot.active.take().is_some()
    }

    /// Hands the query of Strava's redirect (a deep link on phones) to the attempt waiting for
    /// it; false when none is.
    #[cfg_attr(not(mobile), allow(dead_code))]
    pub fn deliver(&self, query: &str) -> bool {
        let mut slot = self.lock();
        match slot.active.as_mut().and_then(|a| a.redirect.take()) {
            Some(tx) => tx.send(query.to_owned()).is_ok(),
            None => false,
        }
    }

    pub fn status(&self, overview: Overview, syncing: bool) -> StravaStatus {
        let slot = self.lock();
        StravaStatus {
            overview,
            connecting: slot.active.is_some(),
            authorize_url: slot.active.as_ref().map(|a| a.authorize_url.clone()),
            connect_error: slot.last_error.clone(),
            syncing,
        }
    }
}

/// The page to open: Strava's authorize page on this machine's Strava address, and nothing else
/// (the URL goes to the system's opener, which would run whatever it is given).
fn checked_url(url: &str, config: &Config) -> Result<(), CommandError> {
    let page = if cfg!(mobile) {
        "/oauth/mobile/authorize?"
    } else {
        "/oauth/authorize?"
    };
    if url.starts_with(&format!("{}{page}", config.base_url)) {
        Ok(())
    } else {
        Err(StravaError::Invalid(format!(
            "refusing to open an unexpected address instead of Strava's page ({})",
            config.base_url
        ))
        .into())
    }
}

/// Starts connecting: the listener, the page in the browser, and the wait in the background.
pub async fn connect(
    app: &AppHandle,
    client_id: &str,
    client_secret: &str,
) -> Result<Started, CommandError> {
    let config = Config::from_env();
    let pending = auth::begin(&config, client_id, client_secret).await?;
    #[cfg(mobile)]
    let authorize_url = crate::mobile::authorize_url(&pending.authorize_url, &config)?;
    #[cfg(not(mobile))]
    let authorize_url = pending.authorize_url.clone();
    checked_url(&authorize_url, &config)?;

    let begun = app.state::<Connector>().begin(&authorize_url);
    tauri::async_runtime::spawn(finish(app.clone(), pending, begun));
    // The client id and the one-time `state` are in the URL: only where it goes is logged.
    tracing::info!(strava = %config.base_url, "opening Strava's authorize page in the browser");
    let opened = match app.opener().open_url(&authorize_url, None::<&str>) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!("could not open the browser ({e}); the address is shown to copy");
            false
        }
    };
    let _ = StravaChanged.emit(app);
    Ok(Started {
        authorize_url,
        opened,
    })
}

/// Waits for the rider's answer, keeps the connection and asks for the first sync.
async fn finish(app: AppHandle, pending: Pending, begun: Begun) {
    let Begun { id, stop, redirect } = begun;
    let answer = tokio::select! {
        r = approved(pending, redirect) => r,
        // Cancelled, or replaced by a newer attempt.
        _ = stop => {
            tracing::info!("connecting to Strava stopped");
            return;
        }
    };
    let saved = match answer {
        Ok(connected) => {
            tracing::info!(
                athlete_id = connected.athlete_id,
                "Strava approved the connection"
            );
            with_secrets(&app, move |state, secrets| {
                connection::save(state, secrets, &connected)
            })
            .await
        }
        Err(e) => {
            tracing::info!("connecting to Strava failed: {e}");
            Err(e.into())
        }
    };
    let ok = saved.is_ok();
    app.state::<Connector>()
        .end(id, saved.err().map(|e| e.message));
    let _ = StravaChanged.emit(&app);
    if ok {
        background::wake(&app, Wake::StravaConnected);
    }
}

/// The loopback listener's answer on desktop; the deep link's on phones.
#[cfg(not(mobile))]
async fn approved(
    pending: Pending,
    _redirect: oneshot::Receiver<String>,
) -> Result<Connected, StravaError> {
    pending.finish(CONNECT_TIMEOUT).await
}

#[cfg(mobile)]
async fn approved(
    pending: Pending,
    redirect: oneshot::Receiver<String>,
) -> Result<Connected, StravaError> {
    crate::mobile::finish(pending, redirect, CONNECT_TIMEOUT).await
}

/// Hands Strava's answer, when it arrives as a deep link, to the attempt waiting for it.
#[cfg(mobile)]
pub fn listen_for_deep_links(app: &AppHandle) {
    use tauri_plugin_deep_link::DeepLinkExt;
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            if let Some(query) = crate::mobile::answer_query(&url) {
                let delivered = handle.state::<Connector>().deliver(&query);
                tracing::info!(delivered, "Strava's answer arrived by deep link");
            }
        }
    });
}

/// The status the Strava section shows.
pub fn status(app: &AppHandle) -> Result<StravaStatus, CommandError> {
    let overview = app.state::<AppState>().with(|s| connection::overview(s))?;
    let syncing = background::runner(app).running(Job::Strava);
    Ok(app.state::<Connector>().status(overview, syncing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stravas_authorize_page_is_opened() {
        let config = Config {
            base_url: "http://127.0.0.1:4000".into(),
            ..Config::default()
        };
        assert!(checked_url("http://127.0.0.1:4000/oauth/authorize?client_id=1", &config).is_ok());
        for bad in [
            "http://127.0.0.1:4000/oauth/authorizeX?client_id=1",
            "http://127.0.0.1:40001/oauth/authorize?client_id=1",
            "file:///etc/passwd",
            "http://evil.example/oauth/authorize?",
        ] {
            assert!(checked_url(bad, &config).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_new_attempt_or_cancel_ends_the_previous_one() {
        let c = Connector::default();
        let mut first = c.begin("u1");
        let second = c.begin("u2");
        // The first attempt's stop sender was dropped: its task would end.
        assert!(matches!(
            first.stop.try_recv(),
            Err(oneshot::error::TryRecvError::Closed)
        ));
        assert!(
            !c.end(first.id, Some("late".into())),
            "a replaced attempt changes nothing"
        );
        assert!(c.deliver("code=1&state=x"));
        assert!(c.end(second.id, Some("declined".into())));
        assert!(!c.cancel());
        let third = c.begin("u3");
        assert!(c.cancel());
        assert!(!c.end(third.id, None));
    }
}
