//! How a command answers: JSON for scripts or text for people, on stdout.

use serde::Serialize;

use pedalwrencher_core::units::Units;
use pedalwrencher_core::{Error, Result};

/// The rider's choice of output for this run: `--json` and `--units`.
pub(crate) struct Out {
    pub(crate) json: bool,
    pub(crate) units: Units,
}

impl Out {
    /// JSON for scripts, or the human rendering.
    pub(crate) fn emit<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> Result<()> {
        if self.json {
            let text = serde_json::to_string_pretty(value)
                .map_err(|e| Error::Invalid(format!("could not encode the output as JSON: {e}")))?;
            print_out(&text);
        } else {
            print_out(&human(value));
        }
        Ok(())
    }
}

/// Writes to stdout without `println!`'s panic when stdout is gone or full.
pub(crate) fn print_out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Ok(()) => {}
        // The reader went away (`| head`): the command itself succeeded.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        // Any write already made is committed; only the report is lost.
        Err(e) => {
            eprintln!("error: could not write the output: {e}");
            std::process::exit(1);
        }
    }
}
