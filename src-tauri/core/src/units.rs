//! The rider's units, at the edge only: the store is SI, the CLI and UI convert on the way in and out.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::wear::metric::Metric;

const M_PER_MI: f64 = 1_609.344;
const M_PER_FT: f64 = 0.3048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Units {
    #[default]
    Metric,
    Imperial,
}

impl FromStr for Units {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "metric" | "km" => Ok(Units::Metric),
            "imperial" | "mi" | "miles" => Ok(Units::Imperial),
            other => Err(Error::invalid(format!(
                "unknown units '{other}'; use metric or imperial"
            ))),
        }
    }
}

impl Units {
    /// The unit a rider types and reads for a metric.
    pub fn label(self, metric: Metric) -> &'static str {
        match (metric, self) {
            (Metric::DistanceM, Units::Metric) => "km",
            (Metric::DistanceM, Units::Imperial) => "mi",
            (Metric::MovingTimeS, _) => "h",
            (Metric::Rides, _) => "rides",
            (Metric::ElevationM, Units::Metric) => "m",
            (Metric::ElevationM, Units::Imperial) => "ft",
            (Metric::EnergyKj, _) => "kJ",
            (Metric::Days, _) => "days",
        }
    }

    /// SI value → the rider's unit.
    pub fn to_display(self, metric: Metric, si: f64) -> f64 {
        si / self.factor(metric)
    }

    /// The rider's unit → SI value.
    pub fn from_display(self, metric: Metric, value: f64) -> f64 {
        value * self.factor(metric)
    }

    fn factor(self, metric: Metric) -> f64 {
        match (metric, self) {
            (Metric::DistanceM, Units::Metric) => 1_000.0,
            (Metric::DistanceM, Units::Imperial) => M_PER_MI,
            (Metric::MovingTimeS, _) => 3_600.0,
            (Metric::ElevationM, Units::Imperial) => M_PER_FT,
            _ => 1.0,
        }
    }

    /// "1,234 km", "12.5 h", "90 days".
    pub fn format(self, metric: Metric, si: f64) -> String {
        let v = self.to_display(metric, si);
        let text = match metric {
            Metric::MovingTimeS => format!("{v:.1}"),
            _ => group_thousands(v.round()),
        };
        format!("{text} {}", self.label(metric))
    }
}

fn group_thousands(v: f64) -> String {
    let neg = v < 0.0;
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if neg {
        format!("-{out}")
    } else {
        out
    }
}

/// Parses a duration: "1:30" (h:mm), "1:30:00", "90m", "1h30m", "1.5h" or plain hours "1.5".
pub fn parse_duration_s(text: &str) -> Result<f64> {
    let t = text.trim().to_ascii_lowercase();
    let bad = || {
        Error::invalid(format!(
            "'{text}' is not a duration; write 1:30, 1h30m, 90m or 1.5h"
        ))
    };
    let num = |s: &str| -> Result<f64> {
        let v: f64 = s.trim().parse().map_err(|_| bad())?;
        if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(bad())
        }
    };
    if t.contains(':') {
        let parts: Vec<&str> = t.split(':').collect();
        return match parts.as_slice() {
            [h, m] => Ok(num(h)? * 3600.0 + num(m)? * 60.0),
            [h, m, s] => Ok(num(h)? * 3600.0 + num(m)? * 60.0 + num(s)?),
            _ => Err(bad()),
        };
    }
    if let Some((h, rest)) = t.split_once('h') {
        let hours = if h.is_empty() { 0.0 } else { num(h)? };
        let minutes = match rest.trim_end_matches('m') {
            "" => 0.0,
            m => num(m)?,
        };
        return Ok(hours * 3600.0 + minutes * 60.0);
    }
    if let Some(m) = t.strip_suffix('m') {
        return Ok(num(m)? * 60.0);
    }
    Ok(num(&t)? * 3600.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_every_written_form() {
        assert_eq!(parse_duration_s("1:30").unwrap(), 5400.0);
        assert_eq!(parse_duration_s("1h30m").unwrap(), 5400.0);
        assert_eq!(parse_duration_s("90m").unwrap(), 5400.0);
        assert_eq!(parse_duration_s("1.5").unwrap(), 5400.0);
        assert!(parse_duration_s("NaN").is_err());
        assert!(parse_duration_s("-1h").is_err());
    }

    #[test]
    fn imperial_round_trips_and_formats() {
        let m = Units::Imperial.from_display(Metric::DistanceM, 10.0);
        assert!((Units::Imperial.to_display(Metric::DistanceM, m) - 10.0).abs() < 1e-9);
        assert_eq!(
            Units::Metric.format(Metric::DistanceM, 3_000_000.0),
            "3,000 km"
        );
        assert_eq!(
            Units::Metric.format(Metric::DistanceM, -200_000.0),
            "-200 km"
        );
    }
}
