//! What each job did, as typed values: the hosts word them (the app's log and window, `serve`'s
//! one line per cycle).

use serde::Serialize;

use crate::strava::sync::Report as StravaReport;
use crate::sync::Report as DevicesReport;
use crate::watchdog::Health;
use crate::{Error, ErrorKind};

/// A job's failure, as the rider reads it (the core's messages never hold a secret).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub kind: ErrorKind,
    pub message: String,
}

impl From<&Error> for Failure {
    fn from(e: &Error) -> Self {
        Failure {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum StravaOutcome {
    /// Not connected (nor configured by the environment): nothing to do.
    NotConnected,
    /// No secret store opened, so the tokens cannot be read.
    NoSecrets {
        failure: Failure,
    },
    Ran {
        report: StravaReport,
    },
    /// Stopped on request (disconnecting, shutting down); it resumes where it was.
    Stopped,
    Failed {
        failure: Failure,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DevicesOutcome {
    /// This device does not sync with others.
    NotSetUp,
    NoSecrets {
        failure: Failure,
    },
    Ran {
        report: DevicesReport,
    },
    Stopped,
    Failed {
        failure: Failure,
    },
}

/// What one evaluation and delivery did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct DeliverReport {
    pub new_reminders: u32,
    pub sent: u32,
    pub retrying: u32,
    pub failed: u32,
    /// What kept it from running whole (a settings file that cannot be read, the garage).
    pub problems: Vec<String>,
    /// A stop came and the delivery in hand was given up after the grace period.
    pub abandoned: bool,
}

/// The dead-man's switch's ping.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Ping {
    Sent { host: String, healthy: bool },
    Failed { message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchdogReport {
    /// `None` when the garage could not be checked (the reason is in `problems`).
    pub health: Option<Health>,
    /// The loop's cycle ended healthy (no problem in delivery, none open in the watchdog).
    pub healthy: bool,
    pub ping: Option<Ping>,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum JobReport {
    Strava(StravaOutcome),
    Devices(DevicesOutcome),
    Deliver(DeliverReport),
    Watchdog(WatchdogReport),
}

impl JobReport {
    /// The job changed the garage (rides or bikes from Strava, changes from another device).
    pub fn changed_garage(&self) -> bool {
        match self {
            JobReport::Strava(StravaOutcome::Ran { report }) => {
                let c = &report.changes;
                c.rides_added > 0 || c.rides_updated > 0 || c.rides_deleted > 0 || c.bikes_added > 0
            }
            JobReport::Devices(DevicesOutcome::Ran { report }) => {
                let a = &report.applied;
                a.fields > 0 || a.rows_created > 0 || !a.repairs.is_empty()
            }
            _ => false,
        }
    }
}

/// One cycle of `serve`: every job once, in order.
#[derive(Debug, Clone, Serialize)]
pub struct CycleReport {
    /// From 1.
    pub n: u32,
    pub strava: StravaOutcome,
    pub devices: DevicesOutcome,
    pub deliver: DeliverReport,
    pub watchdog: WatchdogReport,
    pub elapsed_ms: u64,
}
