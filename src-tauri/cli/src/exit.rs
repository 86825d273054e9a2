//! How a command that did its job wants the process to end. Failures are `Err` values instead,
//! mapped to exit codes by `main`.

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Exit 0.
    Ok,
    /// The report was printed, but the device is unhealthy: exit 1, so cron and uptime monitors
    /// alert (`status`).
    Unhealthy,
    /// The report was printed, but some of the work failed (`ride import`: a file failed): exit 1.
    PartFailed,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        match exit {
            Exit::Ok => ExitCode::SUCCESS,
            Exit::Unhealthy | Exit::PartFailed => ExitCode::FAILURE,
        }
    }
}
