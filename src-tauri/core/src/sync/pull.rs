//! The pull half of a pass: list the other devices' folders, read their `info`, join from the
//! most complete snapshot once, then read each device's files in order from where this device
//! stopped, and apply them in bounded chunks.
//!
//! Reading a device stops at a file that is not there yet (one on its way is waited for, not
//! skipped) or cannot be read (damaged, from another vault), unless a later snapshot of that
//! device can be read: a snapshot holds everything its device had written by then, so reading
//! goes on after it. What this device cannot read past is recorded (`heads`) and reported.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::{Store, StoreAccess};
use crate::time::Timestamp;

use super::apply::{self, Applied};
use super::batch::{Batch, Kind};
use super::heads::{self, Seen};
use super::names::{self, DEVICES_DIR, INFO_FILE};
use super::outgoing;
use super::report::{remote, Report};
use super::transport::Transport;
use super::vault::{self, VaultInfo, VaultKey};
use crate::store::clock_correction;

/// Fields applied per transaction while pulling: bounds memory and the time the database is held.
const APPLY_CHUNK_CELLS: usize = 200_000;

/// A device's `info` file: how it names itself, when it last synced, the newest file of each
/// device it knows of, its own included (see `heads`), and the devices it cannot read past, each
/// with the newest of its files listed (a snapshot numbered above it is asked for). Older
/// versions wrote no heads and ask for nothing; an older reader passes over `snapshots_asked`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct DeviceInfo {
    pub name: String,
    pub synced_at: Timestamp,
    #[serde(default)]
    pub heads: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub snapshots_asked: BTreeMap<String, i64>,
}

/// Reads and applies the other devices' new files; returns how many devices are on the target.
pub(super) async fn pull<A: StoreAccess, T: Transport>(
    access: &A,
    transport: &T,
    info: &VaultInfo,
    key: &VaultKey,
    me: &str,
    report: &mut Report,
) -> Result<usize> {
    let others: Vec<String> = transport
        .list(DEVICES_DIR)
        .await
        .map_err(remote)?
        .iter()
        .filter_map(|n| names::parse_device_dir(n))
        .filter(|d| *d != me)
        .map(str::to_owned)
        .collect();
    let mut listings = BTreeMap::new();
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    for device in &others {
        let entries = transport
            .list(&names::device_dir(device))
            .await
            .map_err(remote)?;
        let mut files: Vec<(Kind, i64)> = entries
            .iter()
            .filter_map(|n| names::parse_file(n))
            .collect();
        files.sort_by_key(|f| f.1);
        seen.entry(device.clone()).or_default().listed = files.last().map_or(0, |f| f.1);
        if entries.iter().any(|n| n == INFO_FILE) {
            if let Some(about) = read_info(access, transport, info, key, device).await {
                // It cannot read past one of this device's files: the next push writes a
                // snapshot after it (`outgoing::prepare`).
                if let Some(&after) = about.snapshots_asked.get(me) {
                    access.with(|s| outgoing::snapshot_asked(s.connection(), after))?;
                }
                for (d, head) in about.heads {
                    if d != me && others.contains(&d) {
                        let s = seen.entry(d).or_default();
                        s.claimed = s.claimed.max(head);
                    }
                }
            }
        }
        listings.insert(device.clone(), files);
    }
    let joined = access
        .with(|s| s.meta(super::binding::JOINED_KEY))?
        .is_some();
    if !joined {
        join(access, transport, info, key, &listings, report).await?;
        access.with(|s| crate::store::set_meta(s.connection(), super::binding::JOINED_KEY, "1"))?;
    }
    // This device's clock was set right after running far ahead: what was written meanwhile
    // lost here to stamps from the future and was not kept, so it reads every file again from
    // the start (a snapshot after a gap), its own too, and merges them with those stamps voided.
    let reread = access.with(|s| s.meta(clock_correction::REREAD_KEY))?;
    let positions = if reread.is_some() {
        let own = transport
            .list(&names::device_dir(me))
            .await
            .map_err(remote)?;
        let mut files: Vec<(Kind, i64)> = own.iter().filter_map(|n| names::parse_file(n)).collect();
        files.sort_by_key(|f| f.1);
        listings.insert(me.to_owned(), files);
        BTreeMap::new()
    } else {
        access.with(|s| outgoing::read_positions(s.connection()))?
    };
    let mut chunk = Chunk::default();
    for (device, files) in &listings {
        let from = positions.get(device).copied().unwrap_or(0) + 1;
        let stuck = read_device(
            access, transport, info, key, device, files, from, &mut chunk, report,
        )
        .await?;
        if let Some(s) = seen.get_mut(device) {
            s.stuck_unreadable = stuck.as_ref().is_some_and(|(_, unreadable)| *unreadable);
            s.stuck = stuck.map(|(why, _)| why);
        }
    }
    chunk.apply(access, report)?;
    if let Some(since) = reread {
        access.with(|s| {
            s.connection().execute(
                "DELETE FROM meta WHERE key = ?1 AND value = ?2",
                (clock_correction::REREAD_KEY, since),
            )?;
            Ok(())
        })?;
    }
    report.behind = access.with(|s| heads::record(s, &seen))?;
    Ok(others.len())
}

/// Files read and not applied yet, with the read positions they move.
#[derive(Default)]
struct Chunk {
    batches: Vec<Batch>,
    read: Vec<(String, i64)>,
    cells: usize,
}

impl Chunk {
    fn add(&mut self, device: &str, seq: i64, batch: Option<Batch>) {
        self.read.push((device.to_owned(), seq));
        if let Some(batch) = batch {
            self.cells += batch.cells();
            self.batches.push(batch);
        }
    }

    fn full(&self) -> bool {
        self.cells >= APPLY_CHUNK_CELLS
    }

    fn apply<A: StoreAccess>(&mut self, access: &A, report: &mut Report) -> Result<()> {
        if self.batches.is_empty()
            && self.read.is_empty()
            && !access.with(|s| apply::has_quarantined(s))?
            && !access.with(|s| apply::has_known_now(s))?
        {
            return Ok(());
        }
        let applied = access.with(|s| apply::apply(s, &self.batches, &self.read))?;
        merge(&mut report.applied, applied);
        *self = Chunk::default();
        Ok(())
    }
}

/// Reads one device's files from number `from` on, in order, into `chunk` (applied whenever it
/// is full). Returns why reading stopped short of its newest file, if it did, and whether it
/// stopped at a file that is there but cannot be read (rather than at a gap, which a storage
/// still copying files may fill by itself).
#[allow(clippy::too_many_arguments)]
async fn read_device<A: StoreAccess, T: Transport>(
    access: &A,
    transport: &T,
    info: &VaultInfo,
    key: &VaultKey,
    device: &str,
    files: &[(Kind, i64)],
    from: i64,
    chunk: &mut Chunk,
    report: &mut Report,
) -> Result<Option<(String, bool)>> {
    let mut next = from;
    loop {
        let Some(&(kind, seq)) = files.iter().find(|f| f.1 >= next) else {
            return Ok(None); // read up to its newest file
        };
        let name = format!("{}-{seq}", kind.prefix());
        // Why `next` cannot be read in order: a gap (files pruned by their device, because this
        // one fell far behind, or still on their way) or a file that does not open.
        let unreadable = seq == next;
        let blocked = if seq != next {
            format!("file {next} is not on the sync target (the next there is {name})")
        } else {
            match fetch(transport, info, key, device, &name).await {
                Ok(batch) => {
                    report.pulled_files += 1;
                    // A later snapshot repeats what this device read in segments: only a
                    // device's first (fresh) snapshot carries changes of its own.
                    let carries = kind == Kind::Seg || batch.fresh;
                    chunk.add(device, seq, carries.then_some(batch));
                    if chunk.full() {
                        chunk.apply(access, report)?;
                    }
                    next = seq + 1;
                    continue;
                }
                Err(why) => {
                    report.skipped.push(format!("{device}/{name}: {why}"));
                    format!("its file {name} cannot be read ({why})")
                }
            }
        };
        // A snapshot after `next` holds everything its device had written by then: read it
        // whole and go on after it. Newest first; an older one still covers it if the newest
        // cannot be read.
        let mut jumped = false;
        for &(_, snap) in files
            .iter()
            .rev()
            .filter(|f| f.0 == Kind::Snap && f.1 > next)
        {
            let name = format!("snap-{snap}");
            match fetch(transport, info, key, device, &name).await {
                Ok(batch) => {
                    report.pulled_files += 1;
                    chunk.add(device, snap, Some(batch));
                    if chunk.full() {
                        chunk.apply(access, report)?;
                    }
                    next = snap + 1;
                    jumped = true;
                    break;
                }
                Err(why) => report.skipped.push(format!("{device}/{name}: {why}")),
            }
        }
        if !jumped {
            return Ok(Some((
                format!("{blocked}, and no later snapshot of it can be read"),
                unreadable,
            )));
        }
    }
}

pub(super) fn merge(total: &mut Applied, more: Applied) {
    total.fields += more.fields;
    total.rows_created += more.rows_created;
    total.held = more.held;
    total.quarantined += more.quarantined;
    total.waiting_for_update = more.waiting_for_update;
    total.repairs.extend(more.repairs);
}

/// A device that has never pulled starts from the most complete snapshot on the target instead
/// of every segment ever written.
async fn join<A: StoreAccess, T: Transport>(
    access: &A,
    transport: &T,
    info: &VaultInfo,
    key: &VaultKey,
    listings: &BTreeMap<String, Vec<(Kind, i64)>>,
    report: &mut Report,
) -> Result<()> {
    let mut best: Option<Batch> = None;
    for (device, files) in listings {
        let Some(&(_, seq)) = files.iter().rev().find(|f| f.0 == Kind::Snap) else {
            continue;
        };
        let name = format!("snap-{seq}");
        match fetch(transport, info, key, device, &name).await {
            Ok(batch) => {
                let score = |b: &Batch| (b.covers.values().sum::<i64>(), b.seq);
                if best.as_ref().is_none_or(|b| score(&batch) > score(b)) {
                    best = Some(batch);
                }
            }
            Err(why) => report.skipped.push(format!("{device}/{name}: {why}")),
        }
    }
    if let Some(snapshot) = best {
        let read: Vec<(String, i64)> = snapshot
            .covers
            .iter()
            .map(|(d, s)| (d.clone(), *s))
            .collect();
        report.joined_from = Some(snapshot.device.clone());
        report.pulled_files += 1;
        let applied = access.with(|s| apply::apply(s, std::slice::from_ref(&snapshot), &read))?;
        merge(&mut report.applied, applied);
    }
    Ok(())
}

/// One file of a device, decrypted and checked; the reason it cannot be read otherwise.
pub(super) async fn fetch<T: Transport>(
    transport: &T,
    info: &VaultInfo,
    key: &VaultKey,
    device: &str,
    name: &str,
) -> std::result::Result<Batch, String> {
    let bytes = transport
        .get(&format!("{}{name}", names::device_dir(device)))
        .await
        .map_err(|e| e.message)?
        .ok_or("listed but gone")?;
    let plain =
        vault::open(key, &info.vault_id, device, name, &bytes).map_err(|e| e.to_string())?;
    let batch = Batch::decode(&plain).map_err(|e| e.to_string())?;
    let expected = names::parse_file(name);
    if batch.device != device || expected != Some((batch.kind, batch.seq)) {
        return Err("its content names another file".into());
    }
    Ok(batch)
}

/// Reads a device's `info` and records how it names itself and when it last synced; returns it
/// (for the heads it knows). An `info` that cannot be read is passed over: it is rewritten on
/// that device's every pass.
async fn read_info<A: StoreAccess, T: Transport>(
    access: &A,
    transport: &T,
    info: &VaultInfo,
    key: &VaultKey,
    device: &str,
) -> Option<DeviceInfo> {
    let bytes = transport
        .get(&format!("{}{INFO_FILE}", names::device_dir(device)))
        .await
        .ok()??;
    let plain = vault::open(key, &info.vault_id, device, INFO_FILE, &bytes).ok()?;
    let about = serde_json::from_slice::<DeviceInfo>(&plain).ok()?;
    let _ = access.with(|s: &mut Store| {
        crate::store::capture::device_index(s.connection(), device)?;
        s.connection().execute(
            "UPDATE sync_devices SET name = ?2, reported_at = ?3 WHERE device_id = ?1",
            (device, &about.name, about.synced_at.millis()),
        )?;
        Ok(())
    });
    Some(about)
}
