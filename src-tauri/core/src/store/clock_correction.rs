//! A clock set right after running far ahead. A hybrid logical clock only moves forward, so a
//! device whose clock once ran a year ahead would go on stamping a year ahead after the rider set
//! it right: the other devices would hold back all of its edits for that year, and then let them
//! overwrite everything edited meanwhile.
//!
//! So a device that finds its wall clock more than a day (`hlc::QUARANTINE_MS`) behind its own
//! clock, before it stamps anything:
//!
//! - re-stamps what it still holds of its own writes stamped more than a day ahead, just above
//!   where its clock stood before it leapt ahead (`hlc::last_sane`). Those stamps reached no other
//!   device (every device with a right clock quarantines them), so replacing them here disagrees
//!   with nobody; and stamped as of before the clock went wrong, they lose to every edit another
//!   device made meanwhile (whose order against them nobody can know) and win over what they
//!   replaced;
//! - restarts its clock from there, so its next edits carry the time;
//! - publishes a [`Fix`] (a row of `synced_settings`): the other devices drop those stamps from
//!   their quarantine, and never apply them from an old file;
//! - reads the other devices' files again on its next pass (`REREAD_KEY`): edits they made
//!   meanwhile lost here to its stamps from the future, and were not kept;
//! - tells the rider once (a sync notice).
//!
//! A clock less than a day ahead needs none of this: its stamps are applied everywhere, so every
//! device holds them, and an edit anywhere supersedes them (`capture::stamp_pending`).

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::time::MS_PER_DAY;

use super::{capture, hlc, set_meta};

/// `synced_settings` ids of published fixes: `clock_fix:<device id>:<upto>`.
pub const FIX_PREFIX: &str = "clock_fix:";
/// Set (to when) when the other devices' files are to be read again from their start; the engine
/// clears it after a pass that did, unless it was set again meanwhile.
pub const REREAD_KEY: &str = "sync_reread";

/// A device's stamps in (`above`, `upto`] came from a clock that ran ahead, and are void: what
/// still mattered of them was stamped again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub device: String,
    pub above: i64,
    pub upto: i64,
    /// The device's files up to this number were written before the fix: a stamp in the range
    /// there is void however late it is read. Elsewhere (another device's snapshot), the same
    /// stamp is void only while it is still more than a day ahead, since once real time reaches
    /// the range, the device's new stamps fall into it too.
    pub files_upto: i64,
}

impl Fix {
    pub fn covers(&self, device: &str, hlc: i64) -> bool {
        self.device == device && hlc > self.above && hlc <= self.upto
    }

    pub fn parse(value: &str) -> Option<Fix> {
        serde_json::from_str(value).ok()
    }

    fn row_id(&self) -> String {
        format!("{FIX_PREFIX}{}:{}", self.device, self.upto)
    }
}

/// Recovers (see the module docs) if this device's clock is more than a day behind its own last
/// stamp. Called before anything is stamped and at the start of every sync step; cheap otherwise.
pub(crate) fn recover_if_corrected(
    conn: &Connection,
    device_id: &str,
    now_ms: i64,
) -> Result<bool> {
    let last = hlc::last(conn)?;
    let above = hlc::from_millis(now_ms.saturating_add(hlc::QUARANTINE_MS));
    if last <= above {
        return Ok(false);
    }
    let me = capture::device_index(conn, device_id)?;
    // An edit can be stamped above the clock (it supersedes a stamp further ahead).
    let upto: i64 = conn.query_row(
        "SELECT MAX(?2, COALESCE(MAX(hlc), 0)) FROM sync_clock WHERE dev = ?1",
        (me, last),
        |r| r.get(0),
    )?;
    // Where the clock was last right: before its leap, and past every own stamp that stays (a
    // re-stamp must supersede them, and a garage from before leaps were recorded has no mark).
    let own_before: i64 = conn.query_row(
        "SELECT COALESCE(MAX(hlc), 0) FROM sync_clock WHERE dev = ?1 AND hlc <= ?2",
        (me, above),
        |r| r.get(0),
    )?;
    let base = hlc::last_sane(conn, now_ms)?.unwrap_or(0).max(own_before);
    let restamp = base + 1;
    let lseq = capture::next_lseq(conn)?;
    let restamped = conn
        .prepare_cached("UPDATE sync_clock SET hlc = ?1, lseq = ?2 WHERE dev = ?3 AND hlc > ?4")?
        .execute((restamp, lseq, me, above))?;
    // Fields edited since and not stamped yet supersede the re-stamped value, not the void one.
    conn.prepare_cached("UPDATE sync_clock SET hlc = ?1 WHERE dev IS NULL AND hlc > ?2")?
        .execute((restamp, above))?;
    hlc::reset(conn, restamp)?;
    let files_upto: i64 =
        conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM sync_outgoing", [], |r| {
            r.get(0)
        })?;
    let fix = Fix {
        device: device_id.to_owned(),
        above,
        upto,
        files_upto,
    };
    let value = serde_json::to_string(&fix).expect("a clock fix encodes");
    // Captured like any edit, and stamped with the corrected clock by the caller.
    conn.prepare_cached(
        "INSERT INTO synced_settings (id, value, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute((fix.row_id(), value, now_ms))?;
    set_meta(conn, REREAD_KEY, &now_ms.to_string())?;
    let days = (hlc::millis(last) - now_ms) / MS_PER_DAY;
    tracing::warn!(
        days,
        restamped,
        "this device's clock was set back: re-stamped its changes"
    );
    // sync_notices is sync's table, written here because the store cannot call up into sync.
    conn.prepare_cached(
        "INSERT INTO sync_notices (kind, message, created_at) VALUES ('clock', ?1, ?2)",
    )?
    .execute((
        format!(
            "This device's clock was about {days} days ahead and is now set right. What was \
             changed here meanwhile goes to your other devices again, dated from before the \
             clock went wrong: where another device changed the same thing meanwhile, that \
             change is kept"
        ),
        now_ms,
    ))?;
    Ok(true)
}
