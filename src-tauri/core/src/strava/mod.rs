//! Strava: connect once, import the whole history, keep rides in sync — resumable,
//! rate-limit-safe and offline-safe, as Strava's public API documentation (developers.strava.com)
//! describes it: OAuth with rotating refresh tokens, rate limits per 15 minutes and per day.
//!
//! - `model` parses the parts of Strava's payloads the sync uses; `mapping` turns them into rides
//!   and bikes with ids derived from Strava's (the same on every device);
//! - `api` talks to Strava within `ratelimit`'s budget; `auth` connects (OAuth) and refreshes;
//!   `tokens` keeps the secrets in the keyring;
//! - `state` is this device's connection and progress; `apply` writes one page per transaction;
//! - `sync` runs one pass, telling `progress` as it goes; `units` follows the athlete's
//!   measurement preference until the rider chooses; `disconnect` revokes and deletes Strava's data, keeping the wear.

pub mod api;
pub mod apply;
pub mod auth;
pub mod connection;
pub mod disconnect;
pub mod mapping;
pub mod model;
pub mod progress;
pub mod ratelimit;
pub mod state;
pub mod sync;
pub mod tokens;
pub mod units;

use crate::advice::Advice;
use crate::error::{Error, ErrorKind};

/// What can go wrong talking to Strava, in words a rider can act on.
#[derive(Debug, thiserror::Error)]
pub enum StravaError {
    #[error("{0}")]
    Invalid(String),
    #[error("Strava refused the client id or secret; check both on strava.com/settings/api")]
    BadCredentials,
    #[error("Strava no longer accepts this connection (it was revoked, or the app's secret changed); connect to Strava again")]
    TokenRejected,
    #[error("you declined on Strava's page; connect again and choose Authorize")]
    Denied,
    #[error("Strava's page was not approved within {0} minutes; start connecting again")]
    TimedOut(u64),
    #[error("the answer from Strava's page does not belong to this connection attempt (an old tab?); start connecting again")]
    StateMismatch,
    #[error("Pedalwrencher needs you to allow {0}; connect again and leave those boxes ticked")]
    MissingScopes(String),
    #[error("the token exchange with Strava failed: {0}")]
    Exchange(String),
    #[error("{0}")]
    Listener(String),
    /// Each front end adds where to connect ([`Advice::ConnectStrava`]).
    #[error("not connected to Strava; connect first")]
    NotConnected,
    #[error(
        "another Pedalwrencher ({holder}) is syncing with Strava right now; this one stood aside"
    )]
    Busy { holder: String },
    #[error(transparent)]
    Api(#[from] api::ApiError),
    #[error(transparent)]
    Garage(Box<Error>),
}

impl From<Error> for StravaError {
    fn from(e: Error) -> Self {
        StravaError::Garage(Box::new(e))
    }
}

impl StravaError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            StravaError::Invalid(_) => ErrorKind::Invalid,
            StravaError::Garage(e) => e.kind(),
            StravaError::Busy { .. } => ErrorKind::Conflict,
            _ => ErrorKind::Remote,
        }
    }
}

impl From<StravaError> for Error {
    fn from(e: StravaError) -> Self {
        match e {
            StravaError::Garage(inner) => *inner,
            StravaError::NotConnected => Error::NeedsAction {
                kind: e.kind(),
                message: e.to_string(),
                advice: Advice::ConnectStrava,
            },
            other => Error::Remote {
                kind: other.kind(),
                message: other.to_string(),
            },
        }
    }
}
