//! Strava in the window: connecting through the loopback flow against the fake Strava, the rides
//! it brings, disconnecting, and Strava out of reach.

use std::collections::BTreeMap;
use std::ffi::OsString;

use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::fake_strava::{
    is_ride, sample_garage, FakeStrava, CLIENT_ID, CLIENT_SECRET,
};

use crate::app::{wait_saved_setting, App};
use crate::opener::fake_browser;
use crate::window::Result;

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

#[tokio::test(flavor = "current_thread")]
async fn connecting_to_strava_through_the_loopback_flow_imports_rides_onto_the_right_bikes() {
    // Thirty activities over the last month on Strava: rides on three bikes (one retired in
    // Strava), some without gear, a few runs.
    let fake = FakeStrava::start(sample_garage(30, now_s() - 2 * 3600, 86_400));
    let (expected, gearless) = {
        let st = fake.state();
        let name = |g: &str| {
            st.gear
                .iter()
                .find(|x| x.id == g)
                .map(|x| x.name.clone())
                .expect("known gear")
        };
        let mut per_bike = BTreeMap::new();
        let mut gearless = 0usize;
        for a in st.activities.iter().filter(|a| is_ride(a)) {
            match &a.gear_id {
                Some(g) => *per_bike.entry(name(g)).or_insert(0i64) += 1,
                None => gearless += 1,
            }
        }
        (per_bike, gearless)
    };
    assert!(
        expected.len() == 3 && gearless >= 2,
        "{expected:?} {gearless}"
    );

    let garage = Garage::new();
    let bin = tempfile::tempdir().expect("temp bin dir");
    let browser_log = bin.path().join("browser.log");
    let app_log = bin.path().join("app.log");
    let path = fake_browser(bin.path(), &browser_log);
    let env: [(&str, OsString); 6] = [
        ("PEDALWRENCHER_STRAVA_URL", fake.url().into()),
        ("PEDALWRENCHER_SECRETS", "file".into()),
        ("PEDALWRENCHER_LOG", "debug".into()),
        ("PATH", path),
        ("NO_PROXY", "127.0.0.1,localhost".into()),
        ("no_proxy", "127.0.0.1,localhost".into()),
    ];
    let app = App::open_with(garage.path(), &env, Some(&app_log)).await;

    let steps = async {
        let (window, header, dashboard) = (app.window(), app.header(), app.dashboard());
        // The fresh garage offers Strava from the header; the section explains how to connect.
        assert_eq!(header.strava_health().await?.as_deref(), Some("off"));
        let strava = header.open_strava().await?;
        let guide = strava.guide().await?;
        assert!(
            guide.contains("strava.com/settings/api")
                && guide.contains("Authorization Callback Domain")
                && guide.contains("localhost")
                && guide.contains("Client Secret"),
            "guide: {guide}"
        );
        window.settle().await?;
        window.screenshot("e2e-strava-guide.png").await?;

        strava.connect(CLIENT_ID, CLIENT_SECRET).await?;

        // The "browser" approves; the app keeps the connection and syncs on its own.
        let summary = strava
            .wait_summary("Synced", |t| t.contains("Synced"))
            .await
            .inspect_err(|_| {
                eprintln!(
                    "browser log:\n{}",
                    std::fs::read_to_string(&browser_log).unwrap_or_default()
                );
            })?;
        assert!(summary.starts_with("Synced"), "summary: {summary}");
        let athlete = strava.athlete().await?;
        assert_eq!(athlete.trim(), "Marianne Vos");
        let rate = strava.rate_limit().await?;
        assert!(
            rate.contains("/100 this quarter hour") && rate.contains("/1,000 today"),
            "rate limit: {rate}"
        );
        let last = strava.last_sync().await?;
        assert!(last.starts_with("Today"), "last sync: {last}");
        let next = strava.next_sync().await?;
        assert!(next.contains("in "), "next sync: {next}");
        assert_eq!(header.strava_health().await?.as_deref(), Some("ok"));
        window.readme_screenshot("strava.png").await?;
        // Every token issued so far, before disconnecting makes the fake forget them.
        let issued = fake.state().secrets();

        // Every bike arrived, each ride on the bike Strava names.
        dashboard.wait_ride_counts(&expected).await?;

        // The gear-less rides wait for a bike; assigning one moves it onto that bike.
        strava.show_unassigned().await?;
        strava.wait_unassigned(gearless).await?;
        window.readme_screenshot("unassigned.png").await?;
        let picked = strava.pick_bike_for_first("Gravel bike").await?;
        assert!(picked, "the picker offers the Gravel bike");
        strava.assign_first().await?;
        strava.wait_unassigned(gearless - 1).await?;
        let mut after = expected.clone();
        *after.get_mut("Gravel bike").expect("gravel bike") += 1;
        dashboard.wait_ride_counts(&after).await?;
        let note = strava.note().await?;
        assert!(note.contains("now counts on Gravel bike"), "note: {note}");

        // Closed, the section leaves the sync's health in the header.
        strava.close().await?;
        let chip = header.strava_chip_text().await?;
        assert!(chip.starts_with("Synced"), "header chip: {chip}");
        window.settle().await?;
        window.screenshot("e2e-strava-dashboard.png").await?;
        let strava = header.open_strava().await?;

        // Disconnecting revokes at Strava and deletes its rides; the guide is back.
        strava.show_connection().await?;
        // The sync interval is this device's setting, in settings.json in the data folder.
        strava.sync_every(30).await?;
        wait_saved_setting(garage.path(), "sync_interval_minutes", 30).await;
        let confirm = strava.disconnect().await?;
        assert!(
            confirm.contains("deleted") && confirm.contains("wear") && confirm.contains("kept"),
            "confirm: {confirm}"
        );
        strava.confirm_disconnect().await?;
        strava.guide().await?;
        let zero: BTreeMap<String, i64> = expected.keys().map(|k| (k.clone(), 0)).collect();
        dashboard.wait_ride_counts(&zero).await?;
        Result::Ok(issued)
    }
    .await;
    let issued = app.finish(steps, "Strava flow").await;

    let st = fake.state();
    assert_eq!(
        st.count("GET /oauth/authorize"),
        1,
        "one trip to Strava's page"
    );
    assert_eq!(st.deauthorized, 1, "disconnect revoked at Strava");
    let browser = std::fs::read_to_string(&browser_log).unwrap_or_default();
    assert!(
        browser.contains("200 http://127.0.0.1:") && browser.contains("/strava/callback"),
        "the browser landed on the app's listener: {browser}"
    );
    // No token or secret in the garage's files (the private secrets file aside) or the app's log.
    let log = std::fs::read(&app_log).unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&log).contains("Strava sync done"),
        "the app's log was captured"
    );
    let mut files = vec![("app log".to_owned(), log)];
    for entry in std::fs::read_dir(garage.path()).expect("data dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if name != "secrets.json" && path.is_file() {
            files.push((name, std::fs::read(&path).expect("read")));
        }
    }
    assert!(issued.len() >= 3, "tokens were issued: {}", issued.len());
    for secret in issued {
        for (name, bytes) in &files {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a secret appears in {name}"
            );
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn strava_out_of_reach_is_shown_as_offline_and_the_garage_stays_usable() {
    let fake = FakeStrava::start(sample_garage(10, now_s() - 3600, 86_400));
    let garage = Garage::new();
    let bin = tempfile::tempdir().expect("temp bin dir");
    let path = fake_browser(bin.path(), &bin.path().join("browser.log"));
    let env: [(&str, OsString); 6] = [
        ("PEDALWRENCHER_STRAVA_URL", fake.url().into()),
        ("PEDALWRENCHER_STRAVA_BACKOFF_MS", "20".into()),
        ("PEDALWRENCHER_SECRETS", "file".into()),
        ("PATH", path),
        ("NO_PROXY", "127.0.0.1,localhost".into()),
        ("no_proxy", "127.0.0.1,localhost".into()),
    ];
    let app = App::open_with(garage.path(), &env, None).await;
    let mut fake = Some(fake);

    let steps = async {
        let (window, header) = (app.window(), app.header());
        let strava = header.open_strava().await?;
        strava.connect(CLIENT_ID, CLIENT_SECRET).await?;
        strava
            .wait_summary("Synced", |t| t.contains("Synced"))
            .await?;
        // Strava goes away (the network drops): Sync now says so, in the section and the header.
        drop(fake.take());
        strava.sync_now().await?;
        let summary = strava
            .wait_summary("Offline", |t| t.starts_with("Offline"))
            .await?;
        assert!(summary.contains("will retry at"), "summary: {summary}");
        let detail = strava.detail().await?;
        assert!(detail.contains("could not be reached"), "detail: {detail}");
        assert_eq!(header.strava_health().await?.as_deref(), Some("warn"));
        window.settle().await?;
        window.screenshot("e2e-strava-offline.png").await?;

        // The garage is as usable as ever: the imported bikes are there and a ride can be logged.
        strava.close().await?;
        let chip = header.strava_chip_text().await?;
        assert!(chip.starts_with("Offline"), "header chip: {chip}");
        let ride = header.log_ride().await?;
        ride.distance("42").await?;
        ride.submit().await?;
        window.wait_no_dialog().await?;
        Result::Ok(())
    }
    .await;
    app.finish(steps, "offline flow").await;
}
