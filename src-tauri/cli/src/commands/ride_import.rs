//! `ride import PATH…`: files, folders and archives into the garage, one line (or JSON entry) per
//! ride file saying what became of it. Exit 1 when any file failed.

use std::io::Write;

use pedalwrencher_core::ride_files::archive;
use pedalwrencher_core::ride_files::import::{Entry, Importer, Options, Outcome};
use pedalwrencher_core::ride_files::ReadOptions;
use pedalwrencher_core::time::{DateMeaning, Timestamp};
use pedalwrencher_core::{BikeId, Result, Store};

use crate::args::RideImportArgs;
use crate::exit::Exit;
use crate::output::{print_out, Out};

/// How often a long import says how far it got (on stderr, so `--json` stays one document).
const PROGRESS_EVERY: usize = 500;

#[derive(Default, serde::Serialize)]
struct Totals {
    imported: usize,
    duplicate: usize,
    skipped: usize,
    failed: usize,
}

pub fn run(s: &mut Store, out: &Out, args: RideImportArgs) -> Result<Exit> {
    let now = s.now();
    let date: Option<Timestamp> = args
        .date
        .as_deref()
        .map(|d| pedalwrencher_core::time::resolve("date", d, DateMeaning::RideStart, now))
        .transpose()?;
    if let Some(bike) = &args.bike {
        pedalwrencher_core::garage::bikes::get(s, &BikeId::from(bike.as_str()))?;
    }
    let options = Options {
        bike: args.bike.map(BikeId::from),
        read: ReadOptions { date },
        learn_bikes: !args.no_sensor_bikes,
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut totals = Totals::default();
    let json = out.json;
    {
        let report = |e: Entry| {
            match &e.outcome {
                Outcome::Imported { .. } => totals.imported += 1,
                Outcome::Duplicate { .. } => totals.duplicate += 1,
                Outcome::Skipped { .. } => totals.skipped += 1,
                Outcome::Failed { .. } => totals.failed += 1,
            }
            let done = totals.imported + totals.duplicate + totals.skipped + totals.failed;
            if json {
                entries.push(e);
            } else {
                print_out(&line(&e));
            }
            if done % PROGRESS_EVERY == 0 {
                let _ = writeln!(std::io::stderr(), "… {done} files done");
            }
        };
        let mut importer = Importer::new(s, options, report);
        archive::import_paths(&mut importer, &args.paths)?;
        importer.finish()?;
    }
    let failed = totals.failed > 0;
    if json {
        out.emit(
            &serde_json::json!({ "files": entries, "totals": totals }),
            |_| String::new(),
        )?;
    } else {
        print_out(&format!(
            "{} imported, {} already here, {} skipped, {} failed.",
            totals.imported, totals.duplicate, totals.skipped, totals.failed
        ));
    }
    Ok(if failed { Exit::PartFailed } else { Exit::Ok })
}

fn line(e: &Entry) -> String {
    match &e.outcome {
        Outcome::Imported {
            ride_id,
            bike_id,
            bike_from_sensors,
            flagged,
        } => {
            let mut s = format!("imported   {}  ride {ride_id}", e.file);
            match (bike_id, bike_from_sensors) {
                (Some(b), Some(why)) => s.push_str(&format!(
                    " on bike {b}: {why} (undo with `ride assign {ride_id} --unassign`)"
                )),
                (Some(b), None) => s.push_str(&format!(" on bike {b}")),
                _ => {}
            }
            if let Some(f) = flagged {
                s.push_str(&format!(" (flagged for review: {f})"));
            }
            s
        }
        Outcome::Duplicate { ride_id, kept } => {
            format!("duplicate  {}  ride {ride_id}; kept {kept}", e.file)
        }
        Outcome::Skipped { reason } => format!("skipped    {}  {reason}", e.file),
        Outcome::Failed { reason } => format!("failed     {}  {reason}", e.file),
    }
}
