//! Input checks shared by every write. Each failure names the field and what to type instead.

use crate::error::{Error, Result};
use crate::time::{Timestamp, MS_PER_DAY};

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_NOTES_CHARS: usize = 10_000;

/// A display name: trimmed, non-empty, at most 200 characters, no control characters.
/// Anything else (emoji, quotes, SQL metacharacters) is stored exactly as typed.
pub fn name(field: &str, value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(format!("{field} is empty; type one")));
    }
    text(field, trimmed, MAX_NAME_CHARS)
}

/// Free text that may be empty (notes, brand, model).
pub fn text(field: &str, value: &str, max_chars: usize) -> Result<String> {
    let count = value.chars().count();
    if count > max_chars {
        return Err(Error::invalid(format!(
            "{field} is {count} characters long; keep it to {max_chars} or fewer"
        )));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::invalid(format!(
            "{field} contains control characters; remove them"
        )));
    }
    Ok(value.to_owned())
}

/// A quantity that must be a real number ≥ 0 (distance, time, elevation, energy).
pub fn non_negative(field: &str, value: f64) -> Result<f64> {
    if !value.is_finite() {
        return Err(Error::invalid(format!(
            "{field} must be a number, not {value}"
        )));
    }
    if value < 0.0 {
        return Err(Error::invalid(format!(
            "{field} cannot be negative ({value})"
        )));
    }
    Ok(value)
}

/// A quantity that must be a real number > 0 (a service interval).
pub fn positive(field: &str, value: f64) -> Result<f64> {
    let value = non_negative(field, value)?;
    if value == 0.0 {
        return Err(Error::invalid(format!("{field} must be greater than zero")));
    }
    Ok(value)
}

pub fn fraction(field: &str, value: f64) -> Result<f64> {
    if !value.is_finite() || value <= 0.0 || value > 1.0 {
        return Err(Error::invalid(format!(
            "{field} must be a fraction above 0 and at most 1 (for example 0.8), not {value}"
        )));
    }
    Ok(value)
}

pub fn cents(field: &str, value: Option<i64>) -> Result<Option<i64>> {
    match value {
        Some(v) if v < 0 => Err(Error::invalid(format!("{field} cannot be negative"))),
        other => Ok(other),
    }
}

/// A phone number in E.164 form (`+` country code and number, at most 15 digits), as SMS
/// providers take it. Spaces, dashes, dots and brackets a rider types for readability are dropped;
/// anything else is refused with the form to use.
pub fn phone(field: &str, value: &str) -> Result<String> {
    let compact: String = value
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}'))
        .collect();
    let digits = compact.strip_prefix('+').unwrap_or("");
    let ok = compact.starts_with('+')
        && (2..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(compact)
    } else {
        Err(Error::invalid(format!(
            "{field} '{}' is not an international phone number; write it in E.164 form: a plus sign, the country code and the number, e.g. +447700900123 or +14155550100",
            value.trim()
        )))
    }
}

/// An email address as a rider types it (`name@example.org`): one `@`, something on both sides,
/// a dot in the domain or a single-label host, no spaces. The mail library checks it fully when
/// it sends; this catches typos where they are typed.
pub fn email(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    let ok = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        }
        None => false,
    };
    if ok {
        Ok(v.to_owned())
    } else {
        Err(Error::invalid(format!(
            "{field} '{v}' is not an email address; write it as name@example.org"
        )))
    }
}

/// 1900-01-01 and 2200-01-01 UTC: a date outside is a typo, and arithmetic on extreme values
/// could overflow.
const EARLIEST_MS: i64 = -2_208_988_800_000;
const LATEST_MS: i64 = 7_258_118_400_000;

/// A date a rider could mean.
pub fn instant(field: &str, at: Timestamp) -> Result<Timestamp> {
    if !(EARLIEST_MS..LATEST_MS).contains(&at.millis()) {
        return Err(Error::invalid(format!(
            "{field} ({}) is not a date between 1900 and 2200; check the year",
            at.local_date()
        )));
    }
    Ok(at)
}

/// A date of something that has already happened (a service, mounting a part). A typo such as
/// 2062 for 2026 would otherwise keep a rule quiet for decades. A day of slack covers time
/// zones and clocks that are a little off.
pub fn past(field: &str, at: Timestamp, now: Timestamp) -> Result<Timestamp> {
    let at = instant(field, at)?;
    if at.millis() > now.millis().saturating_add(MS_PER_DAY) {
        return Err(Error::invalid(format!(
            "{field} {} is in the future; use the day it happened",
            at.local_date()
        )));
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_must_be_e164_and_lose_only_readability_marks() {
        assert_eq!(phone("to", "+44 7700 900-123").unwrap(), "+447700900123");
        assert_eq!(phone("to", "+1 (415) 555.0100").unwrap(), "+14155550100");
        for bad in [
            "07700900123",
            "+0123",
            "+1",
            "+44 7700 9001 2345 678",
            "+44abc",
            "",
            "0044770",
        ] {
            let e = phone("to", bad).unwrap_err().to_string();
            assert!(e.contains("E.164"), "{bad}: {e}");
        }
    }

    #[test]
    fn email_addresses_need_both_sides_of_one_at() {
        assert_eq!(
            email("to", " rider@example.org ").unwrap(),
            "rider@example.org"
        );
        assert!(email("to", "rider@localhost").is_ok());
        for bad in [
            "rider",
            "@example.org",
            "rider@",
            "a@b@c",
            "a b@c.d",
            "r@.org",
        ] {
            assert!(email("to", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_keep_emoji_and_sql_metacharacters_exactly() {
        assert_eq!(
            name("name", "Robert'); DROP TABLE bikes;-- 🚲").unwrap(),
            "Robert'); DROP TABLE bikes;-- 🚲"
        );
    }

    #[test]
    fn dates_must_be_plausible_and_past_ones_not_in_the_future() {
        let now = Timestamp(1_800_000_000_000);
        assert!(instant("date", Timestamp(i64::MIN)).is_err());
        assert!(instant("date", Timestamp(LATEST_MS)).is_err());
        assert_eq!(instant("date", now).unwrap(), now);
        assert_eq!(
            past("date", now.plus_days(1), now).unwrap(),
            now.plus_days(1)
        );
        let err = past("service date", now.plus_days(2), now).unwrap_err();
        assert!(err.to_string().contains("is in the future"), "{err}");
    }

    #[test]
    fn empty_and_overlong_names_are_rejected() {
        assert!(matches!(name("name", "   "), Err(Error::Invalid(_))));
        assert!(matches!(
            name("name", &"x".repeat(10_000)),
            Err(Error::Invalid(_))
        ));
    }

    #[test]
    fn nan_and_negative_quantities_are_rejected() {
        assert!(non_negative("distance", f64::NAN).is_err());
        assert!(non_negative("distance", -1.0).is_err());
        assert!(positive("interval", 0.0).is_err());
        assert!(positive("interval", f64::INFINITY).is_err());
    }
}
