//! Connecting to Strava on phones, where no browser can reach a listener on the phone's
//! 127.0.0.1: Strava's mobile authorize page (`{base}/oauth/mobile/authorize`, which hands over
//! to the Strava app when it is installed) sends the rider back through the deep link
//! `pedalwrencher://localhost/strava?state=…&code=…&scope=…` ("localhost" is the host Strava
//! checks against the application's Authorization Callback Domain). tauri-plugin-deep-link
//! delivers it to `on_open_url` (registered in `strava.rs`), which hands its query to the attempt
//! waiting there; the core's `Pending::complete` checks the `state` and exchanges
//! the code exactly as for the loopback flow.
//!
//! NOT BUILT OR TESTED HERE: this workspace builds the desktop app only (no Android NDK or Xcode).
//! The plugin calls are behind `#[cfg(mobile)]`, and the deep-link crate is a dependency of the
//! Android and iOS targets only, so the desktop build never compiles them; the URL rewrite and
//! the wait below are plain code, compiled and unit-tested on desktop.
//!
//! The attempt starts with the core's `auth::begin`, which also binds a loopback listener (the
//! core has no listener-free begin yet); on a phone that listener is simply never called and is
//! dropped with the attempt. The token exchange sends no redirect_uri, so the rewritten
//! redirect needs nothing else from the core.
#![cfg_attr(not(mobile), allow(dead_code))]

use std::time::Duration;

use pedalwrencher_core::strava::api::Config;
use pedalwrencher_core::strava::auth::{Connected, Pending};
use pedalwrencher_core::strava::StravaError;
use tauri::Url;
use tokio::sync::oneshot;

/// Where Strava sends the rider back on phones (also in tauri.conf.json, plugins.deep-link).
pub const REDIRECT: &str = "pedalwrencher://localhost/strava";

/// The core's desktop authorize URL turned into Strava's mobile one: the same parameters (client
/// id, scopes, the one-time `state`), the mobile page, and the deep link as the redirect.
pub fn authorize_url(desktop: &str, config: &Config) -> Result<String, StravaError> {
    let parse = |text: &str| {
        Url::parse(text).map_err(|e| StravaError::Invalid(format!("a bad Strava address ({e})")))
    };
    let desktop = parse(desktop)?;
    let mut mobile = parse(&format!("{}/oauth/mobile/authorize", config.base_url))?;
    {
        let mut query = mobile.query_pairs_mut();
        for (key, value) in desktop.query_pairs() {
            if key == "redirect_uri" {
                query.append_pair(&key, REDIRECT);
            } else {
                query.append_pair(&key, &value);
            }
        }
    }
    Ok(mobile.to_string())
}

/// The query of a deep link that is Strava's answer, if `url` is one.
pub fn answer_query(url: &Url) -> Option<String> {
    let ours = Url::parse(REDIRECT).ok()?;
    (url.scheme() == ours.scheme()
        && url.host_str() == ours.host_str()
        && url.path() == ours.path())
    .then(|| url.query().unwrap_or("").to_owned())
}

/// Waits (at most `timeout`) for the deep link's query, then completes the connection.
pub async fn finish(
    pending: Pending,
    redirect: oneshot::Receiver<String>,
    timeout: Duration,
) -> Result<Connected, StravaError> {
    let query = tokio::time::timeout(timeout, redirect)
        .await
        .map_err(|_| StravaError::TimedOut(timeout.as_secs() / 60))?
        .map_err(|_| StravaError::Listener("the connection attempt ended".into()))?;
    pending.complete(&query).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mobile_page_keeps_the_parameters_and_redirects_to_the_deep_link() {
        let config = Config {
            base_url: "https://www.strava.com".into(),
            ..Config::default()
        };
        let desktop = "https://www.strava.com/oauth/authorize?response_type=code&client_id=42\
            &state=abc&redirect_uri=http%3A%2F%2F127.0.0.1%3A5555%2Fstrava%2Fcallback\
            &scope=read%2Cactivity%3Aread_all&approval_prompt=auto";
        let mobile = Url::parse(&authorize_url(desktop, &config).unwrap()).unwrap();
        assert_eq!(mobile.path(), "/oauth/mobile/authorize");
        let q: Vec<(String, String)> = mobile.query_pairs().into_owned().collect();
        let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("redirect_uri"), Some(REDIRECT));
        assert_eq!(get("state"), Some("abc"));
        assert_eq!(get("client_id"), Some("42"));
        assert_eq!(get("scope"), Some("read,activity:read_all"));
    }

    #[test]
    fn only_the_strava_deep_link_is_an_answer() {
        let ok = Url::parse("pedalwrencher://localhost/strava?state=s&code=c").unwrap();
        assert_eq!(answer_query(&ok).as_deref(), Some("state=s&code=c"));
        for other in [
            "pedalwrencher://localhost/other?code=c",
            "https://localhost/strava?code=c",
            "pedalwrencher://evil/strava?code=c",
        ] {
            assert_eq!(answer_query(&Url::parse(other).unwrap()), None, "{other}");
        }
    }

    #[tokio::test]
    async fn no_deep_link_within_the_timeout_is_a_timeout() {
        let config = Config {
            base_url: "http://127.0.0.1:9".into(),
            ..Config::default()
        };
        let pending = pedalwrencher_core::strava::auth::begin(&config, "42", "0123456789abcdef")
            .await
            .unwrap();
        let (_tx, rx) = oneshot::channel();
        let e = finish(pending, rx, Duration::from_millis(10))
            .await
            .unwrap_err();
        assert!(matches!(e, StravaError::TimedOut(_)), "{e}");
    }
}
