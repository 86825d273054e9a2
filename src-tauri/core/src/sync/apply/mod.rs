//! Merging remote fields into this garage: per field, the greatest (hlc, device id) wins, so the
//! result does not depend on the order files arrive in or on how often. `deleted_at` is a field
//! ordinary edits never write, so a delete beats a concurrent edit and only an explicit, newer
//! undelete brings a row back. Foreign keys and checks are not enforced while applying (fields
//! arrive out of order); the repair afterwards restores what per-field merges can break.
//!
//! - `merge` merges one row's fields (or holds them aside when the row cannot exist yet);
//! - `inbox` keeps fields for rows that cannot be written yet, until they can;
//! - `quarantine` keeps fields stamped far in the future until their time comes;
//! - `clock_fixes` voids the stamps a device issued while its clock ran far ahead, once it says so;
//! - `unknown` keeps fields a newer version wrote that this one cannot use, until an update;
//! - `vocabulary` knows which values this version can store in its closed-set columns;
//! - `stamps` reads and writes the per-field stamps (`sync_clock`, `sync_inbox`).

mod clock_fixes;
mod inbox;
mod merge;
mod quarantine;
mod stamps;
mod unknown;
mod vocabulary;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::faults;
use crate::store::capture::{self, SYNCED};
use crate::store::{clock_correction, hlc, Store};
use crate::wear::usage;

use super::batch::{from_json, Batch};
use super::{notices, repair};

use self::clock_fixes::ClockFixes;
use self::inbox::{held_rows_ready, table_info, TableInfo};
use self::merge::{merge_row, Written};
use self::quarantine::{quarantine, released_from_quarantine};
use self::stamps::Field;

pub use self::quarantine::has_quarantined;
pub use self::unknown::{has_known_now, waiting_for_update};

/// What applying some files did.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Applied {
    /// Fields that took a remote value.
    pub fields: usize,
    /// Rows that now exist here and did not before.
    pub rows_created: usize,
    /// Rows still waiting for fields from a file not read yet.
    pub held: usize,
    /// Fields stamped too far in the future, kept aside (see `sync_quarantine`).
    pub quarantined: usize,
    /// Remote fields a newer version wrote that this one cannot use yet (a table, a column or a
    /// value it does not know), kept aside and merged once this app is updated.
    pub waiting_for_update: usize,
    /// Installations the repair closed or removed, as told to the rider.
    pub repairs: Vec<String>,
}

/// Applies `batches` in one transaction, and records in it that this device has now read each
/// device's files up to `read` (device id, seq). Applying the same batches again, or in another
/// order, leaves the same garage.
pub fn apply(store: &mut Store, batches: &[Batch], read: &[(String, i64)]) -> Result<Applied> {
    if !store.connection().is_autocommit() {
        return Err(Error::Invalid(
            "sync cannot apply remote changes inside another write".into(),
        ));
    }
    // Both are connection settings SQLite ignores inside a transaction: set them around it.
    set_enforcement(store.connection(), false)?;
    let result = store.atomically(|store| {
        let applied = apply_in_tx(store, batches)?;
        let now = store.now().millis();
        // This device's own files are read again only after its clock was set right.
        for (device, seq) in read.iter().filter(|(d, _)| d != store.device_id()) {
            capture::device_index(store.connection(), device)?;
            store.connection().execute(
                "UPDATE sync_devices SET read_seq = MAX(read_seq, ?2), last_seen_at = ?3 WHERE device_id = ?1",
                (device, seq, now),
            )?;
        }
        Ok(applied)
    });
    set_enforcement(store.connection(), true)?;
    result
}

fn set_enforcement(conn: &Connection, on: bool) -> Result<()> {
    conn.pragma_update(None, "foreign_keys", if on { "ON" } else { "OFF" })?;
    conn.pragma_update(
        None,
        "ignore_check_constraints",
        if on { "OFF" } else { "ON" },
    )?;
    Ok(())
}

fn apply_in_tx(store: &mut Store, batches: &[Batch]) -> Result<Applied> {
    let now_ms = store.now().millis();
    let device_id = store.device_id().to_owned();
    clock_correction::recover_if_corrected(store.connection(), &device_id, now_ms)?;
    // Local edits made by tools that bypass the store are stamped as local before remote ones.
    store.stamp_pending()?;
    let conn = store.connection();
    conn.execute("INSERT INTO sync_applying (one) VALUES (1)", [])?;
    let mut applied = Applied::default();
    let mut tables: HashMap<String, TableInfo> = HashMap::new();
    let mut touched_rules = BTreeSet::new();
    let mut touched_components = BTreeSet::new();
    let mut newest_seen = 0_i64;
    let mut late_devices: BTreeMap<String, i64> = BTreeMap::new();
    let mut refused = Vec::new();
    // Changes held back for a clock far ahead are merged once they are no longer far ahead
    // (time caught up, or this device's clock was the wrong one).
    // Stamps a device voided when its clock was set right are dropped first: released a year
    // later, they would overwrite everything edited meanwhile.
    let fixes = ClockFixes::load(conn, batches)?;
    let settled = fixes.drop_quarantined(conn)?;
    fixes.disown_held(conn, now_ms)?;
    let released = released_from_quarantine(conn, now_ms)?;
    // Fields kept for a newer version that this one now knows (it was updated since).
    let updated = unknown::released_after_update(conn)?;
    for batch in released.iter().chain(updated.iter()).chain(batches) {
        let dev_idx = batch
            .devices
            .iter()
            .map(|d| capture::device_index(conn, d))
            .collect::<Result<Vec<_>>>()?;
        for t in &batch.tables {
            let Some((_, local_cols)) = SYNCED.iter().find(|(name, _)| *name == t.table) else {
                // A table this version does not sync: kept for after an update.
                keep_table(conn, batch, t, &dev_idx)?;
                continue;
            };
            if !tables.contains_key(&t.table) {
                tables.insert(t.table.clone(), table_info(conn, &t.table)?);
            }
            let info = &tables[&t.table];
            for row in &t.rows {
                let mut incoming: BTreeMap<&str, Field> = BTreeMap::new();
                for cell in &row.1 {
                    let Some(col) = t.cols.get(cell.0 as usize) else {
                        continue;
                    };
                    if col == "id" || local_cols.contains(&col.as_str()) {
                        continue; // stays on each device
                    }
                    let Some(dev) = batch.devices.get(cell.3 as usize) else {
                        continue;
                    };
                    let idx = dev_idx[cell.3 as usize];
                    let far_ahead = hlc::millis(cell.2) > now_ms + hlc::QUARANTINE_MS;
                    if fixes.voids(batch, dev, cell.2, far_ahead) {
                        continue; // re-stamped by its device when its clock was set right
                    }
                    if far_ahead {
                        quarantine(
                            conn,
                            &t.table,
                            &row.0,
                            col,
                            &from_json(&cell.1),
                            cell.2,
                            idx,
                        )?;
                        applied.quarantined += 1;
                        let e = late_devices.entry(dev.clone()).or_insert(cell.2);
                        *e = (*e).max(cell.2);
                        continue;
                    }
                    let value = from_json(&cell.1);
                    let stamp = (cell.2, dev.clone());
                    if !info.cols.contains(col) || !vocabulary::accepts(&t.table, col, &value) {
                        // A column or a value of a newer version: never into the garage (the
                        // wear rebuild reads it), kept for after an update.
                        unknown::keep(
                            conn,
                            &t.table,
                            &row.0,
                            col,
                            &value,
                            &stamp,
                            idx,
                            batch.schema,
                        )?;
                        continue;
                    }
                    newest_seen = newest_seen.max(cell.2);
                    if incoming
                        .get(col.as_str())
                        .is_none_or(|(_, s, _)| stamp > *s)
                    {
                        incoming.insert(col, (value, stamp, idx));
                    }
                }
                if incoming.is_empty() {
                    continue;
                }
                let written = merge_row(
                    conn,
                    &t.table,
                    &row.0,
                    info,
                    incoming,
                    &mut applied,
                    &mut refused,
                )?;
                touched(
                    conn,
                    &t.table,
                    &row.0,
                    &written,
                    &mut touched_rules,
                    &mut touched_components,
                )?;
            }
        }
        // Inside the transaction, some rows applied: a crash here must leave none of them.
        faults::point("sync.mid_apply");
    }
    for (table, _) in SYNCED {
        if !tables.contains_key(*table) {
            tables.insert((*table).to_owned(), table_info(conn, table)?);
        }
    }
    for (table, id) in held_rows_ready(conn, &tables)? {
        let info = &tables[&table];
        let fields = inbox::take(conn, &table, &id)?;
        let incoming: BTreeMap<&str, Field> = fields
            .iter()
            .map(|(col, field)| (col.as_str(), field.clone()))
            .collect();
        let written = merge_row(
            conn,
            &table,
            &id,
            info,
            incoming,
            &mut applied,
            &mut refused,
        )?;
        touched(
            conn,
            &table,
            &id,
            &written,
            &mut touched_rules,
            &mut touched_components,
        )?;
    }
    if newest_seen > 0 {
        hlc::observe(conn, newest_seen, now_ms)?;
    }
    // The service epoch is this device's own (it keys its reminders): a service done elsewhere
    // moves it here too, so a part due again after that service reminds again.
    for rule in &touched_rules {
        conn.execute("UPDATE rules SET epoch = epoch + 1 WHERE id = ?1", [rule])?;
    }
    applied.held = conn.query_row(
        "SELECT COUNT(*) FROM (SELECT DISTINCT tbl, id FROM sync_inbox)",
        [],
        |r| r.get::<_, i64>(0),
    )? as usize;
    applied.waiting_for_update = unknown::count(conn)?;
    conn.execute("DELETE FROM sync_applying", [])?;
    // From here on writes are this device's own: the repair is captured and sent like any edit.
    applied.repairs = repair::installations(conn, &touched_components)?;
    for message in &applied.repairs {
        notices::add(conn, notices::Kind::Repair, message, now_ms)?;
    }
    for message in &refused {
        notices::add(conn, notices::Kind::Repair, message, now_ms)?;
    }
    for device in settled {
        notices::clock_set_right(conn, &device, now_ms)?;
    }
    for (device, stamp) in late_devices {
        notices::clock_ahead(conn, &device, stamp, now_ms)?;
    }
    if applied.fields > 0 {
        usage::rebuild(store)?;
    }
    Ok(applied)
}

/// Keeps every field of a table this version does not sync, for after an update.
fn keep_table(
    conn: &Connection,
    batch: &Batch,
    t: &super::batch::TableCells,
    dev_idx: &[i64],
) -> Result<()> {
    for row in &t.rows {
        for cell in &row.1 {
            let (Some(col), Some(dev), Some(idx)) = (
                t.cols.get(cell.0 as usize),
                batch.devices.get(cell.3 as usize),
                dev_idx.get(cell.3 as usize),
            ) else {
                continue;
            };
            let stamp = (cell.2, dev.clone());
            let value = from_json(&cell.1);
            unknown::keep(
                conn,
                &t.table,
                &row.0,
                col,
                &value,
                &stamp,
                *idx,
                batch.schema,
            )?;
        }
    }
    Ok(())
}

/// Notes what a merged row means beyond itself: a service done, undone or moved changes its
/// rule's epoch here; a changed installation needs the repair.
fn touched(
    conn: &Connection,
    table: &str,
    id: &str,
    written: &Written,
    rules: &mut BTreeSet<String>,
    components: &mut BTreeSet<String>,
) -> Result<()> {
    match table {
        "services" if written.touches(&["done_at", "deleted_at", "rule_id"]) => {
            if let Some(rule) = column_of(conn, "services", id, "rule_id")? {
                rules.insert(rule);
            }
        }
        "installations" if written.created || !written.cols.is_empty() => {
            if let Some(c) = column_of(conn, "installations", id, "component_id")? {
                components.insert(c);
            }
        }
        _ => {}
    }
    Ok(())
}

fn column_of(conn: &Connection, table: &str, id: &str, col: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(&format!("SELECT \"{col}\" FROM \"{table}\" WHERE id = ?1"))?
        .query_row([id], |r| r.get(0))
        .optional()?
        .flatten())
}
