//! Remote fields this version cannot use, from a device running a newer version: a table or a
//! column it added, or a value it allows and this version's checks do not (a new metric). They
//! are kept in `sync_unknown` as received (the greatest stamp per field) instead of dropped, the
//! rest of the file applies, and the file counts as read. Once an update makes them known, the
//! next apply merges them like fresh fields: the greatest stamp still wins, so an edit made here
//! since is not overwritten.

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::error::Result;
use crate::store::capture::{self, SYNCED};
use crate::store::Store;
use crate::sync::batch::Batch;

use super::quarantine::as_batch;
use super::stamps::device_id;
use super::vocabulary;

/// How many remote fields wait for this app to be updated.
pub fn waiting_for_update(store: &Store) -> Result<usize> {
    count(store.connection())
}

/// Whether some kept fields are known now (this app was updated): the next pass merges them.
pub fn has_known_now(store: &Store) -> Result<bool> {
    let conn = store.connection();
    let mut stmt = conn.prepare("SELECT tbl, col, value FROM sync_unknown")?;
    let kept = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<Vec<(String, String, Value)>>>()?;
    for (table, col, value) in kept {
        if known(conn, &table, &col, &value)? {
            return Ok(true);
        }
    }
    Ok(false)
}

pub(super) fn count(conn: &Connection) -> Result<usize> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM sync_unknown", [], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Whether this version knows `table.col` (a synced table, a column it has and syncs) and can
/// store `value` there.
pub(super) fn known(conn: &Connection, table: &str, col: &str, value: &Value) -> Result<bool> {
    if !SYNCED.iter().any(|(t, _)| *t == table) {
        return Ok(false);
    }
    Ok(capture::columns(conn, table)?.iter().any(|c| c == col)
        && vocabulary::accepts(table, col, value))
}

/// Keeps one field aside, unless a field with a greater stamp is kept for it already.
#[allow(clippy::too_many_arguments)]
pub(super) fn keep(
    conn: &Connection,
    table: &str,
    id: &str,
    col: &str,
    value: &Value,
    stamp: &(i64, String),
    dev: i64,
    schema: u32,
) -> Result<()> {
    let kept: Option<(i64, i64)> = rusqlite::OptionalExtension::optional(
        conn.prepare_cached(
            "SELECT hlc, dev FROM sync_unknown WHERE tbl = ?1 AND id = ?2 AND col = ?3",
        )?
        .query_row([table, id, col], |r| Ok((r.get(0)?, r.get(1)?))),
    )?;
    if let Some((hlc, kept_dev)) = kept {
        if (hlc, device_id(conn, kept_dev)?) >= *stamp {
            return Ok(());
        }
    }
    conn.prepare_cached(
        "INSERT INTO sync_unknown (tbl, id, col, value, hlc, dev, schema) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (tbl, id, col) DO UPDATE SET value = excluded.value, hlc = excluded.hlc,
         dev = excluded.dev, schema = excluded.schema",
    )?
    .execute((table, id, col, value, stamp.0, dev, schema))?;
    Ok(())
}

/// The kept fields this version now knows (it was updated since), as a batch, removed from
/// `sync_unknown`.
pub(super) fn released_after_update(conn: &Connection) -> Result<Option<Batch>> {
    let rows: Vec<(String, String, String, Value, i64, String)> = conn
        .prepare_cached(
            "SELECT u.tbl, u.id, u.col, u.value, u.hlc, d.device_id FROM sync_unknown u
             JOIN sync_devices d ON d.idx = u.dev",
        )?
        .query_map([], |r| {
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
    let mut now_known = Vec::new();
    for row in rows {
        if known(conn, &row.0, &row.2, &row.3)? {
            conn.prepare_cached(
                "DELETE FROM sync_unknown WHERE tbl = ?1 AND id = ?2 AND col = ?3",
            )?
            .execute([&row.0, &row.1, &row.2])?;
            now_known.push(row);
        }
    }
    if now_known.is_empty() {
        return Ok(None);
    }
    Ok(Some(as_batch(now_known)))
}
