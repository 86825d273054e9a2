//! Fields stamped more than a day ahead of this device's clock (`hlc::QUARANTINE_MS`): kept aside
//! in `sync_quarantine` instead of merged, so one device with a wrong clock cannot win every
//! later edit; merged once they are no longer far ahead.

use std::collections::BTreeMap;

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::error::Result;
use crate::store::{hlc, Store};

use crate::sync::batch::{self, Batch};

/// Whether changes are held back for a clock far ahead (each pass looks whether they are due).
pub fn has_quarantined(store: &Store) -> Result<bool> {
    Ok(store
        .connection()
        .query_row("SELECT EXISTS (SELECT 1 FROM sync_quarantine)", [], |r| {
            r.get(0)
        })?)
}

/// The quarantined fields no longer more than a day ahead, as a batch, removed from quarantine.
pub(super) fn released_from_quarantine(conn: &Connection, now_ms: i64) -> Result<Option<Batch>> {
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
    Ok(Some(as_batch(rows)))
}

/// Fields kept aside, (table, id, column, value, hlc, device id) each, as one batch to apply like
/// a file just read.
pub(super) fn as_batch(rows: Vec<(String, String, String, Value, i64, String)>) -> Batch {
    let mut builder = batch::Builder::default();
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
                    batch::Cell(i as u32, batch::to_json(&value), stamp, d)
                })
                .collect();
            out.push(batch::RowCells(id, cells));
        }
        builder.table(&table, cols, out);
    }
    builder.finish("", batch::Kind::Seg, 0)
}

pub(super) fn quarantine(
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
