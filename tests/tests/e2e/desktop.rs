//! The desktop around the app: a notification daemon (dunst) in the test's D-Bus session, and
//! `dbus-monitor` recording every `Notify` call that reaches it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pedalwrencher_tests::process::{wait_until, Running};

use crate::window::WAIT;

/// Whether some process owns `name` on the session bus.
fn bus_name_owned(name: &str) -> bool {
    Command::new("dbus-send")
        .args([
            "--session",
            "--dest=org.freedesktop.DBus",
            "--print-reply",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{name}"),
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
        .unwrap_or(false)
}

pub struct Desktop {
    _daemon: Option<Running>,
    _monitor: Running,
    log: PathBuf,
}

impl Desktop {
    /// Starts the daemon (unless the bus already has one) and the monitor, its log in `dir`.
    pub fn start(dir: &Path) -> Desktop {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "no D-Bus session: run through `make test-e2e` (tests/scripts/headless.sh)"
        );
        // The session bus starts dunst by itself (D-Bus activation) when an earlier test's app
        // showed a notification; otherwise this test starts it.
        let daemon = if bus_name_owned("org.freedesktop.Notifications") {
            None
        } else {
            let dunst = Command::new("dunst")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("dunst on PATH (apt package dunst)");
            Some(Running::new(dunst, "dunst"))
        };
        wait_until(
            Duration::from_secs(20),
            "dunst to take org.freedesktop.Notifications",
            || bus_name_owned("org.freedesktop.Notifications"),
        );
        // Notifications an earlier test's app left on screen would be the ones a click reaches.
        let closed = Command::new("dunstctl")
            .arg("close-all")
            .status()
            .expect("dunstctl");
        assert!(closed.success(), "dunstctl close-all: {closed}");
        let log = dir.join("notify.log");
        let file = std::fs::File::create(&log).expect("monitor log");
        let monitor = Command::new("dbus-monitor")
            .args([
                "--session",
                "interface='org.freedesktop.Notifications',member='Notify'",
            ])
            .stdout(file)
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor on PATH (apt package dbus)");
        let monitor = Running::new(monitor, "dbus-monitor");
        // dbus-monitor prints the NameAcquired signal of its own connection once it listens.
        wait_until(Duration::from_secs(20), "dbus-monitor to start", || {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains("NameAcquired")
        });
        Desktop {
            _daemon: daemon,
            _monitor: monitor,
            log,
        }
    }

    /// Every `Notify` call seen so far, as the strings it carried (app name, icon, summary, body…).
    pub fn calls(&self) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut calls: Vec<Vec<String>> = Vec::new();
        for line in text.lines() {
            if line.starts_with("method call") && line.contains("member=Notify") {
                calls.push(Vec::new());
            } else if let (Some(call), Some(rest)) = (
                calls.last_mut(),
                line.trim_start().strip_prefix("string \""),
            ) {
                call.push(rest.strip_suffix('"').unwrap_or(rest).to_owned());
            }
        }
        calls
    }

    /// Waits (bounded) until `ok` holds for the calls seen.
    pub async fn wait_calls(
        &self,
        what: &str,
        ok: impl Fn(&[Vec<String>]) -> bool,
    ) -> Vec<Vec<String>> {
        let deadline = Instant::now() + WAIT;
        loop {
            let calls = self.calls();
            if ok(&calls) {
                return calls;
            }
            assert!(
                Instant::now() < deadline,
                "{what} not seen within {WAIT:?}; Notify calls so far: {calls:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A click on the newest notification (dunst's default action).
    pub fn click_newest(&self) {
        let clicked = Command::new("dunstctl")
            .args(["action", "0"])
            .status()
            .expect("dunstctl");
        assert!(clicked.success(), "dunstctl action: {clicked}");
    }
}

/// Whether a `Notify` call carried `text`.
pub fn has(call: &[String], text: &str) -> bool {
    call.iter().any(|s| s.contains(text))
}
