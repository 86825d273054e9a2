//! Where the connection's secrets live: the client secret, the refresh token and the cached
//! access token, in the garage's secret store (the OS keyring, else a private file). Headless
//! machines can pass them in the environment instead; a refresh token Strava rotates is stored
//! before anything else happens, and the stored one is preferred to the variable's, which Strava
//! may have invalidated.

use serde::{Deserialize, Serialize};

use crate::env;
use crate::faults;
use crate::secrets::SecretStore;
use crate::strava::api::Config;
use crate::strava::auth::{self, Issued};
use crate::strava::StravaError;

const CLIENT_SECRET: &str = "strava.client_secret";
const REFRESH_TOKEN: &str = "strava.refresh_token";
const ACCESS_TOKEN: &str = "strava.access_token";

/// An access token is used while it has this long left; after that it is refreshed. Longer than
/// the longest rate-limit pause inside a pass, so a token does not run out in the middle of one.
const MARGIN_S: i64 = 20 * 60;

#[derive(Clone, Serialize, Deserialize)]
struct CachedAccess {
    token: String,
    expires_at: i64,
}

/// A variable from the snapshot, trimmed.
fn env_var(name: &str) -> Option<String> {
    env::env().trimmed(name).map(str::to_owned)
}

/// The rider's Strava API application.
#[derive(Clone)]
pub struct App {
    pub client_id: String,
    pub client_secret: String,
}

/// The application to use: the environment's when set, else the connection's.
pub fn app(
    secrets: &dyn SecretStore,
    stored_client_id: Option<&str>,
) -> Result<Option<App>, StravaError> {
    let client_id = env_var(env::STRAVA_CLIENT_ID).or_else(|| stored_client_id.map(str::to_owned));
    let client_secret = match env_var(env::STRAVA_CLIENT_SECRET) {
        Some(s) => Some(s),
        None => secrets.get(CLIENT_SECRET)?,
    };
    Ok(match (client_id, client_secret) {
        (Some(client_id), Some(client_secret)) => Some(App {
            client_id,
            client_secret,
        }),
        _ => None,
    })
}

/// Whether the environment alone configures a connection (a headless server).
pub fn configured_by_env() -> bool {
    env::env().strava_configured()
}

/// Keeps a new connection's secrets. The refresh token goes first: it is the one thing that
/// cannot be had again without the rider.
pub fn keep(
    secrets: &dyn SecretStore,
    client_secret: &str,
    tokens: &Issued,
) -> Result<(), StravaError> {
    secrets.set(REFRESH_TOKEN, &tokens.refresh_token)?;
    secrets.set(CLIENT_SECRET, client_secret)?;
    keep_access(secrets, tokens)
}

fn keep_access(secrets: &dyn SecretStore, tokens: &Issued) -> Result<(), StravaError> {
    let cached = CachedAccess {
        token: tokens.access_token.clone(),
        expires_at: tokens.expires_at,
    };
    let text = serde_json::to_string(&cached)
        .map_err(|e| StravaError::Exchange(format!("could not encode the token: {e}")))?;
    secrets.set(ACCESS_TOKEN, &text)?;
    Ok(())
}

/// Forgets every Strava secret.
pub fn forget(secrets: &dyn SecretStore) -> Result<(), StravaError> {
    for key in [ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET] {
        secrets.delete(key)?;
    }
    Ok(())
}

/// The cached access token, if it has a while left.
pub fn cached_access(secrets: &dyn SecretStore, now_s: i64) -> Result<Option<String>, StravaError> {
    let Some(text) = secrets.get(ACCESS_TOKEN)? else {
        return Ok(None);
    };
    Ok(serde_json::from_str::<CachedAccess>(&text)
        .ok()
        .filter(|c| c.expires_at - now_s > MARGIN_S)
        .map(|c| c.token))
}

/// Forgets the cached access token (Strava refused it).
pub fn drop_access(secrets: &dyn SecretStore) -> Result<(), StravaError> {
    secrets.delete(ACCESS_TOKEN)?;
    Ok(())
}

/// An access token that works for a while: the cached one, else a refresh. Refresh tokens are
/// tried newest first: the stored one, then the environment's if it differs. A rotated refresh
/// token is stored before the access token is used.
pub async fn access_token(
    secrets: &dyn SecretStore,
    app: &App,
    config: &Config,
    now_s: i64,
) -> Result<String, StravaError> {
    if let Some(token) = cached_access(secrets, now_s)? {
        return Ok(token);
    }
    let mut candidates: Vec<String> = Vec::new();
    if let Some(stored) = secrets.get(REFRESH_TOKEN)? {
        candidates.push(stored);
    }
    if let Some(from_env) = env_var(env::STRAVA_REFRESH_TOKEN) {
        if !candidates.contains(&from_env) {
            candidates.push(from_env);
        }
    }
    if candidates.is_empty() {
        return Err(StravaError::NotConnected);
    }
    let mut last = StravaError::TokenRejected;
    for refresh_token in candidates {
        match auth::refresh(
            config,
            &app.client_id,
            &app.client_secret,
            &refresh_token,
            now_s,
        )
        .await
        {
            Ok(issued) => {
                secrets.set(REFRESH_TOKEN, &issued.refresh_token)?;
                faults::point("strava.refresh_stored");
                keep_access(secrets, &issued)?;
                return Ok(issued.access_token);
            }
            Err(StravaError::TokenRejected) => {
                tracing::info!("a Strava refresh token was refused; trying the next one if any");
                last = StravaError::TokenRejected;
            }
            Err(other) => return Err(other),
        }
    }
    Err(last)
}
