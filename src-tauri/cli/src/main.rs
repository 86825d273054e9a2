//! `pedalwrencher-cli`: the garage without a window. Same database as the desktop app.

mod advice;
mod args;
mod commands;
mod delivery;
mod exit;
mod health;
mod input;
mod output;
mod runtime;
mod secrets;
mod table;

use std::process::ExitCode;

use clap::Parser;
use pedalwrencher_core::{env, Error, ErrorKind};

fn main() -> ExitCode {
    // The environment is read once, here, for the whole run (clap reads its `env =` options
    // from the same process environment).
    env::env();
    let cli = args::Cli::parse(); // exits 2 with clap's own message on bad usage
    match commands::run(cli) {
        // An unhealthy `status` printed its report and still exits 1, for cron and monitors.
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("error: {}", explain(&e));
            // Input the rider can fix is "bad usage" (2); everything else is a failure (1).
            if e.kind() == ErrorKind::Invalid {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// The core's message, with what to type here: the core knows no flags or commands.
fn explain(e: &Error) -> String {
    match e {
        Error::NotFound { list, .. } => {
            format!("{e}; list them with `pedalwrencher-cli {list}` and copy an id from there")
        }
        Error::NeedsAction { advice, .. } => format!("{e} {}", advice::words(advice)),
        e if e.is_about_the_data_folder() => {
            format!("{e} with --data-dir or {}", env::DATA_DIR)
        }
        _ => e.to_string(),
    }
}
