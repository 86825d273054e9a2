//! A healthcheck server on 127.0.0.1 (what healthchecks.io is to the dead-man's switch): it
//! answers 200 to every request and keeps each one's method and path, to count the pings.

use std::sync::{Arc, Mutex};

use axum::http::{Method, Uri};
use axum::Router;

use crate::loopback::Server;

pub struct Healthcheck {
    server: Server,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Healthcheck {
    pub fn start() -> Healthcheck {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let app = Router::new().fallback(move |method: Method, uri: Uri| {
            let seen = seen.clone();
            async move {
                let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
                lock(&seen).push(format!("{method} {path}"));
                "OK"
            }
        });
        Healthcheck {
            server: Server::axum(app, 0, "the healthcheck server"),
            requests,
        }
    }

    /// The ping URL for `path` (e.g. "/ping/5f0c1d2e").
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// Every request so far, oldest first, as "METHOD /path?query".
    pub fn requests(&self) -> Vec<String> {
        lock(&self.requests).clone()
    }

    /// The paths of the GET requests so far, oldest first.
    pub fn pinged_paths(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter_map(|r| r.strip_prefix("GET ").map(str::to_owned))
            .collect()
    }
}

fn lock(requests: &Mutex<Vec<String>>) -> std::sync::MutexGuard<'_, Vec<String>> {
    requests.lock().unwrap_or_else(|p| p.into_inner())
}
