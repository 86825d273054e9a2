//! Merging one row: each incoming field that carries a greater stamp than the one here wins. A
//! row that does not exist here yet is created once every required field has arrived; until then
//! its fields wait in the inbox.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::store::capture::ROW;

use super::inbox::{covers, hold, TableInfo};
use super::stamps::{local_stamps, set_clock, Field, Stamp};
use super::Applied;

/// What merging one row wrote.
#[derive(Debug, Default)]
pub(super) struct Written {
    pub(super) created: bool,
    pub(super) cols: Vec<String>,
}

impl Written {
    pub(super) fn touches(&self, cols: &[&str]) -> bool {
        self.created || self.cols.iter().any(|c| cols.contains(&c.as_str()))
    }
}

/// Merges one row, or keeps its fields aside when the garage refuses them (a unique key another
/// row here already has: the same file imported on two devices, one Strava bike linked twice).
/// One refused row never stops the others, and is tried again on every later merge.
pub(super) fn merge_row(
    conn: &Connection,
    table: &str,
    id: &str,
    info: &TableInfo,
    incoming: BTreeMap<&str, Field>,
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

fn apply_row(
    conn: &Connection,
    table: &str,
    id: &str,
    info: &TableInfo,
    incoming: BTreeMap<&str, Field>,
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
