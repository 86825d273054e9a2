//! Writing a backup: every synced table read in one snapshot, the file written beside its
//! destination and renamed into place (a crash leaves the old file or the new one, never half),
//! and the rides as CSV.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rusqlite::types::Value as Sql;
use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::store::{capture, Store};

use super::format::{self, BackupFile, Table};
use super::{csv, BackupReport, Progress, Stage};

/// Writes the whole garage to `path`, and its rides as CSV next to it (`<name>.rides.csv`).
pub fn export(
    store: &mut Store,
    path: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<BackupReport> {
    let schema = store.schema_version()?;
    let created_at = store.now();
    let conn = store.connection();
    // One read transaction: the tables agree with each other even if the app writes meanwhile.
    let snapshot = conn.unchecked_transaction()?;
    let total = capture::SYNCED.len() as u32;
    let mut tables = BTreeMap::new();
    for (i, (name, _)) in capture::SYNCED.iter().enumerate() {
        progress(Progress {
            stage: Stage::Reading,
            table: Some((*name).to_owned()),
            done: i as u32,
            total,
        });
        tables.insert((*name).to_owned(), read_table(&snapshot, name)?);
    }
    let rides_csv = csv::rides(&snapshot)?;
    snapshot.finish()?;

    let rows = tables
        .iter()
        .map(|(name, t)| (name.clone(), t.rows.len() as u32))
        .collect();
    let file = BackupFile {
        format: format::FORMAT.to_owned(),
        version: format::VERSION,
        schema,
        created_at,
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        checksum: format::checksum(&tables)?,
        tables,
    };
    progress(Progress {
        stage: Stage::Writing,
        table: None,
        done: 0,
        total: 2,
    });
    let text = serde_json::to_vec_pretty(&file)
        .map_err(|e| Error::invalid(format!("could not write the backup: {e}")))?;
    write_atomically(path, &text)?;
    let csv_path = csv_path(path);
    write_atomically(&csv_path, rides_csv.as_bytes())?;
    progress(Progress {
        stage: Stage::Done,
        table: None,
        done: 2,
        total: 2,
    });
    Ok(BackupReport {
        file: path.display().to_string(),
        rides_csv: csv_path.display().to_string(),
        format_version: format::VERSION,
        rows,
    })
}

/// `garage.json` → `garage.rides.csv`.
fn csv_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(|| "backup".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}.rides.csv"))
}

fn read_table(conn: &Connection, name: &str) -> Result<Table> {
    let columns: Vec<String> = format::columns_here(conn, name)?
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    let list = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn.prepare(&format!("SELECT {list} FROM {name} ORDER BY id"))?;
    let n = columns.len();
    let rows = stmt.query_map([], |r| {
        (0..n)
            .map(|i| r.get::<_, Sql>(i).map(format::to_json))
            .collect::<rusqlite::Result<Vec<_>>>()
    })?;
    let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Table { columns, rows })
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |action: &'static str| {
        move |source| Error::Io {
            action,
            path: path.to_owned(),
            source,
        }
    };
    let tmp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name()
            .map_or_else(|| "backup".into(), |s| s.to_string_lossy().into_owned())
    ));
    let mut f = std::fs::File::create(&tmp).map_err(io("create the backup file"))?;
    f.write_all(bytes).map_err(io("write the backup file"))?;
    f.sync_all().map_err(io("write the backup file"))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io("write the backup file"))?;
    Ok(())
}
