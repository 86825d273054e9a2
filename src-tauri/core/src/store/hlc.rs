//! The hybrid logical clock that stamps every captured field: wall-clock milliseconds in the high
//! 48 bits and a counter in the low 16, so stamps order like time yet never repeat or go back on
//! one device, and a change seen from another device is always followed by a later local stamp.

use rusqlite::Connection;

use crate::error::Result;

use super::{meta, set_meta};

const KEY: &str = "sync_hlc";
const COUNTER_BITS: u32 = 16;

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
    let stamp = last.saturating_add(1).max(from_millis(now_ms));
    set_meta(conn, KEY, &stamp.to_string())?;
    Ok(stamp)
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
