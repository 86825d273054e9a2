//! The catalogue of common component kinds with sensible default rules. It is data
//! (`presets.json`), so adding a kind never needs a code change.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::wear::metric::{ActivityFilter, Metric};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct PresetRule {
    pub task: String,
    pub metric: Metric,
    /// In the metric's SI unit.
    pub interval: f64,
    #[serde(default)]
    pub filter: ActivityFilter,
    #[serde(default)]
    pub repeat: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Preset {
    pub kind: String,
    pub label: String,
    pub rules: Vec<PresetRule>,
    /// Kinds that go on a part of this kind (a wheel carries tyres, a cassette, rotors): what
    /// the window offers to add on it. Empty for parts that carry nothing.
    #[serde(default)]
    pub carries: Vec<String>,
}

static CATALOGUE: LazyLock<Vec<Preset>> = LazyLock::new(|| {
    // The file is part of the binary and checked by a test, so a parse failure is a build bug.
    serde_json::from_str(include_str!("presets.json")).unwrap_or_default()
});

pub fn all() -> &'static [Preset] {
    &CATALOGUE
}

/// Looks a kind up by its key (`chain`) or its label (`Chain`), ignoring case.
pub fn find(kind: &str) -> Result<&'static Preset> {
    let wanted = kind.trim();
    all()
        .iter()
        .find(|p| p.kind.eq_ignore_ascii_case(wanted) || p.label.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| {
            let kinds: Vec<&str> = all().iter().map(|p| p.kind.as_str()).collect();
            Error::invalid(format!(
                "unknown component kind '{wanted}'; use one of {}",
                kinds.join(", ")
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_parses_and_has_the_kinds_riders_expect() {
        let parsed: Vec<Preset> =
            serde_json::from_str(include_str!("presets.json")).expect("presets.json parses");
        assert_eq!(parsed, all());
        for kind in [
            "chain",
            "cassette",
            "tyre",
            "sealant",
            "brake_pads",
            "fork",
            "shock",
            "brake_fluid",
            "custom",
        ] {
            assert!(find(kind).is_ok(), "{kind} missing");
        }
    }

    #[test]
    fn wheels_carry_kinds_that_exist_and_have_their_own_rules() {
        for kind in ["wheel", "wheelset"] {
            let p = find(kind).expect("wheel presets");
            assert!(!p.carries.is_empty(), "{kind} carries parts");
            for carried in &p.carries {
                assert!(find(carried).is_ok(), "{kind} carries unknown {carried}");
            }
            let tasks: Vec<&str> = p.rules.iter().map(|r| r.task.as_str()).collect();
            assert!(tasks.iter().any(|t| t.contains("freehub")), "{tasks:?}");
            assert!(tasks.iter().any(|t| t.contains("hub")), "{tasks:?}");
            assert!(tasks.iter().any(|t| t.contains("True")), "{tasks:?}");
        }
    }

    #[test]
    fn every_preset_rule_has_a_positive_interval() {
        for p in all() {
            for r in &p.rules {
                assert!(
                    r.interval > 0.0 && r.interval.is_finite(),
                    "{} / {}",
                    p.kind,
                    r.task
                );
            }
        }
    }

    #[test]
    fn chain_preset_replaces_every_3000_km() {
        let chain = find("Chain").unwrap();
        assert!(chain
            .rules
            .iter()
            .any(|r| r.metric == Metric::DistanceM && r.interval == 3_000_000.0));
    }
}
