//! `status`: how the garage stands and the watchdog's view of this device — each problem that
//! could silently stop reminders, in words, with what to do. Exit 1 when unhealthy, so cron or an
//! uptime monitor alerts; `--json` lists the problems and those not reported by `status` before
//! (`newly_opened`, once per episode).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use pedalwrencher_core::delivery::config;
use pedalwrencher_core::watchdog::heartbeat::{self, Heartbeat};
use pedalwrencher_core::watchdog::{self, Episode, Health};
use pedalwrencher_core::{settings, Result, Store, Timestamp};

use crate::advice;
use crate::run::{garage_status, Out, Status};

/// Set when the command succeeded but must exit 1 (an unhealthy `status`).
static UNHEALTHY: AtomicBool = AtomicBool::new(false);

pub fn unhealthy() -> bool {
    UNHEALTHY.load(Ordering::SeqCst)
}

/// The watchdog's thresholds from the settings file and the environment.
pub(crate) fn watchdog_config(dir: &Path) -> Result<watchdog::Config> {
    let settings = settings::load(dir)?;
    Ok(watchdog::Config::from_settings(
        &settings,
        &config::process_env,
    ))
}

#[derive(Serialize)]
struct Report {
    #[serde(flatten)]
    garage: Status,
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

pub fn status(mut store: Store, dir: &Path, out: &Out) -> Result<()> {
    let garage = garage_status(&mut store)?;
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
    if !report.health.healthy {
        UNHEALTHY.store(true, Ordering::SeqCst);
    }
    Ok(())
}

/// A problem in two lines: what, then what to do.
pub(crate) fn problem_lines(e: &Episode, new: bool) -> String {
    format!(
        "PROBLEM {}{}: {}\n        → {}",
        e.title,
        if new { " (new)" } else { "" },
        e.banner,
        advice::words(&e.advice)
    )
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
