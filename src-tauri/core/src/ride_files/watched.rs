//! The watched folder (desktop): a folder the rider names in the settings (`watched_folder`: a
//! head unit's USB mount, a synced folder) whose new ride files the background runner imports on
//! its timer and at start.
//!
//! The scan is cheap: it walks the folder (sub-folders too, in name order) and reads only files
//! it has not seen, a file being known by its path in the folder, its size and its modification
//! time, as recorded in `import_entries` (this device only) once it became a ride, was recognised
//! as one here, or was skipped on purpose. A file that failed is tried again at the next scan and
//! reported again: never silently dropped. A folder that is not there (a head unit unplugged) is
//! not a problem; one that cannot be read is. Zip archives in the folder are passed over (import
//! those from the Import place).

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use rusqlite::{params, OptionalExtension};

use crate::error::{Error, Result};
use crate::store::Store;

use super::import::{Candidate, Entry, Importer, Mark, Options, Outcome};
use super::read::{self, format_of_name};
use super::report::{Report, Totals};

/// What `import_entries` calls the folder: its files' entries are recorded under this name.
fn archive_key(folder: &Path) -> String {
    format!("watched:{}", folder.display())
}

/// A file's identity for the scan: where it is in the folder, its size and when it changed.
fn entry_key(folder: &Path, file: &Path) -> Option<String> {
    let meta = std::fs::metadata(file).ok()?;
    let changed = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    let rel = file.strip_prefix(folder).unwrap_or(file);
    Some(format!("{}:{}:{changed}", rel.display(), meta.len()))
}

/// The ride files under `folder`, in name order.
fn ride_files_under(folder: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rd = std::fs::read_dir(&dir).map_err(|source| Error::Io {
            action: "read the watched folder",
            path: dir.clone(),
            source,
        })?;
        let mut children: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        for child in children.iter().rev().filter(|c| c.is_dir()) {
            stack.push(child.clone());
        }
        found.extend(children.into_iter().filter(|c| {
            !c.is_dir()
                && c.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| format_of_name(n).is_some())
        }));
    }
    found.sort();
    Ok(found)
}

/// Imports the files of `folder` not seen before. A missing folder imports nothing.
pub fn scan(store: &mut Store, folder: &Path, options: Options) -> Result<Report> {
    if !folder.is_dir() {
        return Ok(Report::default());
    }
    let files = ride_files_under(folder)?;
    let archive = archive_key(folder);
    let mut new = Vec::new();
    {
        let mut seen = store
            .connection()
            .prepare_cached("SELECT 1 FROM import_entries WHERE archive = ?1 AND entry = ?2")?;
        for f in files {
            let Some(entry) = entry_key(folder, &f) else {
                continue;
            };
            let known: Option<i64> = seen
                .query_row(params![archive, entry], |r| r.get(0))
                .optional()?;
            if known.is_none() {
                new.push((f, entry));
            }
        }
    }
    let mut report = Report::default();
    if new.is_empty() {
        return Ok(report);
    }
    {
        let files = &mut report.files;
        let totals: &mut Totals = &mut report.totals;
        let mut importer = Importer::new(store, options, |e: Entry| {
            totals.count(&e.outcome);
            files.push(e);
        });
        for (path, entry) in new {
            let name = path.display().to_string();
            let read = std::fs::File::open(&path)
                .map_err(super::Problem::from)
                .and_then(|f| {
                    let size = f.metadata().ok().map(|m| m.len());
                    read::read(&name, size, f, &importer.options().read)
                })
                .map(Candidate::from);
            let mark = Mark {
                archive: archive.clone(),
                entry,
            };
            importer.add(name, read, Some(mark))?;
        }
        importer.finish()?;
    }
    Ok(report)
}

/// The problem a scan leaves for the rider, in words: the files that could not be imported.
pub fn problem(folder: &Path, report: &Report) -> Option<String> {
    let failed: Vec<String> = report
        .files
        .iter()
        .filter_map(|e| match &e.outcome {
            Outcome::Failed { reason } => Some(format!("{}: {reason}", e.file)),
            _ => None,
        })
        .collect();
    let first = failed.first()?;
    let more = match failed.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    Some(format!(
        "{} file(s) in the watched folder {} could not be imported; they are tried again at the next scan. {first}{more}",
        failed.len(),
        folder.display()
    ))
}
