//! The stamps of fields: which (hlc, device) last wrote each field of a row, in this garage's
//! clock (`sync_clock`) or among the fields held aside (`sync_inbox`).

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::error::Result;

/// A field's stamp: the hybrid logical clock, then the device id to break ties.
pub(super) type Stamp = (i64, String);

/// A field arriving: its value, its stamp, and its device's index here (`sync_devices.idx`).
pub(super) type Field = (Value, Stamp, i64);

pub(super) fn set_clock(
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
pub(super) fn local_stamps(
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

pub(super) fn device_id(conn: &Connection, idx: i64) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT device_id FROM sync_devices WHERE idx = ?1")?
        .query_row([idx], |r| r.get(0))?)
}
