//! The backup file: its layout, its checksum, and reading it back with every check made before
//! anything is written. Each refusal says what is wrong with the file and what to do.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::store::capture;
use crate::time::Timestamp;

/// The marker that says a file is a Pedalwrencher backup.
pub const FORMAT: &str = "pedalwrencher-backup";
/// The layout this version writes and the newest it reads.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct BackupFile {
    pub format: String,
    pub version: u32,
    /// The schema version of the garage that wrote it.
    pub schema: usize,
    pub created_at: Timestamp,
    /// The Pedalwrencher that wrote it, for the rider's eyes only.
    pub app_version: String,
    pub tables: BTreeMap<String, Table>,
    /// SHA-256 of `tables` as written (hex).
    pub checksum: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Json>>,
}

pub(super) fn checksum(tables: &BTreeMap<String, Table>) -> Result<String> {
    let text = serde_json::to_string(tables)
        .map_err(|e| Error::invalid(format!("could not write the backup: {e}")))?;
    Ok(format!("{:x}", Sha256::digest(text.as_bytes())))
}

/// A SQLite value as JSON: integers and reals stay apart (`3` and `3.0`), blobs (none of the
/// synced tables has one today) as `{"base64": …}`.
pub(super) fn to_json(v: Sql) -> Json {
    match v {
        Sql::Null => Json::Null,
        Sql::Integer(i) => Json::from(i),
        Sql::Real(f) => serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
        Sql::Text(t) => Json::String(t),
        Sql::Blob(b) => {
            use base64::Engine;
            serde_json::json!({ "base64": base64::engine::general_purpose::STANDARD.encode(b) })
        }
    }
}

pub(super) fn to_sql(v: &Json) -> Option<Sql> {
    Some(match v {
        Json::Null => Sql::Null,
        Json::Bool(b) => Sql::Integer(i64::from(*b)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Sql::Integer(i),
            None => Sql::Real(n.as_f64()?),
        },
        Json::String(s) => Sql::Text(s.clone()),
        Json::Object(o) => {
            use base64::Engine;
            let text = o.get("base64")?.as_str()?;
            Sql::Blob(
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .ok()?,
            )
        }
        Json::Array(_) => return None,
    })
}

fn refused(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::invalid(format!(
        "{} cannot be restored: {why}. Nothing was changed",
        path.display()
    ))
}

/// Reads and checks a backup file against this garage's schema, writing nothing.
pub(super) fn read(path: &Path, conn: &Connection, schema: usize) -> Result<BackupFile> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        action: "read the backup file",
        path: path.to_owned(),
        source,
    })?;
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    if start.map(|i| bytes[i]) != Some(b'{') {
        return Err(refused(
            path,
            "it is not a Pedalwrencher backup (choose the .json file `backup` wrote, not the rides CSV)",
        ));
    }
    let value: Json = serde_json::from_slice(&bytes).map_err(|e| {
        if e.classify() == serde_json::error::Category::Eof {
            refused(
                path,
                "the file is truncated (it ends early, as a copy cut short does); copy it again from where the backup was saved",
            )
        } else {
            refused(
                path,
                format!(
                    "the file is damaged (not valid at line {}, column {}); use another copy of the backup",
                    e.line(),
                    e.column()
                ),
            )
        }
    })?;
    if value.get("format").and_then(Json::as_str) != Some(FORMAT) {
        return Err(refused(
            path,
            "it is not a Pedalwrencher backup (it has no \"format\": \"pedalwrencher-backup\")",
        ));
    }
    let version = value.get("version").and_then(Json::as_u64).unwrap_or(0);
    if version > u64::from(VERSION) {
        return Err(refused(
            path,
            format!(
                "it was made by a newer Pedalwrencher (backup format v{version}; this one reads up to v{VERSION}); update Pedalwrencher and restore it again"
            ),
        ));
    }
    let file: BackupFile = serde_json::from_value(value).map_err(|e| {
        refused(
            path,
            format!("the file is damaged ({e}); use another copy of the backup"),
        )
    })?;
    if checksum(&file.tables)? != file.checksum {
        return Err(refused(
            path,
            "the file is damaged (its contents do not match its checksum: edited or corrupted since it was written); use another copy of the backup",
        ));
    }
    if file.schema > schema {
        return Err(refused(
            path,
            format!(
                "it was made by a newer Pedalwrencher (garage schema v{}; this one knows up to v{schema}); update Pedalwrencher and restore it again",
                file.schema
            ),
        ));
    }
    for (name, table) in &file.tables {
        check_table(path, conn, name, table)?;
    }
    Ok(file)
}

/// The columns of `table` here, with whether each must be given (NOT NULL without a default).
pub(super) fn columns_here(conn: &Connection, table: &str) -> Result<Vec<(String, bool)>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT name, \"notnull\" AND dflt_value IS NULL AND pk = 0 FROM pragma_table_info('{table}')"
    ))?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn check_table(path: &Path, conn: &Connection, name: &str, table: &Table) -> Result<()> {
    if !capture::SYNCED.iter().any(|(t, _)| *t == name) {
        return Err(refused(
            path,
            format!("the file is damaged (it has a table '{name}' no garage has)"),
        ));
    }
    let here = columns_here(conn, name)?;
    for c in &table.columns {
        if !here.iter().any(|(h, _)| h == c) {
            return Err(refused(
                path,
                format!("the file is damaged (table {name} has a column '{c}' no garage of its version has)"),
            ));
        }
    }
    if table.columns.first().map(String::as_str) != Some("id") {
        return Err(refused(
            path,
            format!("the file is damaged (table {name} does not start with its id)"),
        ));
    }
    for (col, required) in &here {
        if *required && !table.columns.contains(col) {
            return Err(refused(
                path,
                format!("the file is damaged (table {name} lacks its column '{col}')"),
            ));
        }
    }
    for (i, row) in table.rows.iter().enumerate() {
        let bad = |why: &str| {
            refused(
                path,
                format!(
                    "the file is damaged (row {} of table {name} {why}); use another copy of the backup",
                    i + 1
                ),
            )
        };
        if row.len() != table.columns.len() {
            return Err(bad("has the wrong number of fields"));
        }
        if !row.first().is_some_and(Json::is_string) {
            return Err(bad("has no id"));
        }
        if row.iter().any(|v| to_sql(v).is_none()) {
            return Err(bad("holds a value no column can"));
        }
    }
    Ok(())
}
