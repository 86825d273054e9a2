//! Merging remote fields into this garage: per field, the greatest (hlc, device id) wins, so the
//! result does not depend on the order files arrive in or on how often. `deleted_at` is a field
//! ordinary edits never write, so a delete beats a concurrent edit and only an explicit, newer
//! undelete brings a row back. Foreign keys and checks are not enforced while applying (fields
//! arrive out of order); the repair afterwards restores what per-field merges can break.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::faults;
use crate::store::capture::{self, ROW, SYNCED};
use crate::store::{hlc, Store};
use crate::wear::usage;

use super::batch::{from_json, Batch};
use super::{notices, repair};

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
    /// Installations the repair closed or removed, as told to the rider.
    pub repairs: Vec<String>,
}

/// A field's stamp: the hybrid logical clock, then the device id to break ties.
type Stamp = (i64, String);

/// What merging one row wrote.
#[derive(Debug, Default)]
struct Written {
    created: bool,
    cols: Vec<String>,
}

impl Written {
    fn touches(&self, cols: &[&str]) -> bool {
        self.created || self.cols.iter().any(|c| cols.contains(&c.as_str()))
    }
}

struct TableInfo {
    cols: Vec<String>,
    required: Vec<String>,
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
        for (device, seq) in read {
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
    // Local edits made by tools that bypass the store are stamped as local before remote ones.
    store.stamp_pending()?;
    let now_ms = store.now().millis();
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
    let released = released_from_quarantine(conn, now_ms)?;
    for batch in released.iter().chain(batches) {
        let dev_idx = batch
            .devices
            .iter()
            .map(|d| capture::device_index(conn, d))
            .collect::<Result<Vec<_>>>()?;
        for t in &batch.tables {
            if !SYNCED.iter().any(|(name, _)| *name == t.table) {
                continue; // a table this version does not sync
            }
            if !tables.contains_key(&t.table) {
                tables.insert(t.table.clone(), table_info(conn, &t.table)?);
            }
            let info = &tables[&t.table];
            for row in &t.rows {
                let mut incoming: BTreeMap<&str, (Value, Stamp, i64)> = BTreeMap::new();
                for cell in &row.1 {
                    let Some(col) = t.cols.get(cell.0 as usize) else {
                        continue;
                    };
                    if !info.cols.contains(col) || col == "id" {
                        continue; // a column this version does not have (or stays local)
                    }
                    let Some(dev) = batch.devices.get(cell.3 as usize) else {
                        continue;
                    };
                    let idx = dev_idx[cell.3 as usize];
                    if hlc::millis(cell.2) > now_ms + hlc::QUARANTINE_MS {
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
                    newest_seen = newest_seen.max(cell.2);
                    let stamp = (cell.2, dev.clone());
                    if incoming
                        .get(col.as_str())
                        .is_none_or(|(_, s, _)| stamp > *s)
                    {
                        incoming.insert(col, (from_json(&cell.1), stamp, idx));
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
        let fields: Vec<(String, Value, i64, String, i64)> = conn
            .prepare_cached(
                "SELECT i.col, i.value, i.hlc, d.device_id, i.dev FROM sync_inbox i
                 JOIN sync_devices d ON d.idx = i.dev WHERE i.tbl = ?1 AND i.id = ?2",
            )?
            .query_map([&table, &id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        conn.prepare_cached("DELETE FROM sync_inbox WHERE tbl = ?1 AND id = ?2")?
            .execute([&table, &id])?;
        let incoming: BTreeMap<&str, (Value, Stamp, i64)> = fields
            .iter()
            .map(|(c, v, h, d, idx)| (c.as_str(), (v.clone(), (*h, d.clone()), *idx)))
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
    conn.execute("DELETE FROM sync_applying", [])?;
    // From here on writes are this device's own: the repair is captured and sent like any edit.
    applied.repairs = repair::installations(conn, &touched_components)?;
    for message in &applied.repairs {
        notices::add(conn, notices::Kind::Repair, message, now_ms)?;
    }
    for message in &refused {
        notices::add(conn, notices::Kind::Repair, message, now_ms)?;
    }
    for (device, stamp) in late_devices {
        notices::clock_ahead(conn, &device, stamp, now_ms)?;
    }
    if applied.fields > 0 {
        usage::rebuild(store)?;
    }
    Ok(applied)
}

/// Whether changes are held back for a clock far ahead (each pass looks whether they are due).
pub fn has_quarantined(store: &Store) -> Result<bool> {
    Ok(store
        .connection()
        .query_row("SELECT EXISTS (SELECT 1 FROM sync_quarantine)", [], |r| {
            r.get(0)
        })?)
}

/// The quarantined fields no longer more than a day ahead, as a batch, removed from quarantine.
fn released_from_quarantine(conn: &Connection, now_ms: i64) -> Result<Option<Batch>> {
    let limit = hlc::from_millis(now_ms + hlc::QUARANTINE_MS);
    let rows: Vec<(String, String, String, Value, i64, String)> = conn
        .prepare_cached(
            "SELECT q.tbl, q.id, q.col, q.value, q.hlc, d.device_id FROM sync_quarantine q
             JOIN sync_devices d ON d.idx = q.dev WHERE q.hlc <= ?1",
        )?
        .query_map([limit], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    if rows.is_empty() {
        return Ok(None);
    }
    conn.execute("DELETE FROM sync_quarantine WHERE hlc <= ?1", [limit])?;
    let mut builder = super::batch::Builder::default();
    type Fields = Vec<(String, Value, i64, u32)>;
    let mut by_table: BTreeMap<String, BTreeMap<String, Fields>> = BTreeMap::new();
    for (table, id, col, value, stamp, device) in rows {
        let d = builder.device(&device);
        by_table
            .entry(table)
            .or_default()
            .entry(id)
            .or_default()
            .push((col, value, stamp, d));
    }
    for (table, rows) in by_table {
        let mut cols: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for (id, fields) in rows {
            let cells = fields
                .into_iter()
                .map(|(col, value, stamp, d)| {
                    let i = cols.iter().position(|c| *c == col).unwrap_or_else(|| {
                        cols.push(col);
                        cols.len() - 1
                    });
                    super::batch::Cell(i as u32, super::batch::to_json(&value), stamp, d)
                })
                .collect();
            out.push(super::batch::RowCells(id, cells));
        }
        builder.table(&table, cols, out);
    }
    Ok(Some(builder.finish("", super::batch::Kind::Seg, 0)))
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

fn table_info(conn: &Connection, table: &str) -> Result<TableInfo> {
    let cols = capture::columns(conn, table)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT name FROM pragma_table_info('{table}') WHERE \"notnull\" = 1 AND dflt_value IS NULL AND name != 'id'"
    ))?;
    let required = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|c| cols.contains(c))
        .collect();
    Ok(TableInfo { cols, required })
}

/// Merges one row, or keeps its fields aside when the garage refuses them (a unique key another
/// row here already has: the same file imported on two devices, one Strava bike linked twice).
/// One refused row never stops the others, and is tried again on every later merge.
fn merge_row(
    conn: &Connection,
    table: &str,
    id: &str,
    info: &TableInfo,
    incoming: BTreeMap<&str, (Value, Stamp, i64)>,
    applied: &mut Applied,
    refused: &mut Vec<String>,
) -> Result<Written> {
    let fields: Vec<(&str, Value, i64, i64)> = incoming
        .iter()
        .map(|(c, (v, s, d))| (*c, v.clone(), s.0, *d))
        .collect();
    conn.execute_batch("SAVEPOINT merge_row")?;
    match apply_row(conn, table, id, info, incoming, applied) {
        Ok(written) => {
            conn.execute_batch("RELEASE merge_row")?;
            Ok(written)
        }
        Err(Error::Storage(rusqlite::Error::SqliteFailure(e, detail)))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            conn.execute_batch("ROLLBACK TO merge_row; RELEASE merge_row")?;
            hold(conn, table, id, &fields)?;
            refused.push(format!(
                "A {} from another device could not be merged here ({}): it duplicates one this \
                 device has. It is kept aside and merged as soon as one of the two is deleted or \
                 changed",
                singular(table),
                detail.unwrap_or_else(|| e.to_string())
            ));
            Ok(Written::default())
        }
        Err(other) => {
            conn.execute_batch("ROLLBACK TO merge_row; RELEASE merge_row")?;
            Err(other)
        }
    }
}

fn singular(table: &str) -> &str {
    table.strip_suffix('s').unwrap_or(table)
}

/// Fields held for rows that exist here now (created locally meanwhile, or refused before) or
/// that are complete: merged like fresh ones, so nothing waits for ever.
fn held_rows_ready(
    conn: &Connection,
    tables: &HashMap<String, TableInfo>,
) -> Result<Vec<(String, String)>> {
    let held: Vec<(String, String)> = conn
        .prepare_cached("SELECT DISTINCT tbl, id FROM sync_inbox")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut ready = Vec::new();
    for (table, id) in held {
        let exists: bool = conn
            .prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM \"{table}\" WHERE id = ?1)"
            ))?
            .query_row([&id], |r| r.get(0))?;
        let complete = tables.get(&table).is_some_and(|info| {
            let cols: Vec<String> = conn
                .prepare_cached("SELECT col FROM sync_inbox WHERE tbl = ?1 AND id = ?2")
                .and_then(|mut s| s.query_map([&table, &id], |r| r.get(0))?.collect())
                .unwrap_or_default();
            covers(&info.required, cols.iter().map(String::as_str))
        });
        if exists || complete {
            ready.push((table, id));
        }
    }
    Ok(ready)
}

fn apply_row(
    conn: &Connection,
    table: &str,
    id: &str,
    info: &TableInfo,
    incoming: BTreeMap<&str, (Value, Stamp, i64)>,
    applied: &mut Applied,
) -> Result<Written> {
    let local = local_stamps(conn, "sync_clock", table, id)?;
    // Fields without an entry of their own carry the row's creation stamp, unless NULL.
    let created = match local.get(ROW) {
        Some(stamp) => Some((stamp, non_null_columns(conn, table, id, &info.cols)?)),
        None => None,
    };
    let stamp_of = |col: &str| -> Option<&Stamp> {
        local.get(col).or_else(|| {
            created
                .as_ref()
                .filter(|(_, set)| set.contains(col))
                .map(|(stamp, _)| *stamp)
        })
    };
    let winners: Vec<(&str, Value, i64, i64)> = incoming
        .into_iter()
        .filter(|(col, (_, stamp, _))| stamp_of(col).is_none_or(|l| stamp > l))
        .map(|(col, (value, stamp, idx))| (col, value, stamp.0, idx))
        .collect();
    if winners.is_empty() {
        return Ok(Written::default());
    }
    let exists: bool = conn
        .prepare_cached(&format!(
            "SELECT EXISTS (SELECT 1 FROM \"{table}\" WHERE id = ?1)"
        ))?
        .query_row([id], |r| r.get(0))?;
    if exists {
        let sets = winners
            .iter()
            .enumerate()
            .map(|(i, (col, ..))| format!("\"{col}\" = ?{}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let mut params: Vec<&dyn rusqlite::ToSql> = vec![&id];
        params.extend(winners.iter().map(|(_, v, ..)| v as &dyn rusqlite::ToSql));
        conn.prepare_cached(&format!("UPDATE \"{table}\" SET {sets} WHERE id = ?1"))?
            .execute(params.as_slice())?;
        for (col, _, hlc, dev) in &winners {
            set_clock(conn, table, id, col, *hlc, *dev)?;
        }
        applied.fields += winners.len();
        return Ok(Written {
            created: false,
            cols: winners.iter().map(|w| w.0.to_owned()).collect(),
        });
    }
    let has_held: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM sync_inbox WHERE tbl = ?1 AND id = ?2)")?
        .query_row([table, id], |r| r.get(0))?;
    if !has_held && covers(&info.required, winners.iter().map(|w| w.0)) {
        insert_row(conn, table, id, &winners)?;
        applied.fields += winners.len();
        applied.rows_created += 1;
        return Ok(Written {
            created: true,
            cols: winners.iter().map(|w| w.0.to_owned()).collect(),
        });
    }
    // Not creatable yet, or more of it is waiting: merge into what is held, then try again.
    hold(conn, table, id, &winners)?;
    let all: Vec<(String, Value, i64, i64)> = conn
        .prepare_cached("SELECT col, value, hlc, dev FROM sync_inbox WHERE tbl = ?1 AND id = ?2")?
        .query_map([table, id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    if !covers(&info.required, all.iter().map(|a| a.0.as_str())) {
        return Ok(Written::default());
    }
    let fields: Vec<(&str, Value, i64, i64)> = all
        .iter()
        .map(|(c, v, h, d)| (c.as_str(), v.clone(), *h, *d))
        .collect();
    insert_row(conn, table, id, &fields)?;
    conn.prepare_cached("DELETE FROM sync_inbox WHERE tbl = ?1 AND id = ?2")?
        .execute([table, id])?;
    applied.fields += fields.len();
    applied.rows_created += 1;
    Ok(Written {
        created: true,
        cols: fields.iter().map(|f| f.0.to_owned()).collect(),
    })
}

/// Keeps fields aside in `sync_inbox` (the greatest stamp per field), to be merged later.
fn hold(
    conn: &Connection,
    table: &str,
    id: &str,
    fields: &[(&str, Value, i64, i64)],
) -> Result<()> {
    let held = local_stamps(conn, "sync_inbox", table, id)?;
    for (col, value, hlc, dev) in fields {
        let stamp = (*hlc, device_id(conn, *dev)?);
        if held.get(*col).is_none_or(|h| stamp > *h) {
            conn.prepare_cached(
                "INSERT INTO sync_inbox (tbl, id, col, value, hlc, dev) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (tbl, id, col) DO UPDATE SET value = excluded.value, hlc = excluded.hlc, dev = excluded.dev",
            )?
            .execute((table, id, col, value, hlc, dev))?;
        }
    }
    Ok(())
}

fn covers<'a>(required: &[String], present: impl Iterator<Item = &'a str>) -> bool {
    let present: BTreeSet<&str> = present.collect();
    required.iter().all(|r| present.contains(r.as_str()))
}

fn insert_row(
    conn: &Connection,
    table: &str,
    id: &str,
    fields: &[(&str, Value, i64, i64)],
) -> Result<()> {
    let cols = fields
        .iter()
        .map(|f| format!(", \"{}\"", f.0))
        .collect::<String>();
    let marks = (0..fields.len())
        .map(|i| format!(", ?{}", i + 2))
        .collect::<String>();
    let mut params: Vec<&dyn rusqlite::ToSql> = vec![&id];
    params.extend(fields.iter().map(|f| &f.1 as &dyn rusqlite::ToSql));
    conn.prepare_cached(&format!(
        "INSERT INTO \"{table}\" (id{cols}) VALUES (?1{marks})"
    ))?
    .execute(params.as_slice())?;
    // Created whole by one write (the usual case, and every row of a snapshot): one entry for
    // the row, as a local insert makes. A NULL must keep its own stamp, so it then goes per field.
    let first = (fields[0].2, fields[0].3);
    if fields
        .iter()
        .all(|f| (f.2, f.3) == first && f.1 != Value::Null)
    {
        return set_clock(conn, table, id, ROW, first.0, first.1);
    }
    for (col, _, hlc, dev) in fields {
        set_clock(conn, table, id, col, *hlc, *dev)?;
    }
    Ok(())
}

/// The columns of one row whose value is not NULL.
fn non_null_columns(
    conn: &Connection,
    table: &str,
    id: &str,
    cols: &[String],
) -> Result<BTreeSet<String>> {
    let select = cols
        .iter()
        .map(|c| format!("\"{c}\" IS NOT NULL"))
        .collect::<Vec<_>>()
        .join(", ");
    let flags: Vec<bool> = conn
        .prepare_cached(&format!("SELECT {select} FROM \"{table}\" WHERE id = ?1"))?
        .query_row([id], |r| (0..cols.len()).map(|i| r.get(i)).collect())
        .optional()?
        .unwrap_or_default();
    Ok(cols
        .iter()
        .zip(flags)
        .filter(|(_, set)| *set)
        .map(|(c, _)| c.clone())
        .collect())
}

fn set_clock(
    conn: &Connection,
    table: &str,
    id: &str,
    col: &str,
    hlc: i64,
    dev: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_clock (tbl, id, col, hlc, dev, lseq) VALUES (?1, ?2, ?3, ?4, ?5, NULL)
         ON CONFLICT (tbl, id, col) DO UPDATE SET hlc = excluded.hlc, dev = excluded.dev, lseq = NULL",
    )?
    .execute((table, id, col, hlc, dev))?;
    Ok(())
}

/// The stamps `source` (the clock, or the held fields) has for one row, by column.
fn local_stamps(
    conn: &Connection,
    source: &str,
    table: &str,
    id: &str,
) -> Result<HashMap<String, Stamp>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT s.col, s.hlc, d.device_id FROM {source} s JOIN sync_devices d ON d.idx = s.dev
         WHERE s.tbl = ?1 AND s.id = ?2"
    ))?;
    let rows = stmt.query_map([table, id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            (r.get::<_, i64>(1)?, r.get::<_, String>(2)?),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn device_id(conn: &Connection, idx: i64) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT device_id FROM sync_devices WHERE idx = ?1")?
        .query_row([idx], |r| r.get(0))?)
}

fn column_of(conn: &Connection, table: &str, id: &str, col: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(&format!("SELECT \"{col}\" FROM \"{table}\" WHERE id = ?1"))?
        .query_row([id], |r| r.get(0))
        .optional()?
        .flatten())
}

fn quarantine(
    conn: &Connection,
    table: &str,
    id: &str,
    col: &str,
    value: &Value,
    hlc: i64,
    dev: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_quarantine (tbl, id, col, value, hlc, dev) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (tbl, id, col, dev) DO UPDATE SET value = excluded.value, hlc = excluded.hlc
         WHERE excluded.hlc > sync_quarantine.hlc",
    )?
    .execute((table, id, col, value, hlc, dev))?;
    Ok(())
}
