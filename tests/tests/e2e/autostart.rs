//! Start at login: the setting writes the login entry (on Linux the XDG autostart file, which
//! starts the app in the tray) and removes it. Under a private HOME: the rig's HOME is the
//! machine's.

use std::ffi::OsString;

use pedalwrencher_tests::cli::Garage;
use serde_json::json;

use crate::app::{app_binary, saved_setting, App};
use crate::window::Result;

#[tokio::test(flavor = "current_thread")]
async fn the_start_at_login_setting_writes_and_removes_the_xdg_autostart_entry() {
    let garage = Garage::new();
    let home = tempfile::tempdir().expect("a private HOME");
    let config = home.path().join(".config");
    let env: [(&str, OsString); 2] = [
        ("HOME", home.path().into()),
        ("XDG_CONFIG_HOME", config.clone().into()),
    ];
    let app = App::open_with(garage.path(), &env, None).await;
    let entry = config.join("autostart").join("Pedalwrencher.desktop");

    let steps = async {
        app.dashboard().wait_empty().await?;
        assert!(!entry.exists(), "no login entry before the rider asks");

        // What the settings panel sends.
        let window = app.window();
        let set = |on: bool| {
            window.execute(
                "return window.__TAURI_INTERNALS__.invoke('settings_set', { input: arguments[0] });",
                vec![json!({ "desktop": { "start_at_login": on } })],
            )
        };
        let saved = set(true).await?;
        assert_eq!(saved["start_at_login"], true, "{saved}");
        assert_eq!(saved_setting(garage.path(), "start_at_login"), true);
        let text = std::fs::read_to_string(&entry)
            .unwrap_or_else(|e| panic!("the login entry {}: {e}", entry.display()));
        let exec = format!("Exec={} --in-tray", app_binary().display());
        assert!(text.contains("[Desktop Entry]"), "{text}");
        assert!(text.contains(&exec), "starts this app in the tray: {text}");
        assert!(text.contains("Name=Pedalwrencher"), "{text}");

        let saved = set(false).await?;
        assert_eq!(saved["start_at_login"], false, "{saved}");
        assert!(!entry.exists(), "the login entry is removed");
        assert_eq!(saved_setting(garage.path(), "start_at_login"), false);
        Ok(())
    };
    let steps: Result = steps.await;
    app.finish(steps, "start at login on, then off").await;
}
