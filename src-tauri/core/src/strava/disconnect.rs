//! Disconnecting: revoke at Strava, forget the tokens, and delete the rides that came from
//! Strava (its API agreement asks for it) — after folding the wear they caused into each rule's
//! carried-over usage, so no chain jumps back to "ok".

use std::collections::HashMap;

use serde::Serialize;

use crate::error::Result;
use crate::garage::carried;
use crate::garage::rides::{self, RideSource};
use crate::ids::RuleId;
use crate::secrets::SecretStore;
use crate::store::lease::{self, Lease};
use crate::store::Store;
use crate::strava::api::Config;
use crate::strava::sync::{StoreAccess, LEASE};
use crate::strava::{auth, state, tokens, StravaError};
use crate::wear::metric::Metric;
use crate::wear::usage::{self, Scope};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Disconnected {
    /// False when Strava could not be told (offline, or the tokens were already refused); the
    /// rider can revoke on strava.com/settings/apps.
    pub revoked: bool,
    pub revoke_problem: Option<String>,
    pub rides_deleted: usize,
    /// Rules that keep wear from the deleted rides.
    pub rules_carried: usize,
}

/// Disconnects, holding the sync lease as `holder` (a pass running elsewhere makes this wait for
/// the rider to try again, so no pass writes Strava rides after they were deleted).
pub async fn disconnect(
    access: &impl StoreAccess,
    secrets: &dyn SecretStore,
    config: &Config,
    holder: &str,
) -> Result<Disconnected> {
    match access.with(|s| lease::acquire(s, LEASE, holder, 5 * 60 * 1000))? {
        Lease::Held(_) => {}
        Lease::Busy { holder, .. } => return Err(StravaError::Busy { holder }.into()),
    }
    let result = disconnect_holding_lease(access, secrets, config).await;
    let released = access.with(|s| lease::release(s, LEASE, holder));
    let done = result?;
    released?;
    Ok(done)
}

async fn disconnect_holding_lease(
    access: &impl StoreAccess,
    secrets: &dyn SecretStore,
    config: &Config,
) -> Result<Disconnected> {
    let st = access.with(|s| state::load(s.connection()))?;
    let now_s = access.with(|s| Ok(s.now().millis() / 1000))?;
    // Revoke first, while the tokens still work; a failure does not stop the rest.
    let revoke = match tokens::app(secrets, st.client_id.as_deref())? {
        Some(app) => match tokens::access_token(secrets, &app, config, now_s).await {
            Ok(token) => auth::deauthorize(config, &token).await,
            Err(e) => Err(e),
        },
        None => Err(StravaError::NotConnected),
    };
    tokens::forget(secrets)?;
    let (rides_deleted, rules_carried) = access.with(fold_and_delete)?;
    let (revoked, revoke_problem) = match revoke {
        Ok(()) => (true, None),
        Err(e) => (false, Some(e.to_string())),
    };
    Ok(Disconnected {
        revoked,
        revoke_problem,
        rides_deleted,
        rules_carried,
    })
}

/// In one write: the wear every rule has now, the Strava rides erased, the difference carried.
fn fold_and_delete(store: &mut Store) -> Result<(usize, usize)> {
    let now = store.now();
    let tx = store.write()?;
    let metrics: HashMap<RuleId, Metric> = {
        let mut stmt = tx.prepare("SELECT id, metric FROM rules WHERE deleted_at IS NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let before: HashMap<RuleId, f64> = usage::compute(&tx, Scope::All)?
        .into_iter()
        .map(|(id, u)| (id, u.used))
        .collect();
    let account = state::load(&tx)?.athlete_id.map(|a| a.to_string());
    let live: i64 = tx.query_row(
        "SELECT COUNT(*) FROM rides WHERE source = 'strava' AND deleted_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    rides::scrub_source(&tx, RideSource::Strava, now)?;
    let mut carried_rules = 0;
    for (rule, after) in usage::compute(&tx, Scope::All)? {
        let lost = before.get(&rule).copied().unwrap_or(0.0) - after.used;
        if lost > 0.0 && metrics.get(&rule).is_some_and(|m| *m != Metric::Days) {
            carried::add(&tx, &rule, "strava", account.as_deref(), lost, now)?;
            carried_rules += 1;
        }
    }
    usage::refresh(&tx, Scope::All, now)?;
    state::disconnect(&tx)?;
    tx.commit()?;
    Ok((live as usize, carried_rules))
}
