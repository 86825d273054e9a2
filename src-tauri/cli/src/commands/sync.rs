//! `sync`: one Strava sync of rides and bikes, and what changed. It runs on a small async
//! runtime; the garage is shared with the sync through a mutex so the database is held only for
//! each write, never across a network call.

use std::path::Path;
use std::sync::{Arc, Mutex};

use pedalwrencher_core::store::SystemClock;
use pedalwrencher_core::strava::api::Config;
use pedalwrencher_core::strava::progress::{Every, Progress, ProgressSink};
use pedalwrencher_core::strava::sync::{self as strava_sync, Options, Report};
use pedalwrencher_core::{Result, Store};

use crate::output::Out;
use crate::runtime::runtime;
use crate::secrets;

pub fn run(mut store: Store, dir: &Path, out: &Out, full: bool) -> Result<()> {
    let secrets = secrets::required(&mut store, dir)?;
    let access = Mutex::new(store);
    let options = Options {
        full,
        progress: Some(progress_lines(|line| eprintln!("{line}"))),
        ..Options::default()
    };
    let report = runtime()?.block_on(strava_sync::sync(
        &access,
        secrets.as_ref(),
        &Config::from_env(),
        Arc::new(SystemClock),
        &options,
    ))?;
    out.emit(&report, describe)
}

/// Rides between progress lines: a first import of 10,000 rides prints 20, a daily sync none.
const PROGRESS_EVERY: u32 = 500;

/// Progress lines, given to `write` (`sync`: stderr, so stdout keeps the report, plain or JSON;
/// `serve`: its log), every [`PROGRESS_EVERY`] rides and at every rate-limit pause.
pub(crate) fn progress_lines(write: fn(&str)) -> ProgressSink {
    let every = Mutex::new(Every::new(PROGRESS_EVERY));
    ProgressSink::new(move |p| {
        let due = every.lock().map(|mut e| e.due(p)).unwrap_or(true);
        if due {
            write(&progress_line(p));
        }
    })
}

fn progress_line(p: &Progress) -> String {
    match p {
        Progress::Listed { rides, oldest } => format!(
            "Strava: {rides} rides so far{}",
            oldest.map_or(String::new(), |t| format!(", back to {}", t.local_date()))
        ),
        Progress::Paused { until } => format!(
            "Strava: paused for Strava's rate limit until {}",
            until.local_time()
        ),
    }
}

fn describe(r: &Report) -> String {
    let c = &r.changes;
    let mut lines = vec![format!(
        "Strava: {} rides added, {} updated, {} deleted{}; {} bikes added{}.",
        c.rides_added,
        c.rides_updated,
        c.rides_deleted,
        if c.rides_restored > 0 {
            format!(", {} back from deletion", c.rides_restored)
        } else {
            String::new()
        },
        c.bikes_added,
        if c.bikes_renamed > 0 {
            format!(", {} renamed", c.bikes_renamed)
        } else {
            String::new()
        }
    )];
    lines.push(format!(
        "{} requests to Strava ({} activity pages, {} gear lookups){}.",
        r.requests,
        r.list_requests,
        r.gear_requests,
        if r.paused_ms > 0 {
            format!("; waited {} s for the rate limit", r.paused_ms / 1000)
        } else {
            String::new()
        }
    ));
    if c.unreadable > 0 {
        lines.push(format!(
            "{} activities could not be read and were skipped; they are retried on the next sync.",
            c.unreadable
        ));
    }
    lines.join("\n")
}
