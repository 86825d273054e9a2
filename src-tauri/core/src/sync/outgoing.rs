//! This device's files, before they are uploaded. Each is numbered and recorded (with its
//! plaintext) in one transaction, then uploaded, then marked sent: a pass cut short anywhere
//! uploads the same file again next time, and applying a file twice is harmless.

use rusqlite::OptionalExtension;

use crate::error::Result;
use crate::store::{self, capture, clock_correction, Store};

use super::batch::{Batch, Kind};
use super::export;

/// A file's plaintext content is at most about this many fields; a bigger first garage goes as
/// one snapshot.
pub const MAX_CELLS: usize = 50_000;
/// After this many fields sent in segments since this device's last snapshot, it writes a new
/// one, so a device joining later reads one file instead of every segment.
pub const SNAPSHOT_EVERY: i64 = 200_000;
/// Or after this many segments (a few small edits a day make many small files): with the files
/// before the second-newest snapshot pruned, a device's folder keeps at most about twice this
/// many, and listing it stays cheap for years. Small in this crate's tests, to exercise it.
#[cfg(not(test))]
pub const SNAPSHOT_EVERY_FILES: i64 = 1_000;
#[cfg(test)]
pub const SNAPSHOT_EVERY_FILES: i64 = 3;
/// Old files are deleted only this long after the snapshot that replaces them was uploaded: on a
/// folder target "uploaded" means written to the local folder, and a sync client (Syncthing,
/// Dropbox) could deliver the deletions to another device before the snapshots.
pub const PRUNE_GRACE_MS: i64 = 7 * 24 * 3_600_000;
/// Which of this device's files are already deleted from the target (all below this number).
pub(crate) const PRUNED_KEY: &str = "sync_pruned_below";

#[derive(Debug, Clone)]
pub struct Outgoing {
    pub seq: i64,
    pub kind: Kind,
    pub body: Vec<u8>,
}

impl Outgoing {
    /// The file's name in this device's folder: `seg-12`, `snap-13`.
    pub fn name(&self) -> String {
        format!("{}-{}", self.kind.prefix(), self.seq)
    }
}

/// Records this device's new changes as numbered files and returns every file not uploaded yet,
/// oldest first. The first file a device ever sends is a snapshot of its whole garage.
pub fn prepare(store: &mut Store) -> Result<Vec<Outgoing>> {
    let device_id = store.device_id().to_owned();
    let now = store.now().millis();
    store.atomically(|store| {
        clock_correction::recover_if_corrected(store.connection(), &device_id, now)?;
        store.stamp_pending()?;
        let conn = store.connection();
        forget_other_identity(conn, &device_id)?;
        let me = capture::device_index(conn, &device_id)?;
        let last: Option<(i64, i64)> = conn
            .query_row(
                "SELECT seq, upto_lseq FROM sync_outgoing ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let record = |seq: i64, kind: Kind, upto: i64, cells: usize, batch: &Batch| {
            conn.prepare_cached(
                "INSERT INTO sync_outgoing (seq, kind, upto_lseq, cells, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute((seq, kind.prefix(), upto, cells as i64, batch.encode(), now))?;
            Ok::<_, crate::error::Error>(())
        };
        match last {
            None => {
                let upto: i64 = conn.query_row(
                    "SELECT COALESCE(MAX(lseq), 0) FROM sync_clock WHERE dev = ?1",
                    [me],
                    |r| r.get(0),
                )?;
                // After this device's files already on the target, if a restored garage found
                // some (see `adopt`): never over them, which readers have passed.
                let seq = store::meta(conn, NUMBER_AFTER_KEY)?
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0)
                    + 1;
                let (builder, cells) = export::whole_garage(conn)?;
                let mut batch = builder.finish(&device_id, Kind::Snap, seq);
                batch.fresh = true;
                batch.covers = read_positions(conn)?;
                batch.covers.insert(device_id.clone(), seq);
                record(seq, Kind::Snap, upto, cells, &batch)?;
                conn.execute("DELETE FROM meta WHERE key = ?1", [NUMBER_AFTER_KEY])?;
            }
            Some((mut seq, mut after)) => {
                while let Some((builder, upto, cells)) =
                    export::own_changes(conn, me, &device_id, after, MAX_CELLS)?
                {
                    seq += 1;
                    record(seq, Kind::Seg, upto, cells, &builder.finish(&device_id, Kind::Seg, seq))?;
                    after = upto;
                }
                let (since_cells, since_files): (i64, i64) = conn.query_row(
                    "SELECT COALESCE(SUM(cells), 0), COUNT(*) FROM sync_outgoing WHERE kind = 'seg'
                     AND seq > (SELECT COALESCE(MAX(seq), 0) FROM sync_outgoing WHERE kind = 'snap')",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                let asked = snapshot_due_on_request(conn, seq)?;
                if since_cells >= SNAPSHOT_EVERY || since_files >= SNAPSHOT_EVERY_FILES || asked {
                    seq += 1;
                    let (builder, cells) = export::whole_garage(conn)?;
                    let mut batch = builder.finish(&device_id, Kind::Snap, seq);
                    batch.covers = read_positions(conn)?;
                    batch.covers.insert(device_id.clone(), seq);
                    record(seq, Kind::Snap, after, cells, &batch)?;
                }
            }
        }
        unsent(conn)
    })
}

/// A database restored from another device's backup carries that device's numbered files: this
/// device starts its own numbering (its first file a fresh snapshot of the whole garage, which
/// also carries the other device's changes it never sent) instead of continuing the other's,
/// which readers would wait on forever. Returns whether it did.
fn forget_other_identity(conn: &rusqlite::Connection, device_id: &str) -> Result<bool> {
    let recorded = store::meta(conn, DEVICE_KEY)?;
    if recorded.as_deref() == Some(device_id) {
        return Ok(false);
    }
    if recorded.is_some() {
        tracing::info!("this garage was restored from another device: numbering files anew");
    }
    conn.execute("DELETE FROM sync_outgoing", [])?;
    for key in [PRUNED_KEY, SNAPSHOT_ASKED_KEY] {
        conn.execute("DELETE FROM meta WHERE key = ?1", [key])?;
    }
    store::set_meta(conn, DEVICE_KEY, device_id)?;
    Ok(true)
}

/// Another device cannot read past this device's files up to number `after` (a damaged file, or
/// one missing for an hour, and no later snapshot it can read): the next `prepare` writes a
/// snapshot.
pub(crate) fn snapshot_asked(conn: &rusqlite::Connection, after: i64) -> Result<()> {
    let asked = store::meta(conn, SNAPSHOT_ASKED_KEY)?
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    store::set_meta(conn, SNAPSHOT_ASKED_KEY, &after.max(asked).to_string())
}

/// Whether a snapshot is to be written now, numbered `seq + 1`, because another device asked for
/// one after a file it cannot read past; the request is spent either way. Not when a snapshot
/// after that file exists already (the reader will find it), nor when `seq + 1` would not be
/// after it (this device's numbering is not the one the reader listed).
fn snapshot_due_on_request(conn: &rusqlite::Connection, seq: i64) -> Result<bool> {
    let Some(after) = store::meta(conn, SNAPSHOT_ASKED_KEY)?.and_then(|v| v.parse::<i64>().ok())
    else {
        return Ok(false);
    };
    conn.execute("DELETE FROM meta WHERE key = ?1", [SNAPSHOT_ASKED_KEY])?;
    let newest_snapshot: i64 = conn.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM sync_outgoing WHERE kind = 'snap'",
        [],
        |r| r.get(0),
    )?;
    Ok(newest_snapshot <= after && after <= seq)
}

/// The sync state moved to another vault (`binding::enter`): this device's files there are
/// numbered from the start, the first a fresh snapshot of its whole garage, after any of its own
/// files that target already holds (found by the engine's `adopt_own_files`).
pub(crate) fn number_anew(conn: &rusqlite::Connection) -> Result<()> {
    conn.execute("DELETE FROM sync_outgoing", [])?;
    for key in [PRUNED_KEY, NUMBER_AFTER_KEY, DEVICE_KEY, SNAPSHOT_ASKED_KEY] {
        conn.execute("DELETE FROM meta WHERE key = ?1", [key])?;
    }
    Ok(())
}

/// The number of this device's newest file on the target (0 before its first), for its `info`.
pub(crate) fn last_sent_seq(store: &Store) -> Result<i64> {
    if last_seq(store)? == 0 {
        return Ok(0);
    }
    Ok(store.connection().query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM sync_outgoing WHERE sent_at IS NOT NULL",
        [],
        |r| r.get(0),
    )?)
}

const DEVICE_KEY: &str = "sync_device_id";
/// A garage restored here from another device found this device's own files on the target, up
/// to this number: its first file is numbered after them.
const NUMBER_AFTER_KEY: &str = "sync_number_after";
/// The newest of this device's files another device asked a snapshot after (`snapshot_asked`).
const SNAPSHOT_ASKED_KEY: &str = "sync_snapshot_asked";

fn unsent(conn: &rusqlite::Connection) -> Result<Vec<Outgoing>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, kind, body FROM sync_outgoing WHERE sent_at IS NULL ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| {
        let kind: String = r.get(1)?;
        Ok(Outgoing {
            seq: r.get(0)?,
            kind: if kind == "snap" {
                Kind::Snap
            } else {
                Kind::Seg
            },
            body: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The number of the last file this device recorded (0 before its first, and 0 in a garage
/// restored from another device, whose records are that device's).
pub fn last_seq(store: &Store) -> Result<i64> {
    let conn = store.connection();
    if store::meta(conn, DEVICE_KEY)?.is_some_and(|d| d != store.device_id()) {
        return Ok(0);
    }
    Ok(
        conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM sync_outgoing", [], |r| {
            r.get(0)
        })?,
    )
}

/// Records files up to `upto_seq` as sent without a body: this device's own files found on the
/// target (read back by the engine), so numbering goes on after them. In a garage restored from
/// another device, that device's records go first, and the next file is a fresh snapshot
/// numbered after `upto_seq`.
pub fn adopt(store: &mut Store, upto_seq: i64) -> Result<()> {
    let now = store.now().millis();
    let device_id = store.device_id().to_owned();
    store.atomically(|store| {
        let conn = store.connection();
        if forget_other_identity(conn, &device_id)? {
            store::set_meta(conn, NUMBER_AFTER_KEY, &upto_seq.to_string())?;
            return Ok(());
        }
        let (last, upto_lseq): (i64, i64) = conn.query_row(
            "SELECT COALESCE(MAX(seq), 0), COALESCE(MAX(upto_lseq), 0) FROM sync_outgoing",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        for seq in last + 1..=upto_seq {
            conn.execute(
                "INSERT INTO sync_outgoing (seq, kind, upto_lseq, cells, body, created_at, sent_at)
                 VALUES (?1, 'seg', ?2, 0, NULL, ?3, ?3)",
                (seq, upto_lseq, now),
            )?;
        }
        // Recorded under this identity: a restored copy keeps numbering on from here.
        store::set_meta(conn, DEVICE_KEY, store.device_id())?;
        Ok(())
    })
}

/// The file `seq` is on the target: its plaintext is no longer needed.
pub fn mark_sent(store: &mut Store, seq: i64) -> Result<()> {
    let now = store.now().millis();
    store.connection().execute(
        "UPDATE sync_outgoing SET sent_at = ?2, body = NULL WHERE seq = ?1 AND sent_at IS NULL",
        (seq, now),
    )?;
    Ok(())
}

/// This device's files below this number may be deleted from the target: its second-newest
/// snapshot holds all of them, and the newest was uploaded at least `grace_ms` ago (see
/// [`PRUNE_GRACE_MS`]). Keeping the files since the second-newest, not the newest, lets a device
/// that fell a little behind read segments instead of a snapshot. A reader further behind finds
/// a gap and reads a snapshot after it (the engine's pull).
pub fn prunable_below(store: &Store, grace_ms: i64) -> Result<Option<i64>> {
    let newest_two: Vec<(i64, i64)> = {
        let mut stmt = store.connection().prepare_cached(
            "SELECT seq, sent_at FROM sync_outgoing WHERE kind = 'snap' AND sent_at IS NOT NULL
             ORDER BY seq DESC LIMIT 2",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let now = store.now().millis();
    Ok(match newest_two.as_slice() {
        [(_, newest_sent_at), (second, _)] if *second > 1 && now - newest_sent_at >= grace_ms => {
            Some(*second)
        }
        _ => None,
    })
}

/// How far this device has read each other device's files.
pub(crate) fn read_positions(
    conn: &rusqlite::Connection,
) -> Result<std::collections::BTreeMap<String, i64>> {
    let mut stmt =
        conn.prepare_cached("SELECT device_id, read_seq FROM sync_devices WHERE read_seq > 0")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Changes made here and not yet uploaded (fields), for the status.
pub fn pending_changes(store: &Store) -> Result<i64> {
    let conn = store.connection();
    let me: Option<i64> = conn
        .query_row(
            "SELECT idx FROM sync_devices WHERE device_id = ?1",
            [store.device_id()],
            |r| r.get(0),
        )
        .optional()?;
    let sent_upto: i64 = conn.query_row(
        "SELECT COALESCE(MAX(upto_lseq), -1) FROM sync_outgoing WHERE sent_at IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    let never_sent = sent_upto < 0;
    let stamped: i64 = match me {
        Some(me) if never_sent => conn.query_row(
            "SELECT COUNT(*) FROM sync_clock WHERE dev = ?1",
            [me],
            |r| r.get(0),
        )?,
        Some(me) => conn.query_row(
            "SELECT COUNT(*) FROM sync_clock WHERE dev = ?1 AND lseq > ?2",
            (me, sent_upto),
            |r| r.get(0),
        )?,
        None => 0,
    };
    let unstamped: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sync_clock WHERE dev IS NULL",
        [],
        |r| r.get(0),
    )?;
    Ok(stamped + unstamped)
}
