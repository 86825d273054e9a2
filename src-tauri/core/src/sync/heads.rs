//! How far each other device has written, as far as this device knows, and whether this device
//! can read that far. A device whose files this device cannot read past (a damaged file no
//! snapshot covers, a file missing for good) or whose folder went back to an older copy (a
//! restored backup, a server rolling back or holding files back) would otherwise freeze here
//! silently while every pass succeeds.
//!
//! A device's **head** is the newest of its files this device knows of: the newest it listed or
//! read, the number the device published in its `info`, and the numbers the other devices
//! published for it (each `info` carries the heads its device knows). Heads only grow, and are
//! remembered here, so a storage that serves an older listing, or withholds newer files, cannot
//! hide what another device or an earlier pass has seen. A device this device cannot read up to
//! its head is **behind**: the pass says so every time, and once it lasts longer than the stale
//! threshold the watchdog raises it, naming the device.
//!
//! Kept as one JSON value in `meta` (by device id), counted in the vault the sync state belongs
//! to (`binding`), and forgotten with that state.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::{self, Store};
use crate::time::Timestamp;

const HEADS_KEY: &str = "sync_device_heads";

/// What this device knows of one other device.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Known {
    /// The newest of its files known to exist.
    head: i64,
    /// Since when this device cannot read up to `head` (milliseconds); `None` while it can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    behind_since: Option<i64>,
    /// Why, for the rider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    why: Option<String>,
    /// While its files cannot be read past: the newest of them listed, so a snapshot numbered
    /// above it would let this device go on. Published in this device's `info`, which is how
    /// the writer learns to write one now rather than after its next thousand files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    snapshot_after: Option<i64>,
}

fn load(conn: &Connection) -> Result<BTreeMap<String, Known>> {
    // A value this build cannot read is started afresh: heads are a safeguard, not data.
    Ok(store::meta(conn, HEADS_KEY)?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

fn save(conn: &Connection, known: &BTreeMap<String, Known>) -> Result<()> {
    let text = serde_json::to_string(known).unwrap_or_default();
    store::set_meta(conn, HEADS_KEY, &text)
}

/// Forgets every head (the sync state moved to another vault).
pub(crate) fn forget_all(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM meta WHERE key = ?1", [HEADS_KEY])?;
    Ok(())
}

/// The heads this device publishes in its `info`: every device's it knows, at least as far as it
/// has read, and its own newest file.
pub(crate) fn published(
    conn: &Connection,
    me: &str,
    own_head: i64,
) -> Result<BTreeMap<String, i64>> {
    let mut heads: BTreeMap<String, i64> =
        load(conn)?.into_iter().map(|(d, k)| (d, k.head)).collect();
    for (device, read) in super::outgoing::read_positions(conn)? {
        let h = heads.entry(device).or_default();
        *h = (*h).max(read);
    }
    if own_head > 0 {
        heads.insert(me.to_owned(), own_head);
    } else {
        heads.remove(me);
    }
    Ok(heads)
}

/// What one pass saw of one other device.
#[derive(Debug, Clone, Default)]
pub(crate) struct Seen {
    /// The newest file number in its folder (0 when none).
    pub listed: i64,
    /// The heads claimed for it in the `info` files read this pass (its own and the others').
    pub claimed: i64,
    /// Why reading it stopped before its newest file, when a file could not be read or is
    /// missing and no snapshot after it could be read instead.
    pub stuck: Option<String>,
    /// Whether it stopped at a file that is there but cannot be read (damaged), not at a gap.
    pub stuck_unreadable: bool,
}

/// How long a gap in a device's files is waited on before its writer is asked for a snapshot: a
/// storage still copying (Syncthing, Dropbox deliver files out of order) fills it by itself, and
/// a snapshot of a large garage is megabytes. A damaged file is asked about at once.
const ASK_AFTER_GAP_MS: i64 = 3_600_000;

/// For each device this device cannot read past, the newest file of it listed: what this
/// device's `info` asks of it (a snapshot numbered above that).
pub(crate) fn snapshots_asked(conn: &Connection) -> Result<BTreeMap<String, i64>> {
    Ok(load(conn)?
        .into_iter()
        .filter_map(|(d, k)| k.snapshot_after.map(|n| (d, n)))
        .collect())
}

/// Records what this pass saw of each device on the target, after its files were applied, and
/// returns, for the pass's report, a sentence for each device this device cannot read up to its
/// head. Devices no longer on the target are not checked (their folder was removed: gone for
/// good).
pub(crate) fn record(store: &Store, seen: &BTreeMap<String, Seen>) -> Result<Vec<String>> {
    let conn = store.connection();
    let now = store.now().millis();
    let read = super::outgoing::read_positions(conn)?;
    let mut known = load(conn)?;
    let mut report = Vec::new();
    for (device, k) in known.iter_mut() {
        if !seen.contains_key(device) {
            k.behind_since = None;
            k.why = None;
            k.snapshot_after = None;
        }
    }
    for (device, s) in seen {
        let read = read.get(device).copied().unwrap_or(0);
        let previous = known.remove(device).unwrap_or_default();
        let head = previous.head.max(s.listed).max(s.claimed).max(read);
        let why = if s.listed < read {
            Some(format!(
                "its folder on the sync target is older than what this device already read (file \
                 {read} read here, the newest there is {}): the storage may have been put back to \
                 an older copy",
                s.listed
            ))
        } else if let Some(stuck) = &s.stuck {
            Some(stuck.clone())
        } else if read < head {
            Some(format!(
                "its files up to number {head} are not on the sync target here (the newest there \
                 is {}): the storage's sync may still be copying them, or it holds them back",
                s.listed
            ))
        } else {
            None
        };
        if let Some(why) = &why {
            report.push(format!("device {device}: {why}"));
        }
        // An unreadable or missing file has been waited on since the first pass that saw it.
        let behind_since = why.as_ref().map(|_| previous.behind_since.unwrap_or(now));
        let waited = behind_since.is_some_and(|since| now - since >= ASK_AFTER_GAP_MS);
        let snapshot_after = s
            .stuck
            .as_ref()
            .filter(|_| s.stuck_unreadable || waited)
            .map(|_| s.listed);
        known.insert(
            device.clone(),
            Known {
                head,
                behind_since,
                why,
                snapshot_after,
            },
        );
    }
    save(conn, &known)?;
    Ok(report)
}

/// A device this device has not been able to read up to for a while.
#[derive(Debug, Clone, PartialEq)]
pub struct Behind {
    pub device_id: String,
    /// How it names itself, when known.
    pub name: Option<String>,
    pub since: Timestamp,
    pub why: String,
}

/// The devices this device has been unable to read up to for longer than `max_age_ms` (the
/// watchdog raises each, naming it, while this device syncs: `status::behind`).
pub fn behind(store: &Store, max_age_ms: i64) -> Result<Vec<Behind>> {
    let conn = store.connection();
    let now = store.now().millis();
    let mut out = Vec::new();
    for (device_id, k) in load(conn)? {
        let (Some(since), Some(why)) = (k.behind_since, k.why) else {
            continue;
        };
        if now - since <= max_age_ms {
            continue;
        }
        let name = conn
            .query_row(
                "SELECT name FROM sync_devices WHERE device_id = ?1",
                [&device_id],
                |r| r.get::<_, Option<String>>(0),
            )
            .ok()
            .flatten();
        out.push(Behind {
            device_id,
            name,
            since: Timestamp(since),
            why,
        });
    }
    Ok(out)
}
