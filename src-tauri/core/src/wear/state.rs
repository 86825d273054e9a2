//! A rule's state from its usage, and the calendar-age metric that is computed when read.

use serde::{Deserialize, Serialize};

use crate::time::{Timestamp, MS_PER_DAY};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum State {
    Ok,
    DueSoon,
    Due,
}

impl State {
    /// `ok` below `warn_fraction × interval`, `due_soon` from there, `due` at the interval.
    pub fn of(used: f64, interval: f64, warn_fraction: f64) -> State {
        if used >= interval {
            State::Due
        } else if used >= warn_fraction * interval {
            State::DueSoon
        } else {
            State::Ok
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::DueSoon => "due_soon",
            State::Due => "due",
        }
    }
}

/// Whole intervals used since the anchor, for rules that repeat ("lube every 300 km": cycle 2
/// at 650 km); always 0 for one-off rules. Reminders are keyed on it, with the epoch.
pub fn cycle(used: f64, interval: f64, repeat: bool) -> u32 {
    if !repeat || interval.is_nan() || interval <= 0.0 {
        return 0;
    }
    (used / interval).floor().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// Calendar age: days since the anchor, plus the part's age when it arrived if never serviced.
pub fn days_used(
    now: Timestamp,
    anchor_at: Option<Timestamp>,
    serviced: bool,
    initial_days: f64,
) -> f64 {
    let offset = if serviced { 0.0 } else { initial_days };
    let elapsed = anchor_at.map_or(0.0, |a| {
        now.millis().saturating_sub(a.millis()).max(0) as f64 / MS_PER_DAY as f64
    });
    offset + elapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_counts_whole_intervals_only_for_repeating_rules() {
        assert_eq!(cycle(650.0, 300.0, true), 2);
        assert_eq!(cycle(299.0, 300.0, true), 0);
        assert_eq!(cycle(650.0, 300.0, false), 0);
        assert_eq!(cycle(f64::NAN, 300.0, true), 0);
    }

    #[test]
    fn state_thresholds_are_inclusive() {
        assert_eq!(State::of(80.0, 100.0, 0.8), State::DueSoon);
        assert_eq!(State::of(79.9, 100.0, 0.8), State::Ok);
        assert_eq!(State::of(100.0, 100.0, 0.8), State::Due);
    }
}
