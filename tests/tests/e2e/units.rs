//! Units from Strava in a window already open: a sync that sets the units from the athlete's
//! measurement preference (the rider never chose) is heard by the window, which redraws every
//! distance in them without being reloaded.

use std::ffi::OsString;

use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::fake_strava::{sample_garage, FakeStrava, CLIENT_ID, CLIENT_SECRET};

use crate::app::{saved_setting, wait_saved_setting_text, App};
use crate::window::Result;

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

#[tokio::test(flavor = "current_thread")]
async fn an_open_window_redraws_in_the_units_a_strava_sync_set() {
    // Strava in metres at first; the app connected headless, by the environment.
    let fake = FakeStrava::start(sample_garage(5, now_s() - 2 * 3600, 86_400));
    let refresh_token = fake.state().issue_refresh_token();
    let garage = Garage::with_demo();
    let env: [(&str, OsString); 7] = [
        ("PEDALWRENCHER_STRAVA_URL", fake.url().into()),
        ("PEDALWRENCHER_STRAVA_CLIENT_ID", CLIENT_ID.into()),
        ("PEDALWRENCHER_STRAVA_CLIENT_SECRET", CLIENT_SECRET.into()),
        ("PEDALWRENCHER_STRAVA_REFRESH_TOKEN", refresh_token.into()),
        ("PEDALWRENCHER_SECRETS", "file".into()),
        ("NO_PROXY", "127.0.0.1,localhost".into()),
        ("no_proxy", "127.0.0.1,localhost".into()),
    ];
    let app = App::open_with(garage.path(), &env, None).await;

    let steps = async {
        let (header, dashboard) = (app.header(), app.dashboard());
        dashboard.wait_bike().await?;
        // The pass at start has read the athlete ("meters": nothing to change) and ended.
        let strava = header.open_strava().await?;
        strava
            .wait_summary("the first sync", |t| t.contains("Synced"))
            .await?;
        let metric = dashboard.bike_card_text().await?;
        assert!(metric.contains(" km"), "metric card: {metric}");

        // The rider switches Strava to feet; the next sync follows, and the open window hears it.
        fake.state().measurement_preference = "feet".into();
        strava.sync_now().await?;
        wait_saved_setting_text(garage.path(), "units", "imperial").await;
        let imperial = dashboard
            .wait_bike_card_text("miles", |t| t.contains(" mi") && !t.contains(" km"))
            .await?;
        assert!(imperial.contains(" mi"), "imperial card: {imperial}");
        Result::Ok(())
    }
    .await;
    app.finish(steps, "units from Strava in an open window")
        .await;
    // Strava set them; the rider did not choose, so Strava may change them again.
    assert_eq!(
        saved_setting(garage.path(), "units_chosen"),
        serde_json::Value::Null
    );
}
