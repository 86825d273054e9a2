//! The app's own process, behind tauri-driver and WebKitWebDriver (which start it), found by its
//! binary and the data folder in its environment; and the app started directly, as a second
//! launch or the login entry would.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pedalwrencher_tests::process::Running;

use crate::app::app_binary;
use crate::window::WAIT;

/// The pid of the app running on `data`, once there is one.
pub async fn pid(data: &Path) -> u32 {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(pid) = find(data) {
            return pid;
        }
        assert!(
            Instant::now() < deadline,
            "no app process on {}",
            data.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn find(data: &Path) -> Option<u32> {
    let app = app_binary();
    let wanted = format!("PEDALWRENCHER_DATA_DIR={}", data.display());
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            exe.as_deref() == Some(app.as_path())
                && environ
                    .split(|b| *b == 0)
                    .any(|var| var == wanted.as_bytes())
        })
}

/// Whether process `pid` is still running (not exited, not a zombie).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            // The state follows the command name in parentheses: "123 (name) S …".
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        })
        .unwrap_or(false)
}

/// The app started directly on `data` with `args`, its log written to `log`.
pub fn launch(data: &Path, args: &[&str], log: &Path) -> Running {
    let child = Command::new(app_binary())
        .args(args)
        .env("PEDALWRENCHER_DATA_DIR", data)
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(log).expect("the app's log"),
        ))
        .spawn()
        .expect("the app binary");
    Running::new(child, "the app")
}
