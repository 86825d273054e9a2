//! Restoring a backup: the file is read and checked whole first (`format::read`), then every row
//! is written in one transaction with its id, parents before children, and the wear rebuilt; all
//! of it lands, or none.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use rusqlite::types::Value as Sql;
use rusqlite::{params_from_iter, Connection, ErrorCode};

use crate::error::{Error, Result};
use crate::store::Store;
use crate::wear::usage;

use super::format::{self, BackupFile};
use super::{Progress, RestoreReport, Skipped, Stage, MAX_SKIPPED_LISTED, PROGRESS_EVERY};

/// Parents before children, so that most rows find what they refer to as they are written
/// (foreign keys are checked at commit anyway: a component replaced by a later one).
const ORDER: &[&str] = &[
    "bikes",
    "components",
    "installations",
    "rules",
    "services",
    "rides",
    "carried_usage",
    "synced_settings",
];

/// The tables whose rows make a garage not empty (synced settings are preferences).
const GARAGE: &[&str] = &[
    "bikes",
    "components",
    "installations",
    "rules",
    "services",
    "rides",
    "carried_usage",
];

pub fn restore(
    store: &mut Store,
    path: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<RestoreReport> {
    progress(Progress {
        stage: Stage::Reading,
        table: None,
        done: 0,
        total: 1,
    });
    let schema = store.schema_version()?;
    let file = format::read(path, store.connection(), schema)?;
    progress(Progress {
        stage: Stage::Validating,
        table: None,
        done: 1,
        total: 1,
    });
    let now = store.now();
    let tx = store.write()?;
    // Checked at commit: a row may refer to one written after it.
    tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    let onto_empty = is_empty(&tx)?;
    let mut report = RestoreReport {
        onto_empty,
        added: BTreeMap::new(),
        skipped: BTreeMap::new(),
        skipped_rows: Vec::new(),
        created_at: file.created_at,
    };
    let mut written: HashSet<(String, String)> = HashSet::new();
    let total = total_rows(&file);
    let mut done = 0usize;
    for name in ORDER {
        let Some(table) = file.tables.get(*name) else {
            continue;
        };
        progress(Progress {
            stage: Stage::Writing,
            table: Some((*name).to_owned()),
            done: done as u32,
            total,
        });
        let list = table
            .columns
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let marks = vec!["?"; table.columns.len()].join(", ");
        let mut insert = tx.prepare(&format!("INSERT INTO {name} ({list}) VALUES ({marks})"))?;
        let mut exists = tx.prepare(&format!(
            "SELECT EXISTS (SELECT 1 FROM {name} WHERE id = ?1)"
        ))?;
        for row in &table.rows {
            done += 1;
            if done.is_multiple_of(PROGRESS_EVERY) {
                progress(Progress {
                    stage: Stage::Writing,
                    table: Some((*name).to_owned()),
                    done: done as u32,
                    total,
                });
            }
            let values: Vec<Sql> = row.iter().filter_map(format::to_sql).collect();
            let id = match values.first() {
                Some(Sql::Text(id)) => id.clone(),
                _ => String::new(),
            };
            if exists.query_row([&id], |r| r.get::<_, bool>(0))? {
                skip(
                    &mut report,
                    name,
                    &id,
                    "already in this garage (the copy here is kept as it is)".into(),
                );
                continue;
            }
            match insert.execute(params_from_iter(values.iter())) {
                Ok(_) => {
                    written.insert(((*name).to_owned(), id));
                    *report.added.entry((*name).to_owned()).or_default() += 1;
                }
                Err(e) if !onto_empty && is_unique_clash(&e) => {
                    skip(&mut report, name, &id, clash_reason(name));
                }
                Err(e) => {
                    return Err(Error::invalid(format!(
                        "{} cannot be restored: the file is damaged (table {name}, row {id}: {e}); use another copy of the backup. Nothing was changed",
                        path.display()
                    )))
                }
            }
        }
    }
    orphans(&tx, &mut report, &mut written, onto_empty, path)?;
    progress(Progress {
        stage: Stage::Wear,
        table: None,
        done: done as u32,
        total,
    });
    usage::refresh(&tx, usage::Scope::All, now)?;
    tx.commit()?;
    progress(Progress {
        stage: Stage::Done,
        table: None,
        done: done as u32,
        total,
    });
    Ok(report)
}

fn total_rows(file: &BackupFile) -> u32 {
    file.tables.values().map(|t| t.rows.len() as u32).sum()
}

fn is_empty(conn: &Connection) -> Result<bool> {
    for t in GARAGE {
        let any: bool = conn.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {t})"), [], |r| {
            r.get(0)
        })?;
        if any {
            return Ok(false);
        }
    }
    Ok(true)
}

fn skip(report: &mut RestoreReport, table: &str, id: &str, reason: String) {
    *report.skipped.entry(table.to_owned()).or_default() += 1;
    if report.skipped_rows.len() < MAX_SKIPPED_LISTED {
        report.skipped_rows.push(Skipped {
            table: table.to_owned(),
            id: id.to_owned(),
            reason,
        });
    }
}

fn is_unique_clash(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.code == ErrorCode::ConstraintViolation
            && matches!(f.extended_code, rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY))
}

fn clash_reason(table: &str) -> String {
    match table {
        "rides" => "the same ride (same source and id there, e.g. the same Strava activity) is already in this garage under another id".into(),
        "bikes" => "a bike here is already linked to the same Strava bike".into(),
        _ => format!("a row of {table} here already has the same key"),
    }
}

/// Rows written that refer to a row not here (their parent was skipped): alongside a garage they
/// are taken out again and reported, until none is left; onto an empty garage the file itself
/// is inconsistent, and nothing is restored.
fn orphans(
    tx: &Connection,
    report: &mut RestoreReport,
    written: &mut HashSet<(String, String)>,
    onto_empty: bool,
    path: &Path,
) -> Result<()> {
    loop {
        let mut stmt =
            tx.prepare("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")?;
        let found: Vec<(String, i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut removed = false;
        for (table, rowid, parent) in found {
            let id: String = tx.query_row(
                &format!("SELECT id FROM {table} WHERE rowid = ?1"),
                [rowid],
                |r| r.get(0),
            )?;
            // A broken reference the garage already had is not this restore's to fix.
            if !written.remove(&(table.clone(), id.clone())) {
                continue;
            }
            if onto_empty {
                return Err(Error::invalid(format!(
                    "{} cannot be restored: the file is damaged ({table} {id} refers to a row of {parent} the file does not have); use another copy of the backup. Nothing was changed",
                    path.display()
                )));
            }
            tx.execute(&format!("DELETE FROM {table} WHERE rowid = ?1"), [rowid])?;
            // Written and taken out in this transaction: nothing for sync to send.
            tx.execute(
                "DELETE FROM sync_clock WHERE tbl = ?1 AND id = ?2",
                [&table, &id],
            )?;
            if let Some(n) = report.added.get_mut(&table) {
                *n = n.saturating_sub(1);
            }
            skip(
                report,
                &table,
                &id,
                format!("it belongs to a row of {parent} that was skipped or is not in the file"),
            );
            removed = true;
        }
        if !removed {
            return Ok(());
        }
    }
}
