//! The real app binary on a data folder of the test's, driven through tauri-driver (which starts
//! WebKitWebDriver and the app behind it): one [`App`] per window.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use pedalwrencher_tests::loopback::{free_port, wait_until_accepting};
use pedalwrencher_tests::process::Running;

use crate::pages::{Dashboard, Header, Places};
use crate::window::{Result, Window};

/// `target/debug/pedalwrencher`, built by `make app`.
pub fn app_binary() -> PathBuf {
    // tests/ → workspace root → target/debug
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("debug");
    let app = target.join(format!("pedalwrencher{}", std::env::consts::EXE_SUFFIX));
    assert!(
        app.exists(),
        "{} is missing: build it with `make app` first",
        app.display()
    );
    app.canonicalize().expect("app path")
}

/// The app in a WebDriver session; tauri-driver (and with it the app) is killed however the test
/// ends.
pub struct App {
    client: Client,
    _driver: Running,
}

impl App {
    /// The app on the data folder `data`.
    pub async fn open(data: &Path) -> App {
        App::open_with(data, &[], None).await
    }

    /// The app on `data` with more environment variables (it inherits tauri-driver's), its
    /// standard error (its log) written to `log` if given.
    pub async fn open_with(data: &Path, env: &[(&str, OsString)], log: Option<&Path>) -> App {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no DISPLAY: run through `make test-e2e` (tests/scripts/headless.sh)"
        );
        let stderr = match log {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("the app's log")),
            None => Stdio::inherit(),
        };
        let (port, native_port) = (free_port(), free_port());
        let child = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("PEDALWRENCHER_DATA_DIR", data)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("tauri-driver on PATH (cargo install tauri-driver --locked)");
        let mut driver = Running::new(child, "tauri-driver");
        // Both tauri-driver and the WebKitWebDriver it spawns behind it must accept connections:
        // the proxy listens at once, and a session asked for before the native driver is up fails
        // with an incomplete answer.
        for p in [native_port, port] {
            let within = Duration::from_secs(30);
            let up = wait_until_accepting(p, within, || driver.exited().map(|s| s.to_string()));
            if let Err(why) = up {
                panic!("the WebDriver {why}");
            }
        }
        App {
            client: connect(port).await,
            _driver: driver,
        }
    }

    pub fn window(&self) -> Window<'_> {
        Window::new(&self.client)
    }

    pub fn header(&self) -> Header<'_> {
        Header::new(self.window())
    }

    pub fn places(&self) -> Places<'_> {
        Places::new(self.window())
    }

    pub fn dashboard(&self) -> Dashboard<'_> {
        Dashboard::new(self.window())
    }

    /// Ends the WebDriver session.
    pub async fn close(self) -> Result {
        self.client.close().await
    }

    /// Ends the session, then fails if the rider's steps did (`what` names them), then if the
    /// session did not end cleanly.
    pub async fn finish<T>(self, steps: Result<T>, what: &str) -> T {
        let closed = self.close().await;
        let value = steps.expect(what);
        closed.expect("close the session");
        value
    }
}

async fn connect(port: u16) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app_binary() }),
    );
    ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session")
}

/// Waits until the device's `settings.json` in `data` holds `value` for `key` (the app saves a
/// setting a moment after the rider picks it).
pub async fn wait_saved_setting(data: &Path, key: &str, value: i64) {
    let settings = data.join("settings.json");
    let deadline = std::time::Instant::now() + crate::window::WAIT;
    loop {
        let text = std::fs::read_to_string(&settings).unwrap_or_default();
        let saved: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if saved[key] == value {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{key} not saved as {value}: settings.json reads {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `key` in the device's `settings.json` in `data` now (null when absent).
pub fn saved_setting(data: &Path, key: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(data.join("settings.json")).unwrap_or_default();
    let saved: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    saved[key].clone()
}

/// Waits until the device's `settings.json` in `data` holds the text `value` for `key`.
pub async fn wait_saved_setting_text(data: &Path, key: &str, value: &str) {
    let settings = data.join("settings.json");
    let deadline = std::time::Instant::now() + crate::window::WAIT;
    loop {
        let text = std::fs::read_to_string(&settings).unwrap_or_default();
        let saved: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if saved[key] == value {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{key} not saved as {value}: settings.json reads {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
