//! The core's Strava pass tells its progress in order, against the fake Strava on loopback: one
//! step per page with the rides listed so far (each ride once, though keyset pages overlap at
//! their boundary) and the oldest start reached, and a pause step when the rate limit is used up.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pedalwrencher_core::secrets::MemorySecrets;
use pedalwrencher_core::store::SystemClock;
use pedalwrencher_core::strava::api::Config;
use pedalwrencher_core::strava::auth::{Connected, Issued};
use pedalwrencher_core::strava::progress::{Progress, ProgressSink};
use pedalwrencher_core::strava::{connection, mapping, model, sync};
use pedalwrencher_core::{Store, Timestamp};
use pedalwrencher_tests::fake_strava::{
    sample_garage, FakeActivity, FakeStrava, CLIENT_ID, CLIENT_SECRET,
};

/// Mid-2026, in epoch seconds.
const T0: i64 = 1_780_000_000;
const SPACING: i64 = 3 * 3600;

/// Runs one pass against `fake`, returning every progress step in the order it came.
fn steps(fake: &FakeStrava, window_ms: Option<i64>) -> Vec<Progress> {
    let refresh_token = fake.state().issue_refresh_token();
    let dir = tempfile::tempdir().unwrap();
    let access = Mutex::new(Store::open_dir(dir.path()).unwrap());
    let secrets = MemorySecrets::default();
    let connected = Connected {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        athlete_id: 1,
        athlete_name: "Progress".into(),
        scopes: "read,activity:read_all,profile:read_all".into(),
        tokens: Issued {
            access_token: "expired".into(),
            expires_at: 0,
            refresh_token,
        },
    };
    connection::save(&access, &secrets, &connected).unwrap();
    let mut config = Config {
        base_url: fake.url(),
        backoff: Duration::from_millis(20),
        ..Config::default()
    };
    if let Some(ms) = window_ms {
        config.windows.short_ms = ms;
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let seen = seen.clone();
        ProgressSink::new(move |p| seen.lock().unwrap().push(p.clone()))
    };
    let options = sync::Options {
        progress: Some(sink),
        ..sync::Options::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(sync::sync(
            &access,
            &secrets,
            &config,
            Arc::new(SystemClock),
            &options,
        ))
        .unwrap();
    let out = seen.lock().unwrap().clone();
    out
}

fn is_ride(a: &FakeActivity) -> bool {
    let m: model::Activity = serde_json::from_value(serde_json::json!({
        "id": a.id, "sport_type": a.sport_type, "type": a.sport_type,
        "start_date": "2026-01-01T00:00:00Z",
    }))
    .unwrap();
    mapping::is_cycling(&m)
}

#[test]
fn each_page_tells_the_rides_so_far_and_the_oldest_start_in_order() {
    let state = sample_garage(450, T0, SPACING);
    let acts = state.activities.clone();
    let fake = FakeStrava::start(state);
    let got = steps(&fake, None);
    // Pages of 200 from the oldest start of the one before, inclusive: 0..=199, 199..=398,
    // 398..=449 (a short page ends the listing).
    let rides_to = |last: usize| acts[..=last].iter().filter(|a| is_ride(a)).count() as u32;
    let oldest = |i: usize| Some(Timestamp(acts[i].start * 1000));
    assert_eq!(
        got,
        [
            Progress::Listed {
                rides: rides_to(199),
                oldest: oldest(199)
            },
            Progress::Listed {
                rides: rides_to(398),
                oldest: oldest(398)
            },
            Progress::Listed {
                rides: rides_to(449),
                oldest: oldest(449)
            },
        ]
    );
    assert!(rides_to(449) < 450, "runs are not counted");
}

#[test]
fn a_used_up_rate_limit_is_told_as_a_pause_before_the_pages() {
    let state = sample_garage(250, T0, SPACING);
    let fake = FakeStrava::start(state);
    {
        let mut st = fake.state();
        st.limits.window_ms = 1_500;
        st.use_up_window();
    }
    let got = steps(&fake, Some(1_500));
    let Some(Progress::Paused { until }) = got.first() else {
        panic!("a pause first: {got:?}");
    };
    assert!(until.millis() > 0);
    let listed: Vec<u32> = got
        .iter()
        .filter_map(|p| match p {
            Progress::Listed { rides, .. } => Some(*rides),
            Progress::Paused { .. } => None,
        })
        .collect();
    assert_eq!(listed.len(), 2, "{got:?}");
    assert!(listed[0] < listed[1], "counts grow: {listed:?}");
}
