//! `pedalwrencher-cli`: the garage without a window. Same database as the desktop app.

mod args;
mod run;
mod table;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse(); // exits 2 with clap's own message on bad usage
    match run::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match &e {
                pedalwrencher_core::Error::NotFound { list, .. } => eprintln!(
                    "error: {e}; list them with `pedalwrencher-cli {list}` and copy an id from there"
                ),
                _ => eprintln!("error: {e}"),
            }
            // Input the rider can fix is "bad usage" (2); everything else is a failure (1).
            if e.kind() == "invalid" {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
