//! Heartbeats of the background loops (the app's scheduler, `serve`): each records one at the end
//! of every cycle. A loop that has run before, has not stopped on purpose, and has not beaten for
//! more than twice its interval plus [`SLACK`] is missed: the machine slept through it, the process
//! hung or was killed. A loop that stops cleanly (SIGTERM, quitting the app) says so and is no
//! longer expected.

use std::time::Duration;

use rusqlite::{params, Row};
use serde::Serialize;

use crate::error::Result;
use crate::store::Store;
use crate::time::Timestamp;

/// `pedalwrencher-cli serve`.
pub const SERVE: &str = "serve";
/// The desktop / mobile app's scheduler.
pub const APP: &str = "app";

/// Added to twice the interval before a loop counts as missed: a cycle's own work (a Strava
/// sync that waits for the rate limit, a slow mail server) may delay the next beat.
pub const SLACK: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heartbeat {
    pub name: String,
    pub holder: String,
    pub beat_at: Timestamp,
    pub interval_ms: i64,
    pub cycles: i64,
    /// How the last cycle ended.
    pub healthy: bool,
    /// Set when the loop stopped on purpose; it is not expected to run until it beats again.
    pub stopped_at: Option<Timestamp>,
}

impl Heartbeat {
    /// When the loop should have beaten again by (with slack).
    pub fn due_by(&self) -> Timestamp {
        Timestamp(self.beat_at.millis() + 2 * self.interval_ms + SLACK.as_millis() as i64)
    }

    /// Expected to run, and overdue.
    pub fn missed(&self, now: Timestamp) -> bool {
        self.stopped_at.is_none() && now > self.due_by()
    }
}

/// Records the end of a cycle of loop `name`, run by `holder` every `interval`.
pub fn beat(
    store: &mut Store,
    name: &str,
    holder: &str,
    interval: Duration,
    healthy: bool,
) -> Result<()> {
    let now = store.now();
    let interval_ms = (interval.as_millis() as i64).max(1);
    store.connection().execute(
        "INSERT INTO heartbeats (name, holder, beat_at, interval_ms, cycles, healthy, stopped_at)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, NULL)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, beat_at = excluded.beat_at,
             interval_ms = excluded.interval_ms, cycles = cycles + 1, healthy = excluded.healthy,
             stopped_at = NULL",
        params![name, holder, now, interval_ms, healthy],
    )?;
    Ok(())
}

/// The loop stopped on purpose: no longer expected to run (only if `holder` is still its runner).
pub fn stopped(store: &mut Store, name: &str, holder: &str) -> Result<()> {
    let now = store.now();
    store.connection().execute(
        "UPDATE heartbeats SET stopped_at = ?3 WHERE name = ?1 AND holder = ?2",
        params![name, holder, now],
    )?;
    Ok(())
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Heartbeat> {
    Ok(Heartbeat {
        name: r.get(0)?,
        holder: r.get(1)?,
        beat_at: r.get(2)?,
        interval_ms: r.get(3)?,
        cycles: r.get(4)?,
        healthy: r.get(5)?,
        stopped_at: r.get(6)?,
    })
}

/// Every loop that has ever run here.
pub fn list(store: &Store) -> Result<Vec<Heartbeat>> {
    let mut stmt = store.connection().prepare_cached(
        "SELECT name, holder, beat_at, interval_ms, cycles, healthy, stopped_at
         FROM heartbeats ORDER BY name",
    )?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
