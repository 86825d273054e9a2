//! Every event the back end sends the window, one type each. The event's name is its type's name
//! in kebab-case (`GarageChanged` is "garage-changed") and its payload is the type serialized;
//! the window listens through the generated `events.garageChanged.listen(...)`
//! (ui/src/lib/bindings.ts), so neither side spells a name by hand.
//!
//! Emit with `tauri_specta::Event::emit`, e.g. `let _ = GarageChanged.emit(app);` (the events
//! are mounted first thing at start, see `lib.rs`).

use pedalwrencher_core::runner::{JobReport, StravaOutcome};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri_specta::Event;

use crate::health::Health;

/// The garage may have changed (a Strava or device sync pass ended, a delivery cycle ran): the
/// window reloads it and the Strava and device status; so does the tray's count. No payload
/// (`null`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Type, Event)]
pub struct GarageChanged;

/// This device's settings changed (the window saved one, or a Strava pass set the units from the
/// athlete's preference): the window reads them again and redraws in the units now set. No
/// payload.
#[derive(Debug, Clone, Copy, Serialize, Type, Event)]
pub struct SettingsChanged;

impl SettingsChanged {
    /// Whether a background job changed the settings behind the window's back: a Strava pass set
    /// the units from the athlete's measurement preference (the rider had not chosen). The
    /// window, already open, must read them again, or it goes on writing the old units.
    pub fn after(report: &JobReport) -> bool {
        matches!(report, JobReport::Strava(StravaOutcome::Ran { report }) if report.units.is_some())
    }
}

/// Only the Strava status changed (a pass started, a connection attempt moved on). No payload.
#[derive(Debug, Clone, Copy, Serialize, Type, Event)]
pub struct StravaChanged;

/// How far a Strava pass has come (rides so far and the oldest date reached, or a pause for
/// Strava's rate limit until a time): the Strava chip shows it while the import runs.
#[derive(Debug, Clone, Serialize, Type, Event)]
#[serde(transparent)]
pub struct StravaProgress(pub pedalwrencher_core::strava::progress::Progress);

/// The device-sync status changed (a pass started or ended, sync set up or stopped). No payload.
#[derive(Debug, Clone, Copy, Serialize, Type, Event)]
pub struct DevicesChanged;

/// How delivery stands after a cycle: the window updates its failed-channel banner.
#[derive(Debug, Clone, Serialize, Type, Event)]
#[serde(transparent)]
pub struct DeliveryHealth(pub Health);

/// A reminder was clicked: the window shows this part.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct OpenComponent {
    pub component_id: String,
}

#[cfg(test)]
mod tests {
    use pedalwrencher_core::strava::sync::Report;
    use pedalwrencher_core::units::Units;

    use super::*;

    fn pass(units: Option<Units>) -> JobReport {
        JobReport::Strava(StravaOutcome::Ran {
            report: Report {
                units,
                ..Report::default()
            },
        })
    }

    #[test]
    fn the_window_hears_of_units_a_strava_pass_set() {
        assert!(SettingsChanged::after(&pass(Some(Units::Imperial))));
        assert!(SettingsChanged::after(&pass(Some(Units::Metric))));
    }

    #[test]
    fn a_pass_that_left_the_units_or_another_outcome_says_nothing() {
        assert!(!SettingsChanged::after(&pass(None)));
        assert!(!SettingsChanged::after(&JobReport::Strava(
            StravaOutcome::NotConnected
        )));
        assert!(!SettingsChanged::after(&JobReport::Strava(
            StravaOutcome::Stopped
        )));
    }
}
