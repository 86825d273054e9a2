//! Writes the window's TypeScript bindings to the file named on the command line: `make bindings`
//! writes ui/src/lib/bindings.ts, `make test` a temporary file it compares with that one.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: bindings OUT.ts");
        return ExitCode::from(2);
    };
    match pedalwrencher_lib::bindings::export(&path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("could not write the bindings to {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}
