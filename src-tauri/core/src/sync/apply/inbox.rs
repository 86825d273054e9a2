//! Fields held aside in `sync_inbox`: a row that cannot be created yet (fields it needs are in a
//! file not read yet) or that the garage refused (it duplicates a unique key here). They are
//! merged as soon as the row exists or is complete, so nothing waits for ever.

use std::collections::{BTreeSet, HashMap};

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::error::Result;
use crate::store::capture;

use super::stamps::{device_id, local_stamps, Field};

pub(super) struct TableInfo {
    pub(super) cols: Vec<String>,
    pub(super) required: Vec<String>,
}

pub(super) fn table_info(conn: &Connection, table: &str) -> Result<TableInfo> {
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

/// Keeps fields aside in `sync_inbox` (the greatest stamp per field), to be merged later.
pub(super) fn hold(
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

/// Takes every field held for one row out of `sync_inbox`: by column, its value, stamp and device
/// index.
pub(super) fn take(conn: &Connection, table: &str, id: &str) -> Result<Vec<(String, Field)>> {
    let fields = conn
        .prepare_cached(
            "SELECT i.col, i.value, i.hlc, d.device_id, i.dev FROM sync_inbox i
             JOIN sync_devices d ON d.idx = i.dev WHERE i.tbl = ?1 AND i.id = ?2",
        )?
        .query_map([table, id], |r| {
            Ok((r.get(0)?, (r.get(1)?, (r.get(2)?, r.get(3)?), r.get(4)?)))
        })?
        .collect::<rusqlite::Result<_>>()?;
    conn.prepare_cached("DELETE FROM sync_inbox WHERE tbl = ?1 AND id = ?2")?
        .execute([table, id])?;
    Ok(fields)
}

/// Fields held for rows that exist here now (created locally meanwhile, or refused before) or
/// that are complete: merged like fresh ones, so nothing waits for ever.
pub(super) fn held_rows_ready(
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

pub(super) fn covers<'a>(required: &[String], present: impl Iterator<Item = &'a str>) -> bool {
    let present: BTreeSet<&str> = present.collect();
    required.iter().all(|r| present.contains(r.as_str()))
}
