//! Keeping a new connection, and how the connection stands, for the window and the CLI.

use serde::Serialize;

use crate::error::Result;
use crate::secrets::SecretStore;
use crate::store::Store;
use crate::strava::auth::Connected;
use crate::strava::ratelimit::Budget;
use crate::strava::state::{self, Status, StravaState};
use crate::strava::sync::StoreAccess;
use crate::strava::tokens;
use crate::time::Timestamp;

/// Keeps a connection the rider just approved: secrets in the keyring (the refresh token first),
/// the athlete in the garage. Wear carried over from an earlier connection stays until this
/// athlete's first complete import brings the rides back (see `apply::finish_history`).
pub fn save(access: &impl StoreAccess, secrets: &dyn SecretStore, c: &Connected) -> Result<()> {
    tokens::keep(secrets, &c.client_secret, &c.tokens)?;
    access.with(|s| {
        let now = s.now();
        state::connect(
            s.connection(),
            &c.client_id,
            c.athlete_id,
            &c.athlete_name,
            &c.scopes,
            now,
        )
    })
}

/// The connection as the rider should see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Overview {
    #[serde(flatten)]
    pub state: StravaState,
    /// One line for the header: "Synced 14:05", "Offline — will retry at 14:10", …
    pub summary: String,
    /// Strava rides this garage has.
    pub rides: i64,
    /// Rides without a bike, waiting for the rider.
    pub unassigned_rides: i64,
    /// The rate-limit usage as of the last response, if any.
    pub budget: Option<Budget>,
    /// Configured by environment variables (a headless server), not by connecting here.
    pub from_environment: bool,
}

pub fn overview(store: &Store) -> Result<Overview> {
    let st = state::load(store.connection())?;
    let (rides, unassigned): (i64, i64) = store.connection().query_row(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE bike_id IS NULL) FROM rides
         WHERE source = 'strava' AND deleted_at IS NULL",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(Overview {
        summary: summary(&st, store.now()),
        budget: st.budget,
        from_environment: tokens::configured_by_env(),
        rides,
        unassigned_rides: unassigned,
        state: st,
    })
}

fn when(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "soon".to_owned(), Timestamp::local_time)
}

fn summary(st: &StravaState, now: Timestamp) -> String {
    let importing = st.listing.is_some() && !st.history_complete;
    match st.status {
        Status::Disconnected => "Not connected to Strava".to_owned(),
        Status::Ok if importing => "Importing your Strava history…".to_owned(),
        Status::Ok => match st.last_success_at {
            Some(t) if t.local_date() == now.local_date() => format!("Synced {}", t.local_time()),
            Some(t) => format!("Synced {}", t.local_date_time()),
            None => "Connected; first sync soon".to_owned(),
        },
        Status::Offline => format!("Offline — will retry at {}", when(st.next_attempt_at)),
        Status::RateLimited => format!(
            "Strava's rate limit reached — resuming at {}",
            when(st.paused_until.or(st.next_attempt_at))
        ),
        Status::ReconnectNeeded => "Strava refused the connection — reconnect".to_owned(),
        Status::Error => format!("Sync failed — will retry at {}", when(st.next_attempt_at)),
    }
}
