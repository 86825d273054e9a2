//! What the rider sees of sync: this device, the others and when they were last heard of, what
//! waits to be sent, and what sync has to tell (repairs, a device with a wrong clock).

use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::error::Result;
use crate::store::{self, Store};
use crate::time::Timestamp;

use super::binding::{self, VAULT_ID_KEY};
use super::engine::{LAST_ATTEMPT_KEY, LAST_ERROR_KEY, LAST_OK_KEY};
use super::notices::{self, Notice};
use super::{outgoing, settings};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct OtherDevice {
    pub device_id: String,
    pub name: Option<String>,
    /// When this device last read one of its files.
    pub last_seen_at: Option<Timestamp>,
    /// When it says it last synced (its own clock).
    pub reported_at: Option<Timestamp>,
    pub files_read: i64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[cfg_attr(feature = "bindings", serde(rename = "DevicesSyncStatus"))]
pub struct Status {
    pub device_id: String,
    pub vault_id: Option<String>,
    pub last_attempt_at: Option<Timestamp>,
    pub last_ok_at: Option<Timestamp>,
    /// The last pass's error, until a pass succeeds.
    pub last_error: Option<String>,
    /// Fields changed here and not uploaded yet.
    pub pending_changes: i64,
    /// Rows waiting for another device's file.
    pub held_rows: i64,
    /// Remote fields held back because their device's clock is far ahead.
    pub quarantined: i64,
    /// Remote fields a newer version wrote that this one cannot use yet, kept for its update.
    pub waiting_for_update: i64,
    pub forwarding_device: Option<String>,
    pub this_device_forwards: bool,
    pub devices: Vec<OtherDevice>,
    pub notices: Vec<Notice>,
}

pub fn status(store: &Store) -> Result<Status> {
    let conn = store.connection();
    let time = |key| -> Result<Option<Timestamp>> {
        Ok(store::meta(conn, key)?
            .and_then(|v| v.parse().ok())
            .map(Timestamp))
    };
    let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    let mut stmt = conn.prepare(
        "SELECT device_id, name, last_seen_at, reported_at, read_seq FROM sync_devices
         WHERE device_id != ?1 ORDER BY COALESCE(name, device_id)",
    )?;
    let devices = stmt
        .query_map([store.device_id()], |r| {
            Ok(OtherDevice {
                device_id: r.get(0)?,
                name: r.get(1)?,
                last_seen_at: r.get::<_, Option<i64>>(2)?.map(Timestamp),
                reported_at: r.get::<_, Option<i64>>(3)?.map(Timestamp),
                files_read: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Status {
        device_id: store.device_id().to_owned(),
        vault_id: store::meta(conn, VAULT_ID_KEY)?,
        last_attempt_at: time(LAST_ATTEMPT_KEY)?,
        last_ok_at: time(LAST_OK_KEY)?,
        last_error: store::meta(conn, LAST_ERROR_KEY)?,
        pending_changes: outgoing::pending_changes(store)?,
        held_rows: count("SELECT COUNT(*) FROM (SELECT DISTINCT tbl, id FROM sync_inbox)")?,
        quarantined: count("SELECT COUNT(*) FROM sync_quarantine")?,
        waiting_for_update: count("SELECT COUNT(*) FROM sync_unknown")?,
        forwarding_device: settings::forwarding_device(store)?,
        this_device_forwards: settings::this_device_forwards(store)?,
        devices,
        notices: notices::open(conn)?,
    })
}

/// When this device syncs with others but has not succeeded for longer than `max_age_ms`: what
/// to tell the rider (the watchdog raises it like a stale Strava sync).
pub fn stale(store: &Store, max_age_ms: i64) -> Result<Option<String>> {
    let conn = store.connection();
    let time =
        |key| -> Result<Option<i64>> { Ok(store::meta(conn, key)?.and_then(|v| v.parse().ok())) };
    let (Some(_), Some(attempt)) = (store::meta(conn, VAULT_ID_KEY)?, time(LAST_ATTEMPT_KEY)?)
    else {
        return Ok(None); // this device does not sync
    };
    let since = time(LAST_OK_KEY)?.unwrap_or(attempt);
    let age = store.now().millis() - since;
    if age <= max_age_ms {
        return Ok(None);
    }
    let why = store::meta(conn, LAST_ERROR_KEY)?
        .map(|e| format!(" The last attempt said: {e}."))
        .unwrap_or_default();
    Ok(Some(format!(
        "No successful sync with your other devices since {} ({} hours ago): changes made here are \
         not on them yet, nor theirs here.{why}",
        Timestamp(since).local_date_time(),
        age / 3_600_000
    )))
}

/// This device stops syncing: forget the outcome of its passes, so nothing reports it stale, and
/// release the garage from its vault, so it can be set up with any target next: the same one
/// (reading goes on where it stopped) or another (the garage moves there whole, see `binding`).
pub fn forget(store: &Store) -> Result<()> {
    let conn = store.connection();
    for key in [LAST_ATTEMPT_KEY, LAST_OK_KEY, LAST_ERROR_KEY] {
        conn.execute("DELETE FROM meta WHERE key = ?1", [key])?;
    }
    binding::release(conn)
}

/// Whether this garage syncs: a pass went through with a vault, and sync was not stopped since.
/// The devices this device, while it syncs, has been unable to read up to for longer than
/// `max_age_ms`.
pub fn behind(store: &Store, max_age_ms: i64) -> Result<Vec<super::heads::Behind>> {
    if binding::bound(store.connection())?.is_none() {
        return Ok(Vec::new()); // this device does not sync
    }
    super::heads::behind(store, max_age_ms)
}

pub fn set_up(store: &Store) -> Result<bool> {
    Ok(conn_meta(store, VAULT_ID_KEY)?.is_some())
}

fn conn_meta(store: &Store, key: &str) -> Result<Option<String>> {
    Ok(store
        .connection()
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}
