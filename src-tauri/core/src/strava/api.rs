//! Strava's REST API as the sync uses it: the athlete, gear, and the activity listing. Every
//! request keeps within the rate-limit budget; timeouts, connection errors and 5xx answers are
//! retried with exponential backoff and jitter; failures come back typed, in words a rider can
//! act on. Tokens never appear in errors or logs.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::env;
use crate::store::Clock;
use crate::strava::model::{Athlete, Gear, Page};
use crate::strava::ratelimit::{Budget, Pair, Windows};
use crate::time::Timestamp;

pub const DEFAULT_URL: &str = "https://www.strava.com";

/// How the client talks to Strava.
#[derive(Debug, Clone)]
pub struct Config {
    /// `{url}/oauth/...` and `{url}/api/v3/...`.
    pub base_url: String,
    pub windows: Windows,
    /// First retry delay; each retry doubles it, with jitter.
    pub backoff: Duration,
    /// Tries per request before giving up for this pass.
    pub attempts: u32,
    pub timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            base_url: DEFAULT_URL.to_owned(),
            windows: Windows::default(),
            backoff: Duration::from_secs(2),
            attempts: 4,
            timeout: Duration::from_secs(30),
        }
    }
}

impl Config {
    /// The defaults, with [`env::STRAVA_URL`] (and the test-only knobs
    /// [`env::STRAVA_RATE_WINDOW_MS`], [`env::STRAVA_BACKOFF_MS`], [`env::STRAVA_TIMEOUT_MS`])
    /// applied.
    pub fn from_env() -> Config {
        let env = env::env();
        let mut c = Config::default();
        if let Some(url) = env.strava_url() {
            c.base_url = url;
        }
        if let Some(ms) = env.millis(env::STRAVA_RATE_WINDOW_MS) {
            c.windows.short_ms = i64::try_from(ms).unwrap_or(i64::MAX).max(1);
        }
        if let Some(ms) = env.millis(env::STRAVA_BACKOFF_MS) {
            c.backoff = Duration::from_millis(ms);
        }
        if let Some(ms) = env.millis(env::STRAVA_TIMEOUT_MS) {
            c.timeout = Duration::from_millis(ms.max(1));
        }
        c
    }
}

/// Why a request did not give an answer to use.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    #[error("Strava refused the connection's tokens (revoked, or the app's secret changed); connect to Strava again")]
    Unauthorized,
    #[error("Strava's rate limit for this app is used up until {}", .until.local_date_time())]
    RateLimited { until: Timestamp },
    #[error("Strava could not be reached ({0}); the sync retries on its own")]
    Offline(String),
    #[error("Strava is having trouble (HTTP {0}); the sync retries on its own")]
    Server(u16),
    #[error("Strava sent {0} that could not be read; nothing was changed, and the sync retries on its own")]
    Malformed(String),
    #[error("Strava has no {0}")]
    NotFound(String),
    #[error("Strava answered HTTP {0}: {1}")]
    Other(u16, String),
}

/// A client for one pass, holding its access token and the budget as last seen.
pub struct Api {
    http: reqwest::Client,
    config: Config,
    clock: Arc<dyn Clock>,
    token: String,
    pub budget: Option<Budget>,
    /// Requests sent in this pass (including retries and rejected ones).
    pub requests: u32,
    /// Activity-list requests in this pass.
    pub list_requests: u32,
}

/// A redirect-free HTTP client with the configured timeout: OAuth responses must not be followed
/// elsewhere, and nothing here needs redirects.
pub fn http_client(config: &Config) -> Result<reqwest::Client, ApiError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.timeout)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("Pedalwrencher/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ApiError::Offline(format!("the HTTP client could not start: {e}")))
}

impl Api {
    pub fn new(
        config: Config,
        clock: Arc<dyn Clock>,
        token: String,
        budget: Option<Budget>,
    ) -> Result<Api, ApiError> {
        Ok(Api {
            http: http_client(&config)?,
            config,
            clock,
            token,
            budget,
            requests: 0,
            list_requests: 0,
        })
    }

    /// Uses a fresh access token from now on.
    pub fn set_token(&mut self, token: String) {
        self.token = token;
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// When the next read request may go out, if not now.
    pub fn wait_for_budget(&self) -> Option<Timestamp> {
        let now = self.clock.now();
        self.budget
            .as_ref()
            .and_then(|b| b.wait_for_read(&self.config.windows, now))
    }

    pub async fn athlete(&mut self) -> Result<Athlete, ApiError> {
        let body = self.get("/api/v3/athlete", &[]).await?;
        serde_json::from_slice(&body).map_err(|e| ApiError::Malformed(format!("the athlete ({e})")))
    }

    pub async fn gear(&mut self, id: &str) -> Result<Gear, ApiError> {
        let path = format!("/api/v3/gear/{}", urlencode(id));
        let body = self.get(&path, &[]).await.map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound(format!("gear {id}")),
            other => other,
        })?;
        serde_json::from_slice(&body).map_err(|e| ApiError::Malformed(format!("gear {id} ({e})")))
    }

    /// One page of `GET /athlete/activities`.
    pub async fn activities(
        &mut self,
        before: Option<i64>,
        after: Option<i64>,
        page: u32,
        per_page: u32,
    ) -> Result<Page, ApiError> {
        let mut query = vec![
            ("page", page.to_string()),
            ("per_page", per_page.to_string()),
        ];
        if let Some(b) = before {
            query.push(("before", b.to_string()));
        }
        if let Some(a) = after {
            query.push(("after", a.to_string()));
        }
        self.list_requests += 1;
        let body = self.get("/api/v3/athlete/activities", &query).await?;
        Page::parse(&body).map_err(|e| ApiError::Malformed(format!("a page of activities ({e})")))
    }

    /// A GET within the budget, retried on timeouts, connection errors and 5xx.
    async fn get(&mut self, path: &str, query: &[(&str, String)]) -> Result<Vec<u8>, ApiError> {
        let url = format!("{}{path}", self.config.base_url);
        let mut attempt = 0;
        loop {
            if let Some(until) = self.wait_for_budget() {
                return Err(ApiError::RateLimited { until });
            }
            attempt += 1;
            self.requests += 1;
            if let Some(b) = self.budget.as_mut() {
                b.count_request();
            }
            let sent = self
                .http
                .get(&url)
                .query(query)
                .bearer_auth(&self.token)
                .send()
                .await;
            let failure = match sent {
                Err(e) => ApiError::Offline(describe(e)),
                Ok(resp) => {
                    let status = resp.status();
                    self.read_budget(resp.headers());
                    match status {
                        s if s.is_success() => match resp.bytes().await {
                            Ok(b) => return Ok(b.to_vec()),
                            Err(e) => ApiError::Offline(describe(e)),
                        },
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                            return Err(ApiError::Unauthorized)
                        }
                        StatusCode::TOO_MANY_REQUESTS => {
                            // Whatever the headers said, nothing more goes out this window.
                            let now = self.clock.now();
                            let until = self
                                .budget
                                .and_then(|b| b.wait_for_read(&self.config.windows, now))
                                .unwrap_or_else(|| self.config.windows.next_short(now));
                            return Err(ApiError::RateLimited { until });
                        }
                        StatusCode::NOT_FOUND => return Err(ApiError::NotFound(path.to_owned())),
                        s if s.is_server_error() => ApiError::Server(s.as_u16()),
                        s => {
                            let text = resp.text().await.unwrap_or_default();
                            return Err(ApiError::Other(
                                s.as_u16(),
                                text.chars().take(200).collect(),
                            ));
                        }
                    }
                }
            };
            if attempt >= self.config.attempts {
                return Err(failure);
            }
            let delay = backoff(self.config.backoff, attempt);
            tracing::info!(?delay, "Strava request failed ({failure}); retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// Keeps the usage the response reports (both header pairs must be there to count).
    fn read_budget(&mut self, headers: &HeaderMap) {
        let pair = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(Pair::parse)
        };
        if let (Some(ru), Some(rl), Some(ou), Some(ol)) = (
            pair("x-readratelimit-usage"),
            pair("x-readratelimit-limit"),
            pair("x-ratelimit-usage"),
            pair("x-ratelimit-limit"),
        ) {
            self.budget = Some(Budget {
                read_usage: ru,
                read_limit: rl,
                overall_usage: ou,
                overall_limit: ol,
                seen_at: self.clock.now(),
            });
        }
    }
}

/// Exponential backoff with full jitter: a random delay up to `base × 2^(attempt-1)`, at least
/// half of it, so many clients retrying at once spread out.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let cap = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let half = cap / 2;
    half + cap.saturating_sub(half).mul_f64(fastrand::f64())
}

/// A network error in words, without the URL (which carries no secret, but is noise).
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer in time".to_owned()
    } else if e.is_connect() {
        "connection refused or no network".to_owned()
    } else {
        e.without_url().to_string()
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_within_its_cap() {
        let base = Duration::from_millis(100);
        for attempt in 1..6 {
            let cap = base * (1 << (attempt - 1));
            for _ in 0..20 {
                let d = backoff(base, attempt);
                assert!(d >= cap / 2 && d <= cap, "{d:?} for attempt {attempt}");
            }
        }
    }
}
