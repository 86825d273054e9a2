//! What sync tells the rider, kept until dismissed: installations the repair put in order, and a
//! device whose clock runs far ahead (its changes are held back until it is fixed).

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;
use crate::store::hlc;
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Repair,
    Clock,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Repair => "repair",
            Kind::Clock => "clock",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Notice {
    pub id: i64,
    pub kind: String,
    pub message: String,
    pub created_at: Timestamp,
}

pub(crate) fn add(conn: &Connection, kind: Kind, message: &str, now_ms: i64) -> Result<()> {
    // The same sentence again (a repair seen twice) is one notice.
    conn.prepare_cached(
        "INSERT INTO sync_notices (kind, message, created_at)
         SELECT ?1, ?2, ?3 WHERE NOT EXISTS
           (SELECT 1 FROM sync_notices WHERE message = ?2 AND dismissed_at IS NULL)",
    )?
    .execute((kind.as_str(), message, now_ms))?;
    Ok(())
}

/// A device stamped changes `stamp` more than a day ahead of this device's clock.
pub(crate) fn clock_ahead(conn: &Connection, device: &str, stamp: i64, now_ms: i64) -> Result<()> {
    let who = who(conn, device);
    let days = (hlc::millis(stamp) - now_ms) / crate::time::MS_PER_DAY;
    add(
        conn,
        Kind::Clock,
        &format!(
            "{who}'s clock is about {days} days ahead: its changes stamped in the future are held \
             back. Set that device's date and time correctly, then sync it again"
        ),
        now_ms,
    )
}

/// That device set its clock right and sent its changes again: nothing of it is held back any
/// more, so the notice asking the rider to fix its clock is settled without them.
pub(crate) fn clock_set_right(conn: &Connection, device: &str, now_ms: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE sync_notices SET dismissed_at = ?3
         WHERE kind = ?1 AND dismissed_at IS NULL AND message LIKE ?2",
    )?
    .execute((
        Kind::Clock.as_str(),
        format!("{}'s clock is about %", who(conn, device)),
        now_ms,
    ))?;
    Ok(())
}

/// A device as the rider knows it: the name it gives itself, else the start of its id.
fn who(conn: &Connection, device: &str) -> String {
    let name: Option<String> = conn
        .query_row(
            "SELECT name FROM sync_devices WHERE device_id = ?1",
            [device],
            |r| r.get(0),
        )
        .ok()
        .flatten();
    name.unwrap_or_else(|| format!("device {}", &device[..device.len().min(8)]))
}

pub fn open(conn: &Connection) -> Result<Vec<Notice>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, message, created_at FROM sync_notices WHERE dismissed_at IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Notice {
            id: r.get(0)?,
            kind: r.get(1)?,
            message: r.get(2)?,
            created_at: Timestamp(r.get(3)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn dismiss(conn: &Connection, id: i64, now_ms: i64) -> Result<()> {
    conn.execute(
        "UPDATE sync_notices SET dismissed_at = ?2 WHERE id = ?1",
        (id, now_ms),
    )?;
    Ok(())
}
