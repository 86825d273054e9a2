//! What a service interval counts, and which rides count toward it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// Every value is stored in SI: metres, seconds, kilojoules, days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    DistanceM,
    MovingTimeS,
    Rides,
    ElevationM,
    EnergyKj,
    Days,
}

impl Metric {
    pub const ALL: [Metric; 6] = [
        Metric::DistanceM,
        Metric::MovingTimeS,
        Metric::Rides,
        Metric::ElevationM,
        Metric::EnergyKj,
        Metric::Days,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::DistanceM => "distance_m",
            Metric::MovingTimeS => "moving_time_s",
            Metric::Rides => "rides",
            Metric::ElevationM => "elevation_m",
            Metric::EnergyKj => "energy_kj",
            Metric::Days => "days",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Metric {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim().to_ascii_lowercase();
        Ok(match s.as_str() {
            "distance_m" | "distance" | "km" | "mi" => Metric::DistanceM,
            "moving_time_s" | "moving_time" | "time" | "hours" | "h" => Metric::MovingTimeS,
            "rides" => Metric::Rides,
            "elevation_m" | "elevation" | "climb" => Metric::ElevationM,
            "energy_kj" | "energy" | "kj" => Metric::EnergyKj,
            "days" | "calendar" => Metric::Days,
            _ => {
                return Err(Error::invalid(format!(
                    "unknown metric '{s}'; use one of distance, moving_time, rides, elevation, energy, days"
                )))
            }
        })
    }
}

/// Which rides a rule counts (e.g. tyres do not wear on the trainer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ActivityFilter {
    #[default]
    All,
    Outdoor,
    Indoor,
}

impl ActivityFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityFilter::All => "all",
            ActivityFilter::Outdoor => "outdoor",
            ActivityFilter::Indoor => "indoor",
        }
    }

    pub fn accepts(self, indoor: bool) -> bool {
        match self {
            ActivityFilter::All => true,
            ActivityFilter::Outdoor => !indoor,
            ActivityFilter::Indoor => indoor,
        }
    }
}

impl FromStr for ActivityFilter {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "all" => Ok(ActivityFilter::All),
            "outdoor" => Ok(ActivityFilter::Outdoor),
            "indoor" => Ok(ActivityFilter::Indoor),
            other => Err(Error::invalid(format!(
                "unknown ride filter '{other}'; use all, outdoor or indoor"
            ))),
        }
    }
}

use crate::store::sql_text_enum;

sql_text_enum!(Metric);
sql_text_enum!(ActivityFilter);
