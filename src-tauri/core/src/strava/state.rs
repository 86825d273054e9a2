//! This device's Strava connection and sync progress: the one `strava_state` row. Never synced
//! to other devices; tokens are not here (they live in the OS keyring).

use rusqlite::{params, Connection, Row};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::strava::ratelimit::{Budget, Pair};
use crate::time::Timestamp;

/// How the connection stands, as the rider should read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[cfg_attr(feature = "bindings", serde(rename = "StravaHealth"))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Disconnected,
    /// The last sync went through.
    Ok,
    /// Strava could not be reached; the sync retries on its own.
    Offline,
    /// Strava's rate limit is used up; the sync resumes when the window turns.
    RateLimited,
    /// Strava refused the tokens (revoked, or the app's secret changed): connect again.
    ReconnectNeeded,
    /// Something else failed; the detail says what.
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Disconnected => "disconnected",
            Status::Ok => "ok",
            Status::Offline => "offline",
            Status::RateLimited => "rate_limited",
            Status::ReconnectNeeded => "reconnect_needed",
            Status::Error => "error",
        }
    }

    fn parse(s: &str) -> Status {
        match s {
            "ok" => Status::Ok,
            "offline" => Status::Offline,
            "rate_limited" => Status::RateLimited,
            "reconnect_needed" => Status::ReconnectNeeded,
            "error" => Status::Error,
            _ => Status::Disconnected,
        }
    }
}

/// A listing of the whole history in progress, newest first, resumable exactly where it stopped:
/// the cursor is the start time the next page lists before (a keyset, so activities deleted in
/// Strava meanwhile cannot shift a later one out of sight, as page offsets would).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Listing {
    /// The listing's number: it marks the activities it saw.
    pub id: i64,
    /// The `before` it began with (epoch s): it may delete only rides that started earlier.
    pub start: i64,
    /// The next page lists activities starting before this (epoch s).
    pub before: i64,
    /// A `--full` re-scan.
    pub full: bool,
    /// Every page is in; only the closing step remains.
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct StravaState {
    pub client_id: Option<String>,
    pub athlete_id: Option<i64>,
    pub athlete_name: Option<String>,
    pub scopes: Option<String>,
    pub connected_at: Option<Timestamp>,
    pub status: Status,
    pub status_detail: Option<String>,
    pub last_attempt_at: Option<Timestamp>,
    pub last_success_at: Option<Timestamp>,
    pub next_attempt_at: Option<Timestamp>,
    /// Failed passes in a row (drives the backoff).
    pub failures: u32,
    pub listing: Option<Listing>,
    /// The whole history has been imported once.
    pub history_complete: bool,
    pub budget: Option<Budget>,
    pub paused_until: Option<Timestamp>,
    pub newest_activity_at: Option<Timestamp>,
}

impl StravaState {
    pub fn connected(&self) -> bool {
        self.status != Status::Disconnected
    }
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<StravaState> {
    let status: String = r.get(5)?;
    let listing = match (r.get::<_, Option<i64>>(11)?, r.get::<_, Option<i64>>(12)?) {
        (Some(id), Some(before)) => Some(Listing {
            id,
            start: r.get(23)?,
            before,
            full: r.get(13)?,
            done: r.get(21)?,
        }),
        _ => None,
    };
    let pair = |i: usize| -> rusqlite::Result<Option<Pair>> {
        Ok(r.get::<_, Option<String>>(i)?
            .as_deref()
            .and_then(Pair::parse))
    };
    let budget = match (pair(15)?, pair(16)?, pair(17)?, pair(18)?, r.get(19)?) {
        (Some(ru), Some(rl), Some(ou), Some(ol), Some(seen_at)) => Some(Budget {
            read_usage: ru,
            read_limit: rl,
            overall_usage: ou,
            overall_limit: ol,
            seen_at,
        }),
        _ => None,
    };
    Ok(StravaState {
        client_id: r.get(0)?,
        athlete_id: r.get(1)?,
        athlete_name: r.get(2)?,
        scopes: r.get(3)?,
        connected_at: r.get(4)?,
        status: Status::parse(&status),
        status_detail: r.get(6)?,
        last_attempt_at: r.get(7)?,
        last_success_at: r.get(8)?,
        next_attempt_at: r.get(9)?,
        failures: r.get(10)?,
        listing,
        history_complete: r.get(14)?,
        budget,
        paused_until: r.get(20)?,
        newest_activity_at: r.get(22)?,
    })
}

pub fn load(conn: &Connection) -> Result<StravaState> {
    conn.query_row(
        "SELECT client_id, athlete_id, athlete_name, scopes, connected_at, status, status_detail,
                last_attempt_at, last_success_at, next_attempt_at, failures,
                listing_id, listing_before, listing_full, history_complete,
                read_usage, read_limit, overall_usage, overall_limit, usage_seen_at, paused_until,
                listing_done, newest_activity_at, listing_start
         FROM strava_state WHERE id = 1",
        [],
        from_row,
    )
    .map_err(Error::from)
}

/// A new connection: who, with which app and scopes. The history is imported from scratch.
pub(crate) fn connect(
    conn: &Connection,
    client_id: &str,
    athlete_id: i64,
    athlete_name: &str,
    scopes: &str,
    now: Timestamp,
) -> Result<()> {
    conn.execute(
        "UPDATE strava_state SET client_id = ?1, athlete_id = ?2, athlete_name = ?3, scopes = ?4,
            connected_at = ?5, status = 'ok', status_detail = NULL, failures = 0,
            next_attempt_at = ?5, listing_id = NULL, listing_before = NULL, listing_full = 0,
            listing_done = 0, history_complete = 0, paused_until = NULL, newest_activity_at = NULL
         WHERE id = 1",
        params![client_id, athlete_id, athlete_name, scopes, now],
    )?;
    Ok(())
}

/// Forgets the connection (the rides are handled by the caller).
pub(crate) fn disconnect(conn: &Connection) -> Result<()> {
    conn.execute(
        "UPDATE strava_state SET athlete_id = NULL, athlete_name = NULL, scopes = NULL,
            connected_at = NULL, status = 'disconnected', status_detail = NULL, last_attempt_at = NULL,
            last_success_at = NULL, next_attempt_at = NULL, failures = 0, listing_id = NULL,
            listing_before = NULL, listing_full = 0, listing_done = 0, history_complete = 0,
            paused_until = NULL, newest_activity_at = NULL
         WHERE id = 1",
        [],
    )?;
    conn.execute("DELETE FROM strava_listing", [])?;
    Ok(())
}

pub(crate) fn save_budget(conn: &Connection, b: &Budget) -> Result<()> {
    conn.execute(
        "UPDATE strava_state SET read_usage = ?1, read_limit = ?2, overall_usage = ?3,
            overall_limit = ?4, usage_seen_at = ?5 WHERE id = 1",
        params![
            b.read_usage.to_header(),
            b.read_limit.to_header(),
            b.overall_usage.to_header(),
            b.overall_limit.to_header(),
            b.seen_at
        ],
    )?;
    Ok(())
}

pub(crate) fn set_listing(conn: &Connection, listing: Option<Listing>) -> Result<()> {
    conn.execute(
        "UPDATE strava_state SET listing_id = ?1, listing_before = ?2, listing_full = ?3, listing_done = ?4,
            listing_start = ?5
         WHERE id = 1",
        params![
            listing.map(|l| l.id),
            listing.map(|l| l.before),
            listing.is_some_and(|l| l.full),
            listing.is_some_and(|l| l.done),
            listing.map(|l| l.start)
        ],
    )?;
    Ok(())
}

/// A number no earlier listing of this garage had.
pub(crate) fn next_listing_id(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "UPDATE strava_state SET listing_seq = listing_seq + 1 WHERE id = 1 RETURNING listing_seq",
        [],
        |r| r.get(0),
    )?)
}

/// Remembers the newest start Strava listed (any activity type).
pub(crate) fn saw_activity(conn: &Connection, start: Timestamp) -> Result<()> {
    conn.execute(
        "UPDATE strava_state SET newest_activity_at = MAX(COALESCE(newest_activity_at, ?1), ?1) WHERE id = 1",
        [start],
    )?;
    Ok(())
}

/// Whether the connection is still there (a disconnect may have happened during a pass).
pub(crate) fn is_connected(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT status != 'disconnected' FROM strava_state WHERE id = 1",
        [],
        |r| r.get(0),
    )?)
}

pub(crate) fn set_history_complete(conn: &Connection) -> Result<()> {
    conn.execute(
        "UPDATE strava_state SET history_complete = 1 WHERE id = 1",
        [],
    )?;
    Ok(())
}

pub(crate) fn attempt_started(conn: &Connection, now: Timestamp) -> Result<()> {
    conn.execute(
        "UPDATE strava_state SET last_attempt_at = ?1 WHERE id = 1",
        [now],
    )?;
    Ok(())
}

/// A pass went through: status ok, the failure count reset, the next pass due at `next`.
pub(crate) fn succeeded(conn: &Connection, now: Timestamp, next: Timestamp) -> Result<()> {
    conn.execute(
        "UPDATE strava_state SET status = 'ok', status_detail = NULL, last_success_at = ?1,
            failures = 0, next_attempt_at = ?2, paused_until = NULL WHERE id = 1 AND status != 'disconnected'",
        params![now, next],
    )?;
    Ok(())
}

/// A pass failed: why, in the rider's words, and when it will be tried again.
pub(crate) fn failed(
    conn: &Connection,
    status: Status,
    detail: &str,
    next: Timestamp,
    paused_until: Option<Timestamp>,
) -> Result<()> {
    conn.execute(
        "UPDATE strava_state SET status = ?1, status_detail = ?2, failures = failures + 1,
            next_attempt_at = ?3, paused_until = ?4 WHERE id = 1 AND status != 'disconnected'",
        params![status.as_str(), detail, next, paused_until],
    )?;
    Ok(())
}
