//! When each job's own timer is due, read from the garage and the settings at each look: what the
//! last pass recorded (success, back-off, a rate-limit pause) decides the next, so another
//! process syncing the same garage (the CLI, `serve`) moves this one's timers too.

use crate::env;
use crate::runner::host::Host;
use crate::runner::schedule::{Policy, Timers};
use crate::runner::Runner;
use crate::settings::Settings;
use crate::store::StoreAccess;
use crate::strava::state::{self as strava_state, Status};
use crate::strava::tokens;
use crate::sync::status as sync_status;

/// The shortest reminder period or cycle interval (tests shorten it to this).
const MIN_PERIOD_MS: i64 = 100;
/// A failed device pass is tried again after this long at most (sooner if the interval is).
const DEVICES_RETRY_MS: i64 = 5 * 60_000;

pub(super) fn timers<H: Host>(runner: &Runner<H>, settings: &Settings) -> Timers {
    let host = runner.host();
    // Never a busy loop, whatever a hand-edited settings file says.
    let period_ms = (host.period(settings).as_millis() as i64).max(MIN_PERIOD_MS);
    let strava_interval_ms = (host.strava_interval(settings).as_millis() as i64).max(MIN_PERIOD_MS);
    if let Policy::Cycles { .. } = runner.policy() {
        return Timers {
            strava: None,
            devices: None,
            period_ms,
            strava_interval_ms,
        };
    }
    Timers {
        strava: strava_due(host, strava_interval_ms),
        devices: runner
            .devices_on()
            .then(|| devices_due(host, settings))
            .flatten(),
        period_ms,
        strava_interval_ms,
    }
}

/// When the next Strava pass is due, or `None` when there is nothing to sync (or the garage
/// cannot be read now: the loop looks again after a nap).
fn strava_due<H: Host>(host: &H, interval_ms: i64) -> Option<i64> {
    let st = host
        .store()
        .with(|s| strava_state::load(s.connection()))
        .ok()?;
    if !st.connected() && !tokens::configured_by_env() {
        return None;
    }
    let next = st.next_attempt_at.map(|t| t.millis());
    Some(match st.status {
        // After a good pass the core set the next one an interval later; a shorter interval
        // chosen since brings it forward.
        Status::Ok => [next, st.last_success_at.map(|t| t.millis() + interval_ms)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(0),
        Status::RateLimited => st
            .paused_until
            .or(st.next_attempt_at)
            .map_or(0, |t| t.millis()),
        _ => next.unwrap_or(0),
    })
}

/// When the next device pass is due by the timer: an interval after the last attempt, sooner
/// after a failure.
fn devices_due<H: Host>(host: &H, settings: &Settings) -> Option<i64> {
    let interval_ms = i64::from(settings.devices_sync_minutes) * 60_000;
    let st = host.store().with(|s| sync_status::status(s)).ok()?;
    Some(match st.last_attempt_at {
        None => 0,
        Some(at) if st.last_error.is_some() => at.millis() + interval_ms.min(DEVICES_RETRY_MS),
        Some(at) => at.millis() + interval_ms,
    })
}

/// Whether this device syncs with others, from the environment or the garage (it has a vault).
pub(super) fn devices_configured<H: Host>(host: &H) -> bool {
    if env::env().is_set(env::SYNC_URL) {
        return true;
    }
    host.store()
        .with(|s| sync_status::set_up(s))
        .unwrap_or(false)
}
