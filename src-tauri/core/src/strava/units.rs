//! The rider's units follow Strava's measurement preference until they choose: a rider who
//! sees feet and miles on Strava sees miles here from the first sync, without a trip to the
//! settings. The settings live beside the garage file.

use std::path::Path;

use crate::error::Result;
use crate::settings;
use crate::units::Units;

/// The units Strava's `measurement_preference` stands for; None for a value Strava has not
/// documented (nothing changes then).
pub fn from_preference(preference: &str) -> Option<Units> {
    match preference {
        "feet" => Some(Units::Imperial),
        "meters" => Some(Units::Metric),
        _ => None,
    }
}

/// Sets the units in the settings beside `garage_file` from the athlete's preference, unless
/// the rider chose units. Returns the units set, if any.
pub fn follow(garage_file: &Path, preference: Option<&str>) -> Result<Option<Units>> {
    let (Some(units), Some(dir)) = (preference.and_then(from_preference), garage_file.parent())
    else {
        return Ok(None);
    };
    if settings::load(dir)?.units == units {
        // Nothing to change; no write (and no lock) on every sync.
        return Ok(None);
    }
    Ok(settings::default_units(dir, units)?.then_some(units))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{DisplayPatch, SettingsPatch};

    fn garage(dir: &Path) -> std::path::PathBuf {
        dir.join("pedalwrencher.sqlite3")
    }

    #[test]
    fn feet_sets_imperial_when_the_rider_never_chose() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            follow(&garage(dir.path()), Some("feet")).unwrap(),
            Some(Units::Imperial)
        );
        assert_eq!(settings::load(dir.path()).unwrap().units, Units::Imperial);
        // Meters later (the rider changed it on Strava) follows too.
        follow(&garage(dir.path()), Some("meters")).unwrap();
        assert_eq!(settings::load(dir.path()).unwrap().units, Units::Metric);
    }

    #[test]
    fn the_riders_choice_wins_even_when_it_is_the_default() {
        let dir = tempfile::tempdir().unwrap();
        settings::update(
            dir.path(),
            SettingsPatch {
                display: Some(DisplayPatch {
                    units: Some(Units::Metric),
                    default_warn_fraction: None,
                }),
                ..SettingsPatch::default()
            },
        )
        .unwrap();
        assert_eq!(follow(&garage(dir.path()), Some("feet")).unwrap(), None);
        assert_eq!(settings::load(dir.path()).unwrap().units, Units::Metric);
    }

    #[test]
    fn other_settings_written_do_not_count_as_choosing_units() {
        let dir = tempfile::tempdir().unwrap();
        settings::update(
            dir.path(),
            SettingsPatch {
                strava: Some(crate::settings::StravaPatch {
                    sync_interval_minutes: Some(30),
                }),
                ..SettingsPatch::default()
            },
        )
        .unwrap();
        follow(&garage(dir.path()), Some("feet")).unwrap();
        let s = settings::load(dir.path()).unwrap();
        assert_eq!((s.units, s.sync_interval_minutes), (Units::Imperial, 30));
    }

    #[test]
    fn a_whole_settings_write_that_repeats_the_units_does_not_count_as_choosing_them() {
        let dir = tempfile::tempdir().unwrap();
        // The Notifications panel's save and any whole-file write send the units they read.
        settings::update(
            dir.path(),
            SettingsPatch::all(&crate::settings::Settings {
                notify_email: true,
                ..crate::settings::Settings::default()
            }),
        )
        .unwrap();
        assert_eq!(
            follow(&garage(dir.path()), Some("feet")).unwrap(),
            Some(Units::Imperial)
        );
        // Again, now that Strava set imperial: still no choice, Strava's "meters" is followed.
        let now = settings::load(dir.path()).unwrap();
        settings::update(dir.path(), SettingsPatch::all(&now)).unwrap();
        assert_eq!(
            follow(&garage(dir.path()), Some("meters")).unwrap(),
            Some(Units::Metric)
        );
        assert_eq!(settings::load(dir.path()).unwrap().units, Units::Metric);
    }

    #[test]
    fn units_changed_within_a_larger_write_are_the_riders_choice() {
        let dir = tempfile::tempdir().unwrap();
        follow(&garage(dir.path()), Some("feet")).unwrap();
        let mut s = settings::load(dir.path()).unwrap();
        s.units = Units::Metric;
        settings::update(dir.path(), SettingsPatch::all(&s)).unwrap();
        assert_eq!(follow(&garage(dir.path()), Some("feet")).unwrap(), None);
        assert_eq!(settings::load(dir.path()).unwrap().units, Units::Metric);
    }

    #[test]
    fn no_or_unknown_preference_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(follow(&garage(dir.path()), None).unwrap(), None);
        assert_eq!(follow(&garage(dir.path()), Some("cubits")).unwrap(), None);
        assert!(!settings::path(dir.path()).exists());
    }
}
