//! The watchdog as the CLI shows it, shared by `status` (on demand) and `serve` (each cycle).

use std::path::Path;

use pedalwrencher_core::env;
use pedalwrencher_core::watchdog::{self, Episode};
use pedalwrencher_core::{settings, Result};

use crate::advice;

/// The watchdog's thresholds from the settings file and the environment.
pub(crate) fn watchdog_config(dir: &Path) -> Result<watchdog::Config> {
    let settings = settings::load(dir)?;
    Ok(watchdog::Config::from_settings(&settings, env::env()))
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
