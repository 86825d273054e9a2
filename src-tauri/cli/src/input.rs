//! What the rider typed, turned into what the core takes: quantities in their units, money,
//! dates left out.

use pedalwrencher_core::units::Units;
use pedalwrencher_core::{validate, Error, Metric, Result, Timestamp, When};

/// A quantity typed in the rider's units, checked as typed (so a message quotes what they
/// wrote, not metres or seconds), then converted to SI.
pub(crate) fn si(units: Units, field: &str, metric: Metric, value: f64) -> Result<f64> {
    Ok(units.from_display(metric, validate::non_negative(field, value)?))
}

/// "24.90" → 2490 cents.
pub(crate) fn money(text: Option<&str>) -> Result<Option<i64>> {
    let Some(text) = text else { return Ok(None) };
    let bad = || Error::Invalid(format!("'{text}' is not an amount; write it like 24.90"));
    let value: f64 = text.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() || !(0.0..=1e9).contains(&value) {
        return Err(bad());
    }
    Ok(Some((value * 100.0).round() as i64))
}

/// A date option as typed, or now when it was left out; the core resolves it.
pub(crate) fn when(at: Option<String>, now: Timestamp) -> When {
    at.map_or(When::At(now), When::Typed)
}
