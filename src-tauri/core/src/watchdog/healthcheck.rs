//! The dead-man's switch: after every background cycle, a GET to a URL the rider registered with
//! an outside service (healthchecks.io, Dead Man's Snitch, Uptime Kuma push monitors), or that URL
//! with `/fail` appended when the cycle ended unhealthy. The service alerts when the pings stop,
//! which no check on this machine can do when the machine itself is gone. A failed ping is logged
//! by the caller and never stops the loop.
//!
//! The URL identifies the rider's check (anyone holding it can ping), so it is never logged
//! whole: messages name its host only.

use std::time::Duration;

use crate::env::{self, Env};
use crate::settings::Settings;

/// The URL to ping: the environment's, else the setting's; `None` when neither is set.
pub fn configured(settings: &Settings, env: &Env) -> Option<String> {
    env.var(env::HEALTHCHECK_URL)
        .or_else(|| settings.healthcheck_url.clone())
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
}

/// Why a ping did not go through, without the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PingError {
    #[error("the healthcheck URL is not an http(s) address")]
    BadUrl,
    #[error("could not reach {host}: {why}")]
    Unreachable { host: String, why: String },
    #[error("{host} answered HTTP {status}")]
    Refused { host: String, status: u16 },
}

/// Pings one check.
pub struct Pinger {
    base: url::Url,
    client: reqwest::Client,
}

impl Pinger {
    pub fn new(url: &str) -> Result<Pinger, PingError> {
        let base = url::Url::parse(url.trim()).map_err(|_| PingError::BadUrl)?;
        if !matches!(base.scheme(), "http" | "https") || !base.has_host() {
            return Err(PingError::BadUrl);
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("pedalwrencher/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PingError::Unreachable {
                host: host(&base),
                why: e.to_string(),
            })?;
        Ok(Pinger { base, client })
    }

    /// The host pinged, for logs.
    pub fn host(&self) -> String {
        host(&self.base)
    }

    /// The URL for a healthy (`base`) or unhealthy (`base/fail`) cycle.
    pub fn url_for(&self, healthy: bool) -> url::Url {
        let mut u = self.base.clone();
        if !healthy {
            let path = format!("{}/fail", u.path().trim_end_matches('/'));
            u.set_path(&path);
        }
        u
    }

    /// One GET; any 2xx is success.
    pub async fn ping(&self, healthy: bool) -> Result<(), PingError> {
        let response = self
            .client
            .get(self.url_for(healthy))
            .send()
            .await
            .map_err(|e| PingError::Unreachable {
                host: self.host(),
                // reqwest's message names the URL; keep only its kind.
                why: if e.is_timeout() {
                    "timed out".to_owned()
                } else if e.is_connect() {
                    "connection failed".to_owned()
                } else {
                    "request failed".to_owned()
                },
            })?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(PingError::Refused {
                host: self.host(),
                status: status.as_u16(),
            })
        }
    }
}

fn host(u: &url::Url) -> String {
    match (u.host_str(), u.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => "the healthcheck server".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_is_appended_to_the_path_and_the_query_is_kept() {
        let p = Pinger::new("https://hc-ping.com/abc-123/?rid=7").unwrap();
        assert_eq!(
            p.url_for(true).as_str(),
            "https://hc-ping.com/abc-123/?rid=7"
        );
        assert_eq!(
            p.url_for(false).as_str(),
            "https://hc-ping.com/abc-123/fail?rid=7"
        );
        assert_eq!(p.host(), "hc-ping.com");
        assert_eq!(
            Pinger::new("ftp://x/y").err(),
            Some(PingError::BadUrl),
            "only http(s)"
        );
        let env = Env::from_pairs([(env::HEALTHCHECK_URL, "http://127.0.0.1:9/p")]);
        let s = Settings {
            healthcheck_url: Some("https://example.org/s".into()),
            ..Settings::default()
        };
        assert_eq!(
            configured(&s, &env).as_deref(),
            Some("http://127.0.0.1:9/p")
        );
        assert_eq!(
            configured(&s, &Env::default()).as_deref(),
            Some("https://example.org/s")
        );
    }
}
