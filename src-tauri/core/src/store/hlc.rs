//! The hybrid logical clock that stamps every captured field: wall-clock milliseconds in the high
//! 48 bits and a counter in the low 16, so stamps order like time yet never repeat or go back on
//! one device, and a change seen from another device is always followed by a later local stamp.

use rusqlite::Connection;

use crate::error::Result;

use super::{meta, set_meta};

const KEY: &str = "sync_hlc";
const COUNTER_BITS: u32 = 16;
/// Where the clock stood before each of its latest leaps ahead (see [`next`]).
const SANE_KEY: &str = "sync_hlc_sane";
const SANE_MARKS: usize = 16;

/// A remote stamp may pull this clock ahead of the wall clock by at most this much: a device
/// with a fast clock cannot drag the others' stamps into the future.
pub const MAX_DRIFT_MS: i64 = 5 * 60 * 1000;
/// Remote stamps further ahead than this are quarantined, not applied.
pub const QUARANTINE_MS: i64 = 24 * 60 * 60 * 1000;

pub fn from_millis(ms: i64) -> i64 {
    ms << COUNTER_BITS
}

pub fn millis(hlc: i64) -> i64 {
    hlc >> COUNTER_BITS
}

/// The next stamp: later than every stamp this device issued or accepted, and at least now.
pub(crate) fn next(conn: &Connection, now_ms: i64) -> Result<i64> {
    let last = last(conn)?;
    let now = from_millis(now_ms);
    if now > last.saturating_add(from_millis(QUARANTINE_MS)) {
        // The wall clock leapt more than a day past every stamp: the device slept, or its clock
        // was set ahead. Should it be set back later, this is where its stamps were still right:
        // past every stamp it issued (an edit may stamp above the clock) or holds. Rare, so the
        // scan is cheap overall.
        let held: i64 = conn
            .prepare_cached("SELECT COALESCE(MAX(hlc), 0) FROM sync_clock")?
            .query_row([], |r| r.get(0))?;
        remember_sane(conn, last.max(held))?;
    }
    let stamp = last.saturating_add(1).max(now);
    set_meta(conn, KEY, &stamp.to_string())?;
    Ok(stamp)
}

/// Starts the clock again from `stamp`, below where it got to: only for a clock set right after
/// running far ahead (`clock_correction`), once the stamps it issued meanwhile are replaced.
pub(crate) fn reset(conn: &Connection, stamp: i64) -> Result<()> {
    set_meta(conn, KEY, &stamp.to_string())?;
    remember_sane(conn, stamp)
}

/// The latest stamp this clock held before it leapt ahead (see [`next`]) that is not itself far
/// ahead of `now_ms`: where a clock that ran ahead was last right.
pub(crate) fn last_sane(conn: &Connection, now_ms: i64) -> Result<Option<i64>> {
    let far = from_millis(now_ms.saturating_add(QUARANTINE_MS));
    Ok(sane_marks(conn)?.into_iter().filter(|m| *m <= far).max())
}

fn sane_marks(conn: &Connection) -> Result<Vec<i64>> {
    Ok(meta(conn, SANE_KEY)?
        .unwrap_or_default()
        .split(',')
        .filter_map(|m| m.parse().ok())
        .collect())
}

/// Keeps the few latest marks: a clock that ran ahead for weeks, with the device asleep for days
/// in between, leaps several times, and only the mark from before the first leap is right.
fn remember_sane(conn: &Connection, stamp: i64) -> Result<()> {
    let mut marks = sane_marks(conn)?;
    if marks.last() == Some(&stamp) {
        return Ok(());
    }
    marks.push(stamp);
    let keep = marks.len().saturating_sub(SANE_MARKS);
    let text = marks[keep..]
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    set_meta(conn, SANE_KEY, &text)
}

/// Moves the clock past a remote stamp, but never more than [`MAX_DRIFT_MS`] past the wall clock.
pub(crate) fn observe(conn: &Connection, remote: i64, now_ms: i64) -> Result<()> {
    let capped = remote.min(from_millis(now_ms + MAX_DRIFT_MS));
    if capped > last(conn)? {
        set_meta(conn, KEY, &capped.to_string())?;
    }
    Ok(())
}

pub(crate) fn last(conn: &Connection) -> Result<i64> {
    Ok(meta(conn, KEY)?.and_then(|v| v.parse().ok()).unwrap_or(0))
}
