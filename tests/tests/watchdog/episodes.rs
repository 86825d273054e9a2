//! One test per episode type: each told once (`newly_opened` in `status --json`), cleared when
//! healthy, `status` exiting 1 while unhealthy and 0 after.

use std::time::Duration;

use pedalwrencher_tests::fake_strava::{FakeActivity, FakeState, FakeStrava};
use pedalwrencher_tests::fake_twilio::{FakeTwilio, Fault};
use pedalwrencher_tests::garages;
use pedalwrencher_tests::process::wait_until;
use pedalwrencher_tests::sql;

use super::{
    assert_cleared, assert_one_episode_told_once, episodes, garage, now_ms, outbox_states, HOUR_MS,
    PHONE,
};

#[test]
fn a_stale_sync_is_one_episode_told_once_and_clears_after_a_sync() {
    let rig = garage();
    rig.ok(&["demo"]);
    let (code, report) = rig.status();
    assert_eq!(code, Some(0), "a fresh garage is healthy: {report:#}");
    assert!(episodes(&report, "problems").is_empty());

    // Connected, last synced 49 hours ago (the default threshold is 48).
    rig.exec(&format!(
        "UPDATE strava_state SET status = 'ok', client_id = '4242', athlete_name = 'Marianne Vos',
             connected_at = {t}, last_success_at = {t} WHERE id = 1",
        t = now_ms() - 49 * HOUR_MS
    ));
    let first = assert_one_episode_told_once(&rig, "stale_sync", "");
    assert!(
        first["problems"][0]["banner"]
            .as_str()
            .unwrap()
            .contains("49 hours"),
        "{first:#}"
    );
    // The human form names it and says what to do.
    let out = rig.run(&["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains("PROBLEM Strava has not synced") && text.contains("→"),
        "{text}"
    );

    // A higher threshold in the settings: not stale (yet), so the episode clears.
    std::fs::write(rig.file("settings.json"), r#"{"stale_sync_hours": 72}"#).unwrap();
    assert_cleared(&rig, "stale_sync", "");
    std::fs::remove_file(rig.file("settings.json")).unwrap();

    // Stale again: a new episode, told again; a successful sync clears it.
    let second = assert_one_episode_told_once(&rig, "stale_sync", "");
    assert_ne!(second["problems"][0]["id"], first["problems"][0]["id"]);
    rig.exec(&format!(
        "UPDATE strava_state SET last_success_at = {} WHERE id = 1",
        now_ms()
    ));
    assert_cleared(&rig, "stale_sync", "");
}

#[test]
fn a_revoked_strava_token_is_one_episode_until_the_rider_disconnects_or_reconnects() {
    let mut state = FakeState::default();
    state.activities = (0..3)
        .map(|i| FakeActivity::ride(1000 + i, now_ms() / 1000 - 86_400 * (i + 1), 20_000.0, None))
        .collect();
    let fake = FakeStrava::start(state);
    let token = fake.state().issue_refresh_token();
    let mut rig = garage();
    rig.strava(&fake, &token);
    // serve syncs when Strava is configured by the environment (a headless server).
    let out = rig.ok(&["serve", "--cycles", "1", "--interval-seconds", "60"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("strava: +3 rides"), "{log}");
    assert_eq!(sql::count(&rig.db(), "rides"), 3);
    assert_eq!(rig.status().0, Some(0), "synced: healthy");

    {
        let mut st = fake.state();
        st.access_tokens.clear();
        st.refresh_tokens.clear();
    }
    assert_eq!(rig.run(&["sync"]).status.code(), Some(1));
    let first = assert_one_episode_told_once(&rig, "reconnect_needed", "");
    assert!(
        first["problems"][0]["what_to_do"]
            .as_str()
            .unwrap()
            .contains("strava connect"),
        "{first:#}"
    );
    // Still refused on the next sync: the same episode, not told again.
    rig.run(&["sync"]);
    let (code, report) = rig.status();
    assert_eq!(code, Some(1));
    assert!(episodes(&report, "newly_opened").is_empty());

    rig.ok(&["strava", "disconnect"]);
    assert_cleared(&rig, "reconnect_needed", "");
}

#[test]
fn a_channel_failing_until_failed_is_one_episode_and_clears_once_retried() {
    let fake = FakeTwilio::start();
    let mut rig = garage();
    rig.texting(&fake, PHONE);
    garages::with_due_rules(rig.path(), 1);
    // Twilio answers 503 to each attempt: eight attempts (the limit), then `failed`.
    for attempt in 1..=8 {
        // The retry is due after a backoff of 1 ms doubling per attempt.
        wait_until(Duration::from_secs(10), "the retry to be due", || {
            let due: i64 = rig
                .db()
                .query_row(
                    "SELECT COALESCE(MAX(next_attempt_at), 0) FROM outbox",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            due <= now_ms()
        });
        fake.state().faults.push_back(Fault::Status(503));
        let out = rig.run(&["notify"]);
        assert_eq!(out.status.code(), Some(1), "attempt {attempt} fails");
        if attempt < 8 {
            assert_eq!(rig.status().0, Some(0), "retrying is not a problem yet");
        }
    }
    assert_eq!(outbox_states(&rig), [("failed".to_owned(), 8, None)]);
    assert!(fake.state().messages.is_empty());

    let first = assert_one_episode_told_once(&rig, "channel_failed", "sms");
    let banner = first["problems"][0]["banner"].as_str().unwrap();
    assert!(banner.contains("1 SMS reminder"), "{banner}");

    // The rider fixes it and retries: delivered, and the episode clears.
    rig.ok(&["notify", "--retry-failed"]);
    assert_eq!(fake.state().messages.len(), 1);
    assert_cleared(&rig, "channel_failed", "sms");
}

#[test]
fn a_loop_that_stopped_beating_is_one_episode_and_clears_when_it_runs_again() {
    let rig = garage();
    rig.ok(&["demo"]);
    let out = rig.ok(&["serve", "--cycles", "1", "--interval-seconds", "60"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("cycle 1:") && log.contains("healthy"), "{log}");
    // A clean stop: the loop is not expected, so its silence is no problem.
    let (code, report) = rig.status();
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["loops"][0]["name"], "serve");
    assert!(report["loops"][0]["stopped_at"].is_i64());

    // As if it had been killed (no clean stop) a day ago.
    rig.exec(&format!(
        "UPDATE heartbeats SET beat_at = {}, stopped_at = NULL WHERE name = 'serve'",
        now_ms() - 24 * HOUR_MS
    ));
    let first = assert_one_episode_told_once(&rig, "loop_missed", "serve");
    assert!(
        first["problems"][0]["what_to_do"]
            .as_str()
            .unwrap()
            .contains("serve"),
        "{first:#}"
    );
    // Running again clears it (serve's own watchdog sees it first and logs it cleared).
    let out = rig.ok(&["serve", "--cycles", "1", "--interval-seconds", "60"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("cleared: The reminder server stopped running"),
        "{log}"
    );
    let (code, report) = rig.status();
    assert_eq!(code, Some(0), "{report:#}");
}

#[test]
fn only_a_rate_limit_pause_past_the_next_window_is_an_episode() {
    let rig = garage();
    rig.ok(&["demo"]);
    let now = now_ms();
    // A pause to the next 15-minute window is routine.
    rig.exec(&format!(
        "UPDATE strava_state SET status = 'rate_limited', client_id = '4242', connected_at = {now},
             last_success_at = {now}, paused_until = {} WHERE id = 1",
        now + 10 * 60_000
    ));
    assert_eq!(rig.status().0, Some(0));
    // The daily budget used up: paused for hours.
    rig.exec(&format!(
        "UPDATE strava_state SET paused_until = {} WHERE id = 1",
        now + 9 * HOUR_MS
    ));
    assert_one_episode_told_once(&rig, "rate_limited", "");
    rig.exec("UPDATE strava_state SET status = 'ok', paused_until = NULL WHERE id = 1");
    assert_cleared(&rig, "rate_limited", "");
}
