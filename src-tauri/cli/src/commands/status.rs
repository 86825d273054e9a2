//! `status`: how the garage stands and the watchdog's view of this device — each problem that
//! could silently stop reminders, in words, with what to do. Exit 1 when unhealthy, so cron or an
//! uptime monitor alerts; `--json` lists the problems and those not reported by `status` before
//! (`newly_opened`, once per episode).

use std::path::Path;

use serde::Serialize;

use pedalwrencher_core::garage::{bikes, rides};
use pedalwrencher_core::watchdog::heartbeat::{self, Heartbeat};
use pedalwrencher_core::watchdog::{self, Episode, Health};
use pedalwrencher_core::wear::{self, State};
use pedalwrencher_core::{store, Result, Store, Timestamp};

use crate::advice;

use crate::exit::Exit;
use crate::health::{problem_lines, watchdog_config};
use crate::output::Out;

#[derive(Serialize)]
struct Garage {
    database: String,
    schema_version: usize,
    latest_schema_version: usize,
    bikes: usize,
    rules: usize,
    due: usize,
    due_soon: usize,
    unassigned_rides: i64,
    /// How the Strava connection stands ("Synced 14:05", "Offline — will retry at 14:10", …).
    strava: String,
    strava_status: pedalwrencher_core::strava::state::Status,
}

#[derive(Serialize)]
struct Report {
    #[serde(flatten)]
    garage: Garage,
    #[serde(flatten)]
    health: Checked,
    /// The background loops that have run here.
    loops: Vec<Heartbeat>,
}

/// The watchdog's [`Health`] as `status` reports it: each episode with what to do in words.
#[derive(Serialize)]
struct Checked {
    healthy: bool,
    checked_at: Timestamp,
    problems: Vec<Problem>,
    newly_opened: Vec<Problem>,
    cleared: Vec<Problem>,
}

/// An episode and what to do about it, in the CLI's words.
#[derive(Serialize)]
struct Problem {
    #[serde(flatten)]
    episode: Episode,
    what_to_do: String,
}

impl From<Health> for Checked {
    fn from(h: Health) -> Checked {
        let worded = |episodes: Vec<Episode>| {
            episodes
                .into_iter()
                .map(|episode| Problem {
                    what_to_do: advice::words(&episode.advice),
                    episode,
                })
                .collect()
        };
        Checked {
            healthy: h.healthy,
            checked_at: h.checked_at,
            problems: worded(h.problems),
            newly_opened: worded(h.newly_opened),
            cleared: worded(h.cleared),
        }
    }
}

pub fn run(mut store: Store, dir: &Path, out: &Out) -> Result<Exit> {
    let garage = garage(&mut store)?;
    let health = watchdog::check(
        &mut store,
        &watchdog_config(dir)?,
        Some(watchdog::AUDIENCE_CLI),
    )?;
    let loops = heartbeat::list(&store)?;
    let report = Report {
        garage,
        health: health.into(),
        loops,
    };
    out.emit(&report, describe)?;
    Ok(if report.health.healthy {
        Exit::Ok
    } else {
        Exit::Unhealthy
    })
}

/// How the garage stands (the first half of `status`; the watchdog is the second).
fn garage(s: &mut Store) -> Result<Garage> {
    let strava = pedalwrencher_core::strava::connection::overview(s)?;
    let mut statuses = wear::statuses(s)?;
    // Parts on a retired bike are shown by `due`, but do not count as needing care.
    statuses.retain(|r| r.active);
    let st = Garage {
        database: s
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        schema_version: s.schema_version()?,
        latest_schema_version: store::latest_version(),
        bikes: bikes::list(s)?.len(),
        rules: statuses.len(),
        due: statuses.iter().filter(|r| r.state == State::Due).count(),
        due_soon: statuses
            .iter()
            .filter(|r| r.state == State::DueSoon)
            .count(),
        unassigned_rides: rides::count_unassigned(s)?,
        strava: strava.summary,
        strava_status: strava.state.status,
    };
    Ok(st)
}

impl Garage {
    fn describe(&self) -> String {
        format!(
            "database:   {}\nschema:     v{} (latest v{})\nbikes:      {}\nrules:      {} ({} due, {} due soon)\nunassigned: {} rides\nstrava:     {}",
            self.database, self.schema_version, self.latest_schema_version, self.bikes, self.rules, self.due, self.due_soon, self.unassigned_rides, self.strava
        )
    }
}

fn describe(r: &Report) -> String {
    let mut lines = vec![r.garage.describe()];
    for l in &r.loops {
        lines.push(format!(
            "loop:       {} last ran {}{} ({} cycles)",
            l.name,
            l.beat_at.local_date_time(),
            if l.stopped_at.is_some() {
                ", stopped"
            } else {
                ""
            },
            l.cycles
        ));
    }
    if r.health.healthy {
        lines.push("health:     ok".to_owned());
    } else {
        let n = r.health.problems.len();
        lines.push(format!(
            "health:     {n} problem{}",
            if n == 1 { "" } else { "s" }
        ));
        for p in &r.health.problems {
            let new = r
                .health
                .newly_opened
                .iter()
                .any(|x| x.episode.id == p.episode.id);
            lines.push(problem_lines(&p.episode, new));
        }
    }
    lines.join("\n")
}
