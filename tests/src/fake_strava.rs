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

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde_json::{json, Value};

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
            gear: Vec::new(),
            activities: Vec::new(),
            granted_scopes: ALL_SCOPES.into(),
            deny_consent: false,
            rotate_refresh: true,
            access_ttl_s: 6 * 3600,
            limits: Limits::default(),
            usage: Usage::default(),
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

    /// Uses up the current short window, as if other syncs of this app had.
    pub fn use_up_window(&mut self) {
        let now_ms = chrono::Utc::now().timestamp_millis();
        self.usage.short_window = now_ms.div_euclid(self.limits.window_ms);
        self.usage.short = self.limits.read_short.min(self.limits.overall_short);
        self.usage.day = now_ms.div_euclid(86_400_000);
        self.usage.daily = self.usage.daily.max(self.usage.short);
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
    pub addr: SocketAddr,
    state: Arc<Mutex<FakeState>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeStrava {
    /// Starts the fake on a free loopback port.
    pub fn start(state: FakeState) -> FakeStrava {
        let state = Arc::new(Mutex::new(state));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let shared = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the fake");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind loopback");
                addr_tx
                    .send(listener.local_addr().expect("local addr"))
                    .expect("report the address");
                axum::serve(listener, router(shared))
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .expect("serve");
            });
        });
        let addr = addr_rx.recv().expect("the fake started");
        FakeStrava {
            addr,
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for FakeStrava {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

type Shared = Arc<Mutex<FakeState>>;

fn lock(s: &Shared) -> MutexGuard<'_, FakeState> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

fn router(state: Shared) -> Router {
    Router::new()
        .route("/oauth/authorize", get(authorize))
        .route("/oauth/token", post(token))
        .route("/oauth/deauthorize", post(deauthorize))
        .route("/api/v3/athlete", get(athlete))
        .route("/api/v3/gear/{id}", get(gear))
        .route("/api/v3/athlete/activities", get(activities))
        .with_state(state)
}

fn log(s: &Shared, what: &str, query: &HashMap<String, String>) {
    let mut q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    q.sort();
    lock(s).log.push((what.to_owned(), q.join("&")));
}

fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

fn error(status: StatusCode, resource: &str, field: &str, code: &str) -> Response {
    (
        status,
        axum::Json(json!({
            "message": status.canonical_reason().unwrap_or("Error"),
            "errors": [{"resource": resource, "field": field, "code": code}]
        })),
    )
        .into_response()
}

async fn authorize(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    log(&s, "GET /oauth/authorize", &q);
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    let state = q.get("state").cloned().unwrap_or_default();
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || q.get("response_type").map(String::as_str) != Some("code")
    {
        return error(
            StatusCode::BAD_REQUEST,
            "Application",
            "client_id",
            "invalid",
        );
    }
    let mut st = lock(&s);
    let sep = if redirect.contains('?') { '&' } else { '?' };
    if st.deny_consent {
        return Redirect::to(&format!("{redirect}{sep}state={state}&error=access_denied"))
            .into_response();
    }
    let code = st.token("code");
    let scopes = st.granted_scopes.clone();
    st.codes.insert(code.clone(), scopes.clone());
    Redirect::to(&format!(
        "{redirect}{sep}state={state}&code={code}&scope={scopes}"
    ))
    .into_response()
}

async fn token(State(s): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    let mut logged = f.clone();
    for secret in ["client_secret", "code", "refresh_token"] {
        if logged.contains_key(secret) {
            logged.insert(secret.into(), "…".into());
        }
    }
    log(&s, "POST /oauth/token", &logged);
    if f.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return error(
            StatusCode::BAD_REQUEST,
            "Application",
            "client_id",
            "invalid",
        );
    }
    if f.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET) {
        return error(
            StatusCode::UNAUTHORIZED,
            "Application",
            "client_secret",
            "invalid",
        );
    }
    let mut st = lock(&s);
    let with_athlete = match f.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = f.get("code").cloned().unwrap_or_default();
            if st.codes.remove(&code).is_none() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "AuthorizationCode",
                    "code",
                    "invalid",
                );
            }
            true
        }
        Some("refresh_token") => {
            let old = f.get("refresh_token").cloned().unwrap_or_default();
            if !st.refresh_tokens.contains(&old) {
                return error(
                    StatusCode::BAD_REQUEST,
                    "RefreshToken",
                    "refresh_token",
                    "invalid",
                );
            }
            if st.rotate_refresh {
                st.refresh_tokens.retain(|t| t != &old);
            }
            false
        }
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "Application",
                "grant_type",
                "invalid",
            )
        }
    };
    let refresh = if st.rotate_refresh || with_athlete {
        let t = st.token("refresh");
        st.refresh_tokens.push(t.clone());
        t
    } else {
        f.get("refresh_token").cloned().unwrap_or_default()
    };
    let access = st.token("access");
    let expires_at = now_s() + st.access_ttl_s;
    st.access_tokens.insert(access.clone(), expires_at);
    let mut body = json!({
        "token_type": "Bearer",
        "access_token": access,
        "expires_at": expires_at,
        "expires_in": st.access_ttl_s,
        "refresh_token": refresh,
    });
    if with_athlete {
        body["athlete"] = json!({
            "id": st.athlete_id, "firstname": st.athlete_name.0, "lastname": st.athlete_name.1,
            "resource_state": 2, "profile": null
        });
    }
    axum::Json(body).into_response()
}

async fn deauthorize(
    State(s): State<Shared>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    log(&s, "POST /oauth/deauthorize", &HashMap::new());
    let token = f
        .get("access_token")
        .cloned()
        .or_else(|| bearer(&headers))
        .unwrap_or_default();
    let mut st = lock(&s);
    if !st.access_tokens.contains_key(&token) {
        return error(
            StatusCode::UNAUTHORIZED,
            "Athlete",
            "access_token",
            "invalid",
        );
    }
    st.access_tokens.clear();
    st.refresh_tokens.clear();
    st.deauthorized += 1;
    axum::Json(json!({ "access_token": token })).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::to_owned)
}

/// The checks every API request goes through: token, rate limit, faults. `Err` is the answer.
async fn gate(s: &Shared, headers: &HeaderMap) -> Result<HeaderMap, Response> {
    let fault = {
        let mut st = lock(s);
        // Count the request (rejected ones count too, as Strava's do).
        let now_ms = chrono::Utc::now().timestamp_millis();
        let window = now_ms.div_euclid(st.limits.window_ms);
        let day = now_ms.div_euclid(86_400_000);
        if st.usage.short_window != window {
            st.usage.short_window = window;
            st.usage.short = 0;
        }
        if st.usage.day != day {
            st.usage.day = day;
            st.usage.daily = 0;
        }
        st.usage.short += 1;
        st.usage.daily += 1;
        let limits = st.limits;
        let usage = st.usage.clone();
        let mut h = HeaderMap::new();
        let pair = |a: u32, b: u32| HeaderValue::from_str(&format!("{a},{b}")).expect("header");
        h.insert(
            "x-ratelimit-limit",
            pair(limits.overall_short, limits.overall_daily),
        );
        h.insert("x-ratelimit-usage", pair(usage.short, usage.daily));
        h.insert(
            "x-readratelimit-limit",
            pair(limits.read_short, limits.read_daily),
        );
        h.insert("x-readratelimit-usage", pair(usage.short, usage.daily));
        if usage.short > limits.read_short.min(limits.overall_short)
            || usage.daily > limits.read_daily.min(limits.overall_daily)
        {
            st.too_many += 1;
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "Application",
                "rate limit",
                "exceeded",
            );
            r.headers_mut().extend(h);
            return Err(r);
        }
        let token = bearer(headers).unwrap_or_default();
        match st.access_tokens.get(&token) {
            Some(&exp) if exp > now_s() => {}
            _ => {
                let mut r = error(
                    StatusCode::UNAUTHORIZED,
                    "Athlete",
                    "access_token",
                    "invalid",
                );
                r.headers_mut().extend(h);
                return Err(r);
            }
        }
        (st.faults.pop_front(), h)
    };
    let (fault, h) = fault;
    match fault {
        None => Ok(h),
        Some(Fault::Slow(d)) => {
            tokio::time::sleep(d).await;
            Ok(h)
        }
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Err((status, h, "upstream trouble").into_response())
        }
        Some(Fault::Malformed) => Err((StatusCode::OK, h, "<html>not json</html>").into_response()),
        Some(Fault::Truncated) => {
            Err((StatusCode::OK, h, "[{\"id\": 1, \"name\": \"cut her").into_response())
        }
        Some(Fault::Unauthorized) => {
            let mut r = error(
                StatusCode::UNAUTHORIZED,
                "Athlete",
                "access_token",
                "invalid",
            );
            r.headers_mut().extend(h);
            Err(r)
        }
    }
}

async fn athlete(State(s): State<Shared>, headers: HeaderMap) -> Response {
    log(&s, "GET /api/v3/athlete", &HashMap::new());
    let h = match gate(&s, &headers).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let st = lock(&s);
    let bikes: Vec<Value> = st
        .gear
        .iter()
        .filter(|g| !g.retired)
        .map(|g| json!({"id": g.id, "primary": false, "name": g.name, "resource_state": 2, "distance": 12345678.9}))
        .collect();
    (
        h,
        axum::Json(json!({
            "id": st.athlete_id, "username": null, "resource_state": 3,
            "firstname": st.athlete_name.0, "lastname": st.athlete_name.1,
            "measurement_preference": "meters", "bikes": bikes,
            "shoes": [{"id": "g12345", "primary": true, "name": "Running shoes", "distance": 4904.0}],
            "ftp": null, "weight": 0,
        })),
    )
        .into_response()
}

async fn gear(State(s): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    log(
        &s,
        "GET /api/v3/gear",
        &HashMap::from([("id".to_owned(), id.clone())]),
    );
    let h = match gate(&s, &headers).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let st = lock(&s);
    match st.gear.iter().find(|g| g.id == id) {
        Some(g) => (
            h,
            axum::Json(json!({
                "id": g.id, "primary": false, "name": g.name, "resource_state": 3,
                "distance": 9876543.0, "brand_name": "Fakebrand", "model_name": null,
                "frame_type": g.frame_type, "description": null, "retired": g.retired,
            })),
        )
            .into_response(),
        None => error(StatusCode::NOT_FOUND, "Gear", "id", "not found"),
    }
}

async fn activities(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    log(&s, "GET /api/v3/athlete/activities", &q);
    let h = match gate(&s, &headers).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok());
    let per_page = num("per_page").unwrap_or(30).clamp(1, 200) as usize;
    let page = num("page").unwrap_or(1).max(1) as usize;
    let st = lock(&s);
    let mut list: Vec<&FakeActivity> = st
        .activities
        .iter()
        .filter(|a| num("before").is_none_or(|b| a.start < b))
        .filter(|a| num("after").is_none_or(|b| a.start > b))
        .collect();
    // Newest first, unless `after` is given: then oldest first (as Strava documents).
    if num("after").is_some() {
        list.sort_by_key(|a| (a.start, a.id));
    } else {
        list.sort_by_key(|a| std::cmp::Reverse((a.start, a.id)));
    }
    let items: Vec<String> = list
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(FakeActivity::to_json)
        .collect();
    let mut h = h;
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    (h, format!("[{}]", items.join(","))).into_response()
}
