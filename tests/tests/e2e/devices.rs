//! Two devices, each its own app, garage and secrets file, syncing a bike through a real WebDAV
//! server.

use std::ffi::OsString;
use std::time::Instant;

use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::sync_servers::WebDav;

use crate::app::{wait_saved_setting, App};
use crate::window::Result;

/// B keeps WebKit's own compositing (src-tauri/src/webview.rs). Two web views without it on one X
/// display without a compositing window manager: one of them stopped answering WebDriver once it
/// had synced (its page drawn and up to date on screen), every run; with one composited, both
/// answer. What is tested here is the sync between them.
const DEFAULTS: &str = "PEDALWRENCHER_WEBVIEW_DEFAULTS";

#[tokio::test(flavor = "current_thread")]
async fn a_bike_added_on_one_device_reaches_the_other_through_a_webdav_server() {
    let dav = WebDav::start();
    let passphrase = "a long and private passphrase";
    let (a_garage, b_garage) = (Garage::new(), Garage::new());
    // Each its own garage, secrets file and tauri-driver ports.
    let secrets: [(&str, OsString); 1] = [("PEDALWRENCHER_SECRETS", "file".into())];
    // B first, so A's window opens on top of it: a window without accelerated compositing that
    // another covers draws nothing under Xvfb (src-tauri/src/webview.rs); B, composited, draws.
    let b_env = [secrets[0].clone(), (DEFAULTS, "1".into())];
    let b = App::open_with(b_garage.path(), &b_env, None).await;
    let a = App::open_with(a_garage.path(), &secrets, None).await;

    let steps = async {
        let started = Instant::now();
        // A: set up through the form on the empty target (it makes the vault), and name itself.
        a.dashboard().wait_empty().await?;
        let a_devices = a.header().open_devices().await?;
        a_devices.set_up(&dav.url(), passphrase).await?;
        a_devices
            .wait_summary("synced", |t| t.starts_with("Synced"))
            .await?;
        let target = a_devices.target().await?;
        assert!(
            target.contains("127.0.0.1") && !target.contains(WebDav::PASSWORD),
            "the target is shown without its password: {target}"
        );
        a_devices.rename("Workshop laptop").await?;
        // How often A syncs in the background: saved in its settings and shown as chosen.
        a_devices.sync_every(60).await?;
        wait_saved_setting(a_garage.path(), "devices_sync_minutes", 60).await;
        // Drawn anew from the status (not the select the rider just moved), it reads the same.
        a_devices.wait_interval_ready().await?;
        a_devices.close().await?;
        let a_devices = a.header().open_devices().await?;
        assert_eq!(
            a_devices.interval().await?.as_deref(),
            Some("60"),
            "the reopened section shows the saved interval"
        );

        // B: a wrong passphrase is refused and nothing is kept; the right one joins.
        b.dashboard().wait_empty().await?;
        let b_devices = b.header().open_devices().await?;
        b_devices
            .set_up(&dav.url(), "not the passphrase at all")
            .await?;
        let refused = b_devices.wait_error().await?;
        assert!(
            refused.to_lowercase().contains("passphrase"),
            "a wrong passphrase says so: {refused}"
        );
        b_devices.wait_setup_form().await?;
        b.window().screenshot("e2e-devices-refused.png").await?;
        let kept = std::fs::read_to_string(b_garage.file("secrets.json")).unwrap_or_default();
        assert!(
            !kept.contains("sync_url"),
            "a refused set-up leaves nothing saved: {kept}"
        );
        b_devices.set_up(&dav.url(), passphrase).await?;
        b_devices
            .wait_summary("synced", |t| t.starts_with("Synced"))
            .await?;
        b_devices.close().await?;

        // A: a bike through the form, then Sync now.
        a_devices.close().await?;
        let bike = a.header().add_bike().await?;
        bike.name("Gravel from A").await?;
        bike.submit().await?;
        let card = a.dashboard().bike_card_text().await?;
        assert!(card.contains("Gravel from A"), "A's bike card: {card}");
        a.window().wait_no_dialog().await?;
        let a_devices = a.header().open_devices().await?;
        a_devices.sync_now().await?;
        a_devices
            .wait_pending("nothing to send", |t| t.trim() == "Nothing")
            .await?;
        assert!(
            b.dashboard().bike_cards().await?.is_empty(),
            "B has no bike before it syncs"
        );

        // B: Sync now brings the bike, and lists A by its name.
        let b_devices = b.header().open_devices().await?;
        b_devices.sync_now().await?;
        let others = b_devices
            .wait_others("device A", |t| t.contains("Workshop laptop"))
            .await?;
        assert!(others.contains("last synced"), "others: {others}");
        let card = b
            .dashboard()
            .wait_bike_card_text("A's bike", |t| t.contains("Gravel from A"))
            .await?;
        assert!(card.contains("Gravel from A"), "B's bike card: {card}");
        eprintln!(
            "two devices set up and synced a bike through WebDAV in {:?}",
            started.elapsed()
        );

        b.window().readme_screenshot("devices.png").await?;

        // A stops syncing (after a confirm): the form is back, the bike stays.
        a_devices.forget().await?;
        a_devices.wait_setup_form().await?;
        let card = a.dashboard().bike_card_text().await?;
        assert!(card.contains("Gravel from A"), "A keeps its bike: {card}");
        Result::Ok(())
    }
    .await;
    let closed = (a.close().await, b.close().await);
    steps.expect("two devices sync a bike");
    closed.0.expect("close A's session");
    closed.1.expect("close B's session");
}
