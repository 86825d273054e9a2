//! What differs between the runner's two hosts (the app, `serve`): where the garage, the
//! settings and the secrets come from, the native notification sender, and how the rider hears
//! what happened. Everything else — when, in which order, one at a time — is the runner's.

use std::sync::Arc;
use std::time::Duration;

use crate::delivery::Sender;
use crate::runner::job::Job;
use crate::runner::report::{CycleReport, JobReport};
use crate::runner::schedule::Why;
use crate::secrets::SecretStore;
use crate::settings::Settings;
use crate::store::{Clock, StoreAccess};
use crate::strava::progress::ProgressSink;
use crate::units::Units;
use crate::Result;

/// Something the window shows may have changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Reload the garage.
    GarageChanged,
    /// The Strava status changed (a pass started or ended).
    StravaChanged,
    /// The device-sync status changed (a pass started or ended, sync set up or stopped).
    DevicesChanged,
    /// Delivery health or the watchdog's problems may have changed.
    HealthChanged,
}

/// Which loop this is, on heartbeats and for the watchdog's "told once" bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// The heartbeat's name (`watchdog::heartbeat::APP`, `…::SERVE`).
    pub heartbeat: &'static str,
    /// Who is told of new problems (`watchdog::AUDIENCE_APP`, `…::AUDIENCE_SERVE`).
    pub audience: &'static str,
}

pub trait Host: Send + Sync + 'static {
    type Store: StoreAccess + Send + Sync;

    /// The garage; locked only for each closure, never across a network call.
    fn store(&self) -> &Self::Store;

    fn clock(&self) -> Arc<dyn Clock>;

    fn identity(&self) -> Identity;

    /// The device settings. A file that cannot be read is an error the runner reports; it then
    /// goes on with the defaults (native reminders still go out).
    fn settings(&self) -> Result<Settings>;

    /// The garage's secret store (may block on D-Bus; called from a blocking thread).
    fn secrets(&self) -> Result<Arc<dyn SecretStore>>;

    /// The native notification sender; `None` where this process cannot show notifications.
    fn native(&self, units: Units) -> Option<Arc<dyn Sender>>;

    /// How often reminders are evaluated (the app), or how far apart cycles are (`serve`).
    fn period(&self, settings: &Settings) -> Duration;

    /// When a Strava pass after a good one is due.
    fn strava_interval(&self, settings: &Settings) -> Duration {
        settings.sync_interval()
    }

    /// The units reminders are written in.
    fn units(&self, settings: &Settings) -> Units {
        settings.units
    }

    /// How long a delivery in hand may finish after a stop before it is given up.
    fn grace(&self) -> Duration {
        Duration::ZERO
    }

    fn emit(&self, event: Event);

    /// Where a Strava pass tells how far it has come (the app: an event for the window). None:
    /// the pass runs untold.
    fn strava_progress(&self) -> Option<ProgressSink> {
        None
    }

    /// A job ended (the app logs it and warns of new problems).
    fn finished(&self, job: Job, why: Why, report: &JobReport);

    /// A cycle ended (`serve` logs its line).
    fn cycle_finished(&self, _report: &CycleReport) {}
}
