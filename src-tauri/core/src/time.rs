//! Timestamps are UTC unix milliseconds everywhere in the store.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const MS_PER_DAY: i64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
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

    /// The rider's local calendar date, for display.
    pub fn local_date(self) -> String {
        match self.to_utc() {
            Some(t) => t.with_timezone(&Local).format("%Y-%m-%d").to_string(),
            None => "?".to_owned(),
        }
    }

    /// Accepts `YYYY-MM-DD` (local midnight), `YYYY-MM-DDTHH:MM[:SS]` (local time) or RFC 3339.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        let bad = || {
            Error::invalid(format!(
                "'{text}' is not a date; write it as YYYY-MM-DD, YYYY-MM-DDTHH:MM or RFC 3339 (2026-05-01T07:30:00Z)"
            ))
        };
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Ok(Self(t.timestamp_millis()));
        }
        let naive = if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            d.and_hms_opt(0, 0, 0).ok_or_else(bad)?
        } else {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
                .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
                .map_err(|_| bad())?
        };
        // DST gaps have no local midnight; take the earliest valid reading.
        let local = Local
            .from_local_datetime(&naive)
            .earliest()
            .ok_or_else(bad)?;
        Ok(Self(local.timestamp_millis()))
    }
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
