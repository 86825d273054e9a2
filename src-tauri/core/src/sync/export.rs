//! Reading what to send out of the database: this device's own changes since its last file (a
//! segment), or every field of the garage with its stamp (a snapshot).

use std::collections::BTreeMap;

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::error::Result;
use crate::store::capture::{self, ROW, SYNCED};

use super::batch::{to_json, Builder, Cell, RowCells};

/// This device's changes committed after its commit number `after`: about `max_cells` fields at
/// most, never splitting one commit across two files; with the last commit number included.
/// `None` when there is nothing new.
pub(crate) fn own_changes(
    conn: &Connection,
    me: i64,
    my_id: &str,
    after: i64,
    max_cells: usize,
) -> Result<Option<(Builder, i64, usize)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT tbl, id, col, lseq, hlc FROM sync_clock WHERE dev = ?1 AND lseq > ?2 ORDER BY lseq LIMIT ?3",
    )?;
    let mut rows: Vec<(String, String, String, i64, i64)> = stmt
        .query_map((me, after, (max_cells + 1) as i64), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    if rows.is_empty() {
        return Ok(None);
    }
    if rows.len() > max_cells {
        let boundary = rows[max_cells].3;
        rows.retain(|r| r.3 < boundary);
        if rows.is_empty() {
            // One transaction bigger than a file: it goes whole.
            let mut stmt = conn.prepare_cached(
                "SELECT tbl, id, col, lseq, hlc FROM sync_clock WHERE dev = ?1 AND lseq = ?2",
            )?;
            rows = stmt
                .query_map((me, boundary), |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
        }
    }
    let upto = rows.iter().map(|r| r.3).max().unwrap_or(after);
    let mut by_row: BTreeMap<String, BTreeMap<String, Vec<(String, i64)>>> = BTreeMap::new();
    for (tbl, id, col, _, hlc) in rows {
        by_row
            .entry(tbl)
            .or_default()
            .entry(id)
            .or_default()
            .push((col, hlc));
    }
    let mut builder = Builder::default();
    let dev = builder.device(my_id);
    let mut cells = 0;
    let mut own_fields = conn.prepare_cached(&format!(
        "SELECT col FROM sync_clock WHERE tbl = ?1 AND id = ?2 AND col != '{ROW}'"
    ))?;
    for (table, rows) in by_row {
        let cols = capture::columns(conn, &table)?;
        let pos: BTreeMap<&str, usize> = cols
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let mut select = conn.prepare(&format!(
            "SELECT {} FROM \"{table}\" WHERE id = ?1",
            quoted(&cols)
        ))?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, fields) in rows {
            let values: Vec<Value> = select.query_row([&id], |r| {
                (0..cols.len()).map(|i| r.get::<_, Value>(i)).collect()
            })?;
            let mut row = Vec::new();
            for (col, hlc) in fields {
                if col == ROW {
                    // The creation: every field set then and not changed since (those have
                    // entries of their own, sent with their own stamps).
                    let edited: Vec<String> = own_fields
                        .query_map([&table, &id], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    for (i, c) in cols.iter().enumerate().skip(1) {
                        if values[i] != Value::Null && !edited.contains(c) {
                            row.push(Cell(i as u32, to_json(&values[i]), hlc, dev));
                        }
                    }
                } else if let Some(&i) = pos.get(col.as_str()) {
                    row.push(Cell(i as u32, to_json(&values[i]), hlc, dev));
                }
            }
            cells += row.len();
            out.push(RowCells(id, row));
        }
        builder.table(&table, cols, out);
    }
    Ok(Some((builder, upto, cells)))
}

/// Every stamped field of every synced row, and the fields held for rows not created yet.
pub(crate) fn whole_garage(conn: &Connection) -> Result<(Builder, usize)> {
    let mut builder = Builder::default();
    let mut total = 0;
    for (table, _) in SYNCED {
        let cols = capture::columns(conn, table)?;
        let pos: BTreeMap<&str, usize> = cols
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        // Two ordered cursors, merged by id: the rows and their stamps.
        let mut rows_stmt = conn.prepare(&format!(
            "SELECT {} FROM \"{table}\" ORDER BY id",
            quoted(&cols)
        ))?;
        let mut stamps_stmt = conn.prepare(
            "SELECT c.id, c.col, c.hlc, d.device_id FROM sync_clock c
             JOIN sync_devices d ON d.idx = c.dev
             WHERE c.tbl = ?1 ORDER BY c.id",
        )?;
        let mut stamps = stamps_stmt
            .query_map([table], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .peekable();
        let mut out = Vec::new();
        let mut rows = rows_stmt.query([])?;
        while let Some(row) = rows.next()? {
            let values: Vec<Value> = (0..cols.len())
                .map(|i| row.get::<_, Value>(i))
                .collect::<rusqlite::Result<_>>()?;
            let Value::Text(id) = &values[0] else {
                continue;
            };
            let mut stamps_of_row: Vec<(String, i64, String)> = Vec::new();
            while let Some(Ok((sid, _, _, _))) = stamps.peek() {
                if sid.as_str() > id.as_str() {
                    break;
                }
                let (sid, col, hlc, dev) = stamps.next().expect("peeked")?;
                if sid == *id {
                    stamps_of_row.push((col, hlc, dev));
                }
            }
            if let Some(Err(_)) = stamps.peek() {
                stamps.next().expect("peeked")?;
            }
            let row_stamp = stamps_of_row.iter().find(|s| s.0 == ROW).cloned();
            let mut cells = Vec::new();
            for (i, c) in cols.iter().enumerate().skip(1) {
                let own = stamps_of_row.iter().find(|s| s.0 == *c);
                let stamp = match (own, &row_stamp) {
                    (Some(s), _) => Some(s),
                    (None, Some(r)) if values[i] != Value::Null => Some(r),
                    _ => None,
                };
                if let Some((_, hlc, dev)) = stamp {
                    let d = builder.device(dev);
                    cells.push(Cell(i as u32, to_json(&values[i]), *hlc, d));
                }
            }
            if !cells.is_empty() {
                total += cells.len();
                out.push(RowCells(id.clone(), cells));
            }
        }
        // Fields held for rows this device could not create yet travel on as they are.
        // So are the ones held back for a clock far ahead: the snapshot says it covers their
        // files, so a device joining from it must get them too (and hold them back itself).
        let mut held_stmt = conn.prepare(
            "SELECT i.id, i.col, i.value, i.hlc, d.device_id FROM sync_inbox i
             JOIN sync_devices d ON d.idx = i.dev WHERE i.tbl = ?1
             UNION ALL
             SELECT q.id, q.col, q.value, q.hlc, d.device_id FROM sync_quarantine q
             JOIN sync_devices d ON d.idx = q.dev WHERE q.tbl = ?1
             ORDER BY 1",
        )?;
        let mut held: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
        let mut q = held_stmt.query([table])?;
        while let Some(r) = q.next()? {
            let (id, col, value, hlc, dev): (String, String, Value, i64, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            if let Some(&i) = pos.get(col.as_str()) {
                let d = builder.device(&dev);
                held.entry(id)
                    .or_default()
                    .push(Cell(i as u32, to_json(&value), hlc, d));
            }
        }
        for (id, cells) in held {
            total += cells.len();
            out.push(RowCells(id, cells));
        }
        builder.table(table, cols, out);
    }
    total += kept_for_update(conn, &mut builder)?;
    Ok((builder, total))
}

/// The fields kept for a newer version (`sync_unknown`) travel on as they came, under their own
/// table and column names: the snapshot covers the files they came in, so a device joining from
/// it, perhaps one already updated, must get them too.
fn kept_for_update(conn: &Connection, builder: &mut Builder) -> Result<usize> {
    let mut stmt = conn.prepare(
        "SELECT u.tbl, u.id, u.col, u.value, u.hlc, d.device_id FROM sync_unknown u
         JOIN sync_devices d ON d.idx = u.dev ORDER BY u.tbl, u.id",
    )?;
    type Row = (String, String, String, Value, i64, String);
    let kept: Vec<Row> = stmt
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
    let mut by_table: BTreeMap<String, BTreeMap<String, Vec<Row>>> = BTreeMap::new();
    for row in kept {
        by_table
            .entry(row.0.clone())
            .or_default()
            .entry(row.1.clone())
            .or_default()
            .push(row);
    }
    let mut total = 0;
    for (table, rows) in by_table {
        let mut cols: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for (id, fields) in rows {
            let mut cells = Vec::new();
            for (_, _, col, value, hlc, dev) in fields {
                let i = match cols.iter().position(|c| *c == col) {
                    Some(i) => i,
                    None => {
                        cols.push(col);
                        cols.len() - 1
                    }
                };
                let d = builder.device(&dev);
                cells.push(Cell(i as u32, to_json(&value), hlc, d));
            }
            total += cells.len();
            out.push(RowCells(id, cells));
        }
        builder.table(&table, cols, out);
    }
    Ok(total)
}

pub(crate) fn quoted(cols: &[String]) -> String {
    cols.iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
