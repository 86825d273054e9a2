//! Timestamps are UTC unix milliseconds everywhere in the store. This module also owns the one
//! rule for what a date typed without a time means, so the CLI and the window agree.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const MS_PER_DAY: i64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The wall clock. Core code asks its store's clock instead (`Store::now`).
    pub fn now() -> Self {
        Self(Utc::now().timestamp_millis())
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn plus_days(self, days: i64) -> Self {
        Self(self.0 + days * MS_PER_DAY)
    }

    pub fn to_utc(self) -> Option<DateTime<Utc>> {
        Utc.timestamp_millis_opt(self.0).single()
    }

    /// The rider's local date and time to the minute, for display.
    pub fn local_date_time(self) -> String {
        match self.to_utc() {
            Some(t) => t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string(),
            None => "?".to_owned(),
        }
    }

    /// The rider's local time of day (HH:MM), for "will retry at 14:05".
    pub fn local_time(self) -> String {
        match self.to_utc() {
            Some(t) => t.with_timezone(&Local).format("%H:%M").to_string(),
            None => "?".to_owned(),
        }
    }

    /// The rider's local calendar date, for display.
    pub fn local_date(self) -> String {
        match self.to_utc() {
            Some(t) => t.with_timezone(&Local).format("%Y-%m-%d").to_string(),
            None => "?".to_owned(),
        }
    }
}

/// What a typed date is the date of; it decides which instant of that day is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateMeaning {
    /// A ride started that day: at local noon (so it falls inside the day in any time zone
    /// shift of a few hours), or now if the day is today.
    RideStart,
    /// A service was done that day: at the end of the local day, after that day's rides, or
    /// now if the day is today.
    Service,
    /// A part was mounted, moved, removed, replaced or retired that day: at the start of the
    /// local day, so that day's rides count on the bike it went onto, or now if the day is today.
    Mounting,
    /// Something lasts until that day (a snooze): the start of the local day, which may be in
    /// the future; today means now.
    Until,
}

/// A date as it reaches the core: an exact instant (imports, sync, tests) or what the rider
/// typed (`2026-05-01`, `2026-05-01T07:30`), resolved by the core with [`resolve`] so the CLI and
/// the window give the same instant for the same input. In JSON: a number of UTC milliseconds, or
/// a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(untagged)]
pub enum When {
    At(Timestamp),
    Typed(String),
}

impl When {
    /// The instant meant; typed dates are checked and resolved by [`resolve`]. `field` names
    /// the date in error messages ("service date").
    pub fn resolve(&self, field: &str, meaning: DateMeaning, now: Timestamp) -> Result<Timestamp> {
        match self {
            When::At(t) => Ok(*t),
            When::Typed(text) => resolve(field, text, meaning, now),
        }
    }
}

impl From<Timestamp> for When {
    fn from(t: Timestamp) -> Self {
        When::At(t)
    }
}

impl From<&str> for When {
    fn from(text: &str) -> Self {
        When::Typed(text.to_owned())
    }
}

/// Turns what a rider typed into an instant, in the machine's time zone.
///
/// A full date and time (`2026-05-01T07:30`, local) or RFC 3339 (`2026-05-01T07:30:00Z`) is
/// taken as written. A date alone (`2026-05-01`) means "now" when it is today, and otherwise the
/// instant `meaning` gives that day. A date alone after today is refused unless `meaning` is
/// [`DateMeaning::Until`]: every other date typed is of something that already happened.
pub fn resolve(field: &str, text: &str, meaning: DateMeaning, now: Timestamp) -> Result<Timestamp> {
    resolve_in(&Local, field, text, meaning, now)
}

/// [`resolve`] in a given time zone (tests pin one).
pub fn resolve_in<Tz: TimeZone>(
    tz: &Tz,
    field: &str,
    text: &str,
    meaning: DateMeaning,
    now: Timestamp,
) -> Result<Timestamp> {
    let text = text.trim();
    let bad = || {
        Error::invalid(format!(
            "{field} '{text}' is not a date; write it as YYYY-MM-DD, YYYY-MM-DDTHH:MM or RFC 3339 (2026-05-01T07:30:00Z)"
        ))
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Timestamp(t.timestamp_millis()));
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let today = now
            .to_utc()
            .map(|t| t.with_timezone(tz).date_naive())
            .ok_or_else(bad)?;
        // The same plausibility bound as every stored date (validate::instant), checked first
        // so a far-off typo gets the message that says to check the year.
        if !(1900..2200).contains(&chrono::Datelike::year(&day)) {
            return Err(Error::invalid(format!(
                "{field} ({text}) is not a date between 1900 and 2200; check the year"
            )));
        }
        if day == today {
            return Ok(now);
        }
        if day > today && meaning != DateMeaning::Until {
            return Err(Error::invalid(format!(
                "{field} {text} is in the future (today is {today}); use the day it happened"
            )));
        }
        let (time, end_of_day) = match meaning {
            DateMeaning::RideStart => (NaiveTime::from_hms_opt(12, 0, 0), false),
            DateMeaning::Service => (NaiveTime::from_hms_opt(0, 0, 0), true),
            DateMeaning::Mounting | DateMeaning::Until => (NaiveTime::from_hms_opt(0, 0, 0), false),
        };
        let time = time.ok_or_else(bad)?;
        let start = local_instant(tz, day.and_time(time)).ok_or_else(bad)?;
        if !end_of_day {
            return Ok(start);
        }
        // The last millisecond before the next local midnight (days are 23–25 hours long).
        let next = day.succ_opt().ok_or_else(bad)?.and_time(time);
        let next = local_instant(tz, next).ok_or_else(bad)?;
        return Ok(Timestamp(next.millis() - 1));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .map_err(|_| bad())?;
    local_instant(tz, naive).ok_or_else(bad)
}

/// A local wall time as an instant; in a DST gap (no such local time) the earliest valid reading.
fn local_instant<Tz: TimeZone>(tz: &Tz, naive: NaiveDateTime) -> Option<Timestamp> {
    let local = tz.from_local_datetime(&naive).earliest().or_else(|| {
        // 00:00 may not exist on a spring-forward day: take the first instant after the gap.
        tz.from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
    })?;
    Some(Timestamp(local.timestamp_millis()))
}

impl rusqlite::ToSql for Timestamp {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::from(self.0))
    }
}

impl rusqlite::types::FromSql for Timestamp {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        i64::column_result(v).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    /// 2026-11-24 15:00 at UTC+2.
    const NOW: Timestamp = Timestamp(1_795_525_200_000);

    fn tz() -> FixedOffset {
        FixedOffset::east_opt(2 * 3600).unwrap()
    }

    fn at(text: &str) -> Timestamp {
        Timestamp(
            DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp_millis(),
        )
    }

    #[test]
    fn today_means_now_for_every_kind_of_date() {
        for meaning in [
            DateMeaning::RideStart,
            DateMeaning::Service,
            DateMeaning::Mounting,
        ] {
            assert_eq!(
                resolve_in(&tz(), "date", "2026-11-24", meaning, NOW).unwrap(),
                NOW
            );
        }
    }

    #[test]
    fn a_past_ride_date_means_local_noon() {
        let got = resolve_in(&tz(), "date", "2026-06-01", DateMeaning::RideStart, NOW).unwrap();
        assert_eq!(got, at("2026-06-01T12:00:00+02:00"));
    }

    #[test]
    fn a_past_service_date_means_the_end_of_that_local_day_after_its_rides() {
        let got = resolve_in(&tz(), "date", "2026-06-01", DateMeaning::Service, NOW).unwrap();
        assert_eq!(got.millis(), at("2026-06-02T00:00:00+02:00").millis() - 1);
        let ride = resolve_in(&tz(), "date", "2026-06-01", DateMeaning::RideStart, NOW).unwrap();
        assert!(ride < got, "that day's ride came before the service");
    }

    #[test]
    fn a_past_mounting_date_means_the_start_of_that_local_day_before_its_rides() {
        let got = resolve_in(&tz(), "date", "2026-06-01", DateMeaning::Mounting, NOW).unwrap();
        assert_eq!(got, at("2026-06-01T00:00:00+02:00"));
    }

    #[test]
    fn a_date_after_today_is_refused() {
        let err = resolve_in(&tz(), "date", "2026-11-25", DateMeaning::RideStart, NOW).unwrap_err();
        assert!(
            err.to_string().contains("date 2026-11-25 is in the future"),
            "{err}"
        );
        assert_eq!(err.kind(), crate::ErrorKind::Invalid);
    }

    #[test]
    fn when_reads_numbers_as_instants_and_strings_as_typed_dates() {
        let at: When = serde_json::from_str("1795525200000").unwrap();
        assert_eq!(at, When::At(NOW));
        let typed: When = serde_json::from_str("\"2026-06-01\"").unwrap();
        assert_eq!(typed, When::Typed("2026-06-01".into()));
    }

    #[test]
    fn a_full_date_and_time_is_taken_as_written() {
        assert_eq!(
            resolve_in(&tz(), "date", "2026-06-01T07:30", DateMeaning::Service, NOW).unwrap(),
            at("2026-06-01T07:30:00+02:00")
        );
        assert_eq!(
            resolve_in(
                &tz(),
                "date",
                "2026-06-01T07:30:00Z",
                DateMeaning::RideStart,
                NOW
            )
            .unwrap(),
            at("2026-06-01T07:30:00Z")
        );
        assert!(resolve_in(&tz(), "date", "June 1", DateMeaning::RideStart, NOW).is_err());
    }
}
