//! The parts of Strava's payloads the sync uses (Strava's API reference and swagger). Real
//! payloads carry many more fields, nulls where numbers are expected and numbers wider than
//! 64 bits; only the fields read here are parsed, every one of them optional but the id.

use serde::Deserialize;

/// `SummaryActivity`, as listed by `GET /athlete/activities`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Activity {
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
    /// Metres.
    #[serde(default)]
    pub distance: Option<f64>,
    /// Seconds.
    #[serde(default)]
    pub moving_time: Option<f64>,
    #[serde(default)]
    pub elapsed_time: Option<f64>,
    /// Metres.
    #[serde(default)]
    pub total_elevation_gain: Option<f64>,
    /// Present for rides with power.
    #[serde(default)]
    pub kilojoules: Option<f64>,
    /// Deprecated by Strava in favour of `sport_type`; used when that is missing.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub sport_type: Option<String>,
    /// UTC, ISO 8601.
    pub start_date: String,
    /// The same instant as the athlete's wall clock showed it, written with a `Z`.
    #[serde(default)]
    pub start_date_local: Option<String>,
    #[serde(default)]
    pub trainer: Option<bool>,
    #[serde(default)]
    pub commute: Option<bool>,
    #[serde(default)]
    pub gear_id: Option<String>,
}

/// `DetailedAthlete` with `profile:read_all`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Athlete {
    pub id: i64,
    #[serde(default)]
    pub firstname: Option<String>,
    #[serde(default)]
    pub lastname: Option<String>,
    #[serde(default)]
    pub bikes: Option<Vec<GearSummary>>,
    /// "feet" or "meters": the rider's units on Strava (the default for ours).
    #[serde(default)]
    pub measurement_preference: Option<String>,
}

impl Athlete {
    pub fn display_name(&self) -> String {
        let parts: Vec<&str> = [self.firstname.as_deref(), self.lastname.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            format!("athlete {}", self.id)
        } else {
            parts.join(" ")
        }
    }
}

/// A bike as the athlete lists it (`SummaryGear`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GearSummary {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub retired: Option<bool>,
}

/// `DetailedGear` from `GET /gear/{id}`: how bikes retired in Strava are found.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Gear {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub brand_name: Option<String>,
    #[serde(default)]
    pub model_name: Option<String>,
    #[serde(default)]
    pub frame_type: Option<i64>,
    #[serde(default)]
    pub retired: Option<bool>,
}

impl Gear {
    /// The name Strava shows, else brand and model, else the id.
    pub fn display_name(&self) -> String {
        if let Some(n) = self
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            return n.to_owned();
        }
        let bm: Vec<&str> = [self.brand_name.as_deref(), self.model_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if bm.is_empty() {
            format!("Strava bike {}", self.id)
        } else {
            bm.join(" ")
        }
    }
}

/// One page of activities, read item by item: an item that cannot be read is reported with its
/// id (when it has one) instead of failing the page, so one odd activity cannot stop a sync.
#[derive(Debug, Default)]
pub struct Page {
    pub activities: Vec<Activity>,
    /// Items that could not be read: their id if it could be found, and why.
    pub unreadable: Vec<(Option<i64>, String)>,
    /// How many items the page held, readable or not (a short page ends a listing).
    pub len: usize,
    /// The earliest and latest `start_date` on the page, of any item (epoch seconds): the
    /// listing's cursor and the re-scan anchor.
    pub oldest_start: Option<i64>,
    pub newest_start: Option<i64>,
}

impl Page {
    /// Parses a page body. Malformed or truncated JSON fails as a whole.
    pub fn parse(body: &[u8]) -> Result<Page, serde_json::Error> {
        let items: Vec<serde_json::Value> = serde_json::from_slice(body)?;
        let mut page = Page {
            len: items.len(),
            ..Page::default()
        };
        for item in items {
            let id = item.get("id").and_then(serde_json::Value::as_i64);
            let start = item
                .get("start_date")
                .and_then(serde_json::Value::as_str)
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.timestamp());
            if let Some(s) = start {
                page.oldest_start = Some(page.oldest_start.map_or(s, |o| o.min(s)));
                page.newest_start = Some(page.newest_start.map_or(s, |n| n.max(s)));
            }
            match serde_json::from_value::<Activity>(item) {
                Ok(a) => page.activities.push(a),
                Err(e) => page.unreadable.push((id, e.to_string())),
            }
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_null_and_oversized_fields_do_not_break_parsing() {
        let body = br#"[{"id": 9223372036854775807, "name": null, "distance": 12345.6,
            "moving_time": 3600, "elapsed_time": null, "total_elevation_gain": 10,
            "type": "Ride", "sport_type": "GravelRide", "start_date": "2026-05-01T06:00:00Z",
            "start_date_local": "2026-05-01T08:00:00Z", "timezone": "(GMT+01:00) Europe/Paris",
            "trainer": false, "commute": null, "gear_id": null, "upload_id": 987654321234567891234,
            "map": {"id": "a1", "summary_polyline": "abc"}, "average_watts": 1e300,
            "athlete": {"id": 1, "resource_state": 1}}]"#;
        let page = Page::parse(body).unwrap();
        assert_eq!(page.len, 1);
        let a = &page.activities[0];
        assert_eq!(a.id, i64::MAX);
        assert_eq!(a.sport_type.as_deref(), Some("GravelRide"));
        assert_eq!(a.elapsed_time, None);
    }

    #[test]
    fn an_item_without_a_start_is_reported_and_the_rest_of_the_page_is_read() {
        let body = br#"[{"id": 1, "start_date": "2026-05-01T06:00:00Z"}, {"id": 2}]"#;
        let page = Page::parse(body).unwrap();
        assert_eq!(page.len, 2);
        assert_eq!(page.activities.len(), 1);
        assert_eq!(page.unreadable[0].0, Some(2));
    }

    #[test]
    fn truncated_json_fails_the_whole_page() {
        assert!(Page::parse(br#"[{"id": 1, "start_date": "2026-05"#).is_err());
    }
}
