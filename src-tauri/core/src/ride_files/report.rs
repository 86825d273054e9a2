//! One import of paths (files, folders, archives) as a front end runs it: every file's entry,
//! the totals, and the totals so far every few files for a progress bar. The window's Import place
//! and the watched folder call this; the CLI prints as it goes.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Result;
use crate::store::Store;

use super::archive;
use super::import::{Entry, Importer, Options, Outcome};

/// How many files of each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename = "RideFileTotals")]
pub struct Totals {
    pub imported: u32,
    pub duplicate: u32,
    pub skipped: u32,
    pub failed: u32,
}

impl Totals {
    pub fn done(&self) -> u32 {
        self.imported + self.duplicate + self.skipped + self.failed
    }

    pub(crate) fn count(&mut self, o: &Outcome) {
        match o {
            Outcome::Imported { .. } => self.imported += 1,
            Outcome::Duplicate { .. } => self.duplicate += 1,
            Outcome::Skipped { .. } => self.skipped += 1,
            Outcome::Failed { .. } => self.failed += 1,
        }
    }
}

/// What an import did, file by file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename = "RideFileReport")]
pub struct Report {
    pub files: Vec<Entry>,
    pub totals: Totals,
}

/// Imports `paths`; `progress` hears the totals after every `every` files (and at the end).
pub fn import(
    store: &mut Store,
    options: Options,
    paths: &[PathBuf],
    every: u32,
    mut progress: impl FnMut(Totals),
) -> Result<Report> {
    let mut report = Report::default();
    {
        let files = &mut report.files;
        let totals = &mut report.totals;
        let mut importer = Importer::new(store, options, |e: Entry| {
            totals.count(&e.outcome);
            files.push(e);
            if every > 0 && totals.done().is_multiple_of(every) {
                progress(*totals);
            }
        });
        archive::import_paths(&mut importer, paths)?;
        importer.finish()?;
    }
    if every == 0 || !report.totals.done().is_multiple_of(every) {
        progress(report.totals);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_comes_every_n_files_and_once_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..5 {
            std::fs::write(dir.path().join(format!("{i}.gpx")), b"").unwrap();
        }
        let mut store = Store::open_in_memory().unwrap();
        let mut heard = Vec::new();
        let report = import(
            &mut store,
            Options::default(),
            &[dir.path().to_path_buf()],
            2,
            |t| heard.push(t.done()),
        )
        .unwrap();
        assert_eq!(heard, [2, 4, 5]);
        assert_eq!(report.totals.failed, 5, "empty files fail: {report:?}");
        assert_eq!(report.files.len(), 5);
    }
}
