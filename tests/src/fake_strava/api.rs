//! The fake's HTTP side: Strava's OAuth and API v3 endpoints, each answering from (and logging
//! into) the shared [`FakeState`].

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde_json::{json, Value};

use super::{lock, FakeActivity, Fault, Shared, CLIENT_ID, CLIENT_SECRET};

pub(super) fn router(state: Shared) -> Router {
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
        let usage = st.count_request();
        let limits = st.limits;
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
            "measurement_preference": st.measurement_preference, "bikes": bikes,
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
