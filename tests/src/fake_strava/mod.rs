//! A fake of Strava's API v3 on 127.0.0.1, written from Strava's public documentation
//! (developers.strava.com: authentication, rate limits, reference, swagger): OAuth authorize/token/deauthorize with expiring and rotating
//! tokens, the athlete and gear endpoints, activity listing with `before`/`after`/`page`/
//! `per_page` in Strava's orders, rate-limit headers with 429s, and faults on demand (5xx, slow
//! answers, malformed or truncated JSON, 401). Payloads carry extra, null and oversized fields
//! like real ones.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{json, Value};

use crate::loopback::Server;

mod api;

pub const CLIENT_ID: &str = "4242";
pub const CLIENT_SECRET: &str = "fake-client-secret-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
pub const ALL_SCOPES: &str = "read,activity:read_all,profile:read_all";

/// Something the next API request (athlete, gear, activities) will suffer instead of an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// HTTP 5xx with a short body.
    Status(u16),
    /// Answer only after this long.
    Slow(Duration),
    /// 200 with a body that is not JSON.
    Malformed,
    /// 200 with a body cut in the middle.
    Truncated,
    /// 401 as for a revoked token.
    Unauthorized,
}

/// One activity as the fake lists it.
#[derive(Debug, Clone)]
pub struct FakeActivity {
    pub id: i64,
    /// Epoch seconds.
    pub start: i64,
    pub sport_type: String,
    pub distance_m: f64,
    pub moving_time_s: f64,
    pub gear_id: Option<String>,
    pub trainer: bool,
    pub name: String,
}

impl FakeActivity {
    pub fn ride(id: i64, start: i64, distance_m: f64, gear_id: Option<&str>) -> Self {
        FakeActivity {
            id,
            start,
            sport_type: "Ride".into(),
            distance_m,
            moving_time_s: (distance_m / 7.0).round(),
            gear_id: gear_id.map(str::to_owned),
            trainer: false,
            name: format!("Ride {id}"),
        }
    }

    /// The JSON Strava would send: many more fields than the app reads, some null, and a number
    /// wider than 64 bits (as in Strava's documented examples), which serde_json cannot build.
    fn to_json(&self) -> String {
        let body = self.json_fields().to_string();
        format!("{{\"upload_id\":987654321234567891234,{}", &body[1..])
    }

    fn json_fields(&self) -> Value {
        let start = chrono::DateTime::from_timestamp(self.start, 0).unwrap_or_default();
        let local = start + chrono::Duration::hours(1);
        json!({
            "resource_state": 2,
            "athlete": {"id": 134815, "resource_state": 1},
            "name": self.name,
            "distance": self.distance_m,
            "moving_time": self.moving_time_s,
            "elapsed_time": self.moving_time_s + 300.0,
            "total_elevation_gain": (self.distance_m / 100.0).round(),
            "type": if self.sport_type.contains("Ride") { "Ride" } else { self.sport_type.as_str() },
            "sport_type": self.sport_type,
            "workout_type": null,
            "id": self.id,
            "external_id": format!("garmin_push_{}", self.id),
            "start_date": start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "start_date_local": local.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "timezone": "(GMT+01:00) Europe/Paris",
            "utc_offset": 3600.0,
            "start_latlng": null,
            "end_latlng": [],
            "location_city": null,
            "achievement_count": 0,
            "kudos_count": 19,
            "map": {"id": format!("a{}", self.id), "summary_polyline": null, "resource_state": 2},
            "trainer": self.trainer,
            "commute": false,
            "manual": false,
            "private": false,
            "flagged": false,
            "gear_id": self.gear_id,
            "average_speed": 6.5,
            "max_speed": 1.7976931348623157e308,
            "kilojoules": null,
            "device_watts": false,
            "has_heartrate": false,
            "pr_count": 0,
            "total_photo_count": 0,
        })
    }
}

#[derive(Debug, Clone)]
pub struct FakeGear {
    pub id: String,
    pub name: String,
    /// Retired bikes are not listed on the athlete; `GET /gear/{id}` still knows them.
    pub retired: bool,
    pub frame_type: i64,
}

impl FakeGear {
    pub fn bike(id: &str, name: &str, retired: bool) -> FakeGear {
        FakeGear {
            id: id.into(),
            name: name.into(),
            retired,
            frame_type: 3,
        }
    }
}

/// Whether the app counts an activity as a ride (the core's list of cycling sport types).
pub fn is_ride(a: &FakeActivity) -> bool {
    pedalwrencher_core::strava::mapping::CYCLING.contains(&a.sport_type.as_str())
}

/// A garage's worth of Strava: two bikes on the profile ("Road bike" b100, "Gravel bike" b200)
/// and one retired in Strava ("Old steel" b300, known only through old rides), with `n`
/// activities, the newest at `newest` (epoch s) and one every `spacing` seconds before it:
/// mostly rides on the three bikes, some without gear, a few runs and virtual rides.
pub fn sample_garage(n: usize, newest: i64, spacing: i64) -> FakeState {
    let activities = (0..n)
        .map(|i| {
            let gear = match i % 7 {
                0 => None,
                1..=3 => Some("b100"),
                4 | 5 => Some("b200"),
                _ => Some("b300"),
            };
            let mut a = FakeActivity::ride(
                20_000_000_000 + i as i64,
                newest - i as i64 * spacing,
                20_000.0 + (i % 50) as f64 * 1000.0,
                gear,
            );
            if i % 11 == 5 {
                a.sport_type = "Run".into();
            }
            if i % 13 == 4 {
                a.sport_type = "VirtualRide".into();
                a.trainer = true;
            }
            a
        })
        .collect();
    FakeState {
        gear: vec![
            FakeGear::bike("b100", "Road bike", false),
            FakeGear::bike("b200", "Gravel bike", false),
            FakeGear::bike("b300", "Old steel", true),
        ],
        activities,
        ..FakeState::default()
    }
}

/// Rate limits as Strava applies them, with a window the tests can shorten.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub read_short: u32,
    pub read_daily: u32,
    pub overall_short: u32,
    pub overall_daily: u32,
    pub window_ms: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            read_short: 100,
            read_daily: 1000,
            overall_short: 200,
            overall_daily: 2000,
            window_ms: 15 * 60 * 1000,
        }
    }
}

#[derive(Debug, Default, Clone)]
struct Usage {
    short_window: i64,
    short: u32,
    day: i64,
    daily: u32,
}

/// Everything the fake knows and has seen; tests change it through [`FakeStrava::state`].
#[derive(Debug)]
pub struct FakeState {
    pub athlete_id: i64,
    pub athlete_name: (String, String),
    /// The athlete's units on Strava: "meters" or "feet".
    pub measurement_preference: String,
    pub gear: Vec<FakeGear>,
    pub activities: Vec<FakeActivity>,
    /// What the rider ticks on Strava's consent page.
    pub granted_scopes: String,
    pub deny_consent: bool,
    /// Rotate the refresh token on every refresh (Strava may; the old one dies at once).
    pub rotate_refresh: bool,
    pub access_ttl_s: i64,
    pub limits: Limits,
    usage: Usage,
    use_up_on_arrival: bool,
    pub faults: VecDeque<Fault>,
    codes: HashMap<String, String>,
    /// Refresh tokens that work now.
    pub refresh_tokens: Vec<String>,
    /// Access tokens that work, with when they expire (epoch s).
    pub access_tokens: BTreeMap<String, i64>,
    serial: u64,
    /// Every request: (method path, query).
    pub log: Vec<(String, String)>,
    pub deauthorized: u32,
    /// Responses answered 429.
    pub too_many: u32,
    /// Every token and code ever issued, live or not: none may ever appear in a file or a log.
    pub issued: Vec<String>,
}

impl Default for FakeState {
    fn default() -> Self {
        FakeState {
            athlete_id: 134815,
            athlete_name: ("Marianne".into(), "Vos".into()),
            measurement_preference: "meters".into(),
            gear: Vec::new(),
            activities: Vec::new(),
            granted_scopes: ALL_SCOPES.into(),
            deny_consent: false,
            rotate_refresh: true,
            access_ttl_s: 6 * 3600,
            limits: Limits::default(),
            usage: Usage::default(),
            use_up_on_arrival: false,
            faults: VecDeque::new(),
            codes: HashMap::new(),
            refresh_tokens: Vec::new(),
            access_tokens: BTreeMap::new(),
            serial: 0,
            log: Vec::new(),
            deauthorized: 0,
            too_many: 0,
            issued: Vec::new(),
        }
    }
}

impl FakeState {
    fn token(&mut self, kind: &str) -> String {
        self.serial += 1;
        let t = format!(
            "fake-{kind}-{:032x}",
            self.serial.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        );
        self.issued.push(t.clone());
        t
    }

    /// Uses up the short window the next API request arrives in, as if other syncs of this app
    /// had. (Used up at its arrival, not now: a window a few hundred milliseconds long could end
    /// before a slow machine's CLI asks anything.)
    pub fn use_up_window(&mut self) {
        self.use_up_on_arrival = true;
    }

    /// Counts an API request arriving now in its window and day; returns the usage so far.
    fn count_request(&mut self) -> Usage {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let window = now_ms.div_euclid(self.limits.window_ms);
        let day = now_ms.div_euclid(86_400_000);
        if self.usage.short_window != window {
            self.usage.short_window = window;
            self.usage.short = 0;
        }
        if self.usage.day != day {
            self.usage.day = day;
            self.usage.daily = 0;
        }
        if std::mem::take(&mut self.use_up_on_arrival) {
            self.usage.short = self.limits.read_short.min(self.limits.overall_short);
            self.usage.daily = self.usage.daily.max(self.usage.short);
        }
        // Rejected requests count too, as Strava's do.
        self.usage.short += 1;
        self.usage.daily += 1;
        self.usage.clone()
    }

    /// Issues a refresh token that works now, as if the rider had connected earlier.
    pub fn issue_refresh_token(&mut self) -> String {
        let t = self.token("refresh");
        self.refresh_tokens.push(t.clone());
        t
    }

    /// Requests to a path (e.g. "GET /api/v3/athlete/activities").
    pub fn count(&self, path: &str) -> usize {
        self.log.iter().filter(|(p, _)| p == path).count()
    }

    /// Every token the fake ever issued or accepts: what must never appear in files or logs.
    pub fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = self.issued.clone();
        out.extend(self.refresh_tokens.iter().cloned());
        out.push(CLIENT_SECRET.to_owned());
        out
    }
}

pub struct FakeStrava {
    server: Server,
    state: Shared,
}

impl FakeStrava {
    /// Starts the fake on a free loopback port.
    pub fn start(state: FakeState) -> FakeStrava {
        let state = Arc::new(Mutex::new(state));
        let server = Server::axum(api::router(state.clone()), 0, "the fake Strava");
        FakeStrava { server, state }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        lock(&self.state)
    }
}

type Shared = Arc<Mutex<FakeState>>;

fn lock(s: &Shared) -> MutexGuard<'_, FakeState> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}
