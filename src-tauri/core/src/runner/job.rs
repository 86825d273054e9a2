//! The kinds of background work.

use serde::Serialize;

/// One kind of background work. The order is the order of a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Job {
    /// A Strava pass.
    Strava,
    /// A pass with the rider's other devices.
    Devices,
    /// Evaluate the rules and drain the outbox.
    Deliver,
    /// Heartbeat, watchdog check and the dead-man's switch ping.
    Watchdog,
}

impl Job {
    pub const ALL: [Job; 4] = [Job::Strava, Job::Devices, Job::Deliver, Job::Watchdog];

    pub fn as_str(self) -> &'static str {
        match self {
            Job::Strava => "strava",
            Job::Devices => "devices",
            Job::Deliver => "deliver",
            Job::Watchdog => "watchdog",
        }
    }
}
