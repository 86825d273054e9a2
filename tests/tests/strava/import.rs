//! Importing: bikes and rides onto the right bikes, ten thousand activities, kills at any page,
//! rate limits, Strava's errors and slowness.

use std::time::Duration;

use pedalwrencher_tests::fake_strava::Fault;
use pedalwrencher_tests::sql;
use serde_json::Value;

use super::{expected, fake_with, history, n, Rig, DAY};

#[test]
fn first_sync_imports_bikes_and_rides_onto_the_right_bikes_including_a_bike_retired_in_strava() {
    let activities = history(300, DAY);
    let rig = Rig::new(fake_with(activities.clone()));
    let report = rig.sync(false);
    assert_eq!(n(&report, "bikes_added"), 3, "{report}");
    assert_eq!(rig.totals(), expected(&activities));
    // The retired bike came from GET /gear/{id}, once, and arrived retired.
    assert_eq!(rig.fake.state().count("GET /api/v3/gear"), 1);
    let retired: bool = rig
        .g
        .db()
        .query_row(
            "SELECT retired FROM bikes WHERE name = 'Old steel'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(retired);
    // Runs are not rides; virtual and trainer rides are indoor; the local offset is kept.
    let conn = rig.g.db();
    let runs: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM rides WHERE sport_type = 'Run'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(runs, 0);
    let (virtual_indoor, offset): (bool, i64) = conn
        .query_row(
            "SELECT MIN(indoor), MIN(utc_offset_s) FROM rides WHERE sport_type = 'VirtualRide'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(virtual_indoor);
    assert_eq!(offset, 3600);
    let status = rig.g.json(&["strava", "status"]);
    assert_eq!(status["status"], "ok", "{status}");
    assert!(status["last_success_at"].is_i64());
    assert!(status["summary"].as_str().unwrap().starts_with("Synced"));
    rig.assert_no_secret_leaked();
}

#[test]
fn importing_10000_activities_takes_51_list_requests_and_a_resync_with_nothing_new_takes_one() {
    let activities = history(10_000, 3 * 3600);
    let rig = Rig::new(fake_with(activities.clone()));
    let report = rig.sync(false);
    let lists = rig.fake.state().count("GET /api/v3/athlete/activities");
    assert!(lists <= 10_000 / 200 + 1, "{lists} list requests");
    assert_eq!(n(&report, "list_requests") as usize, lists);
    assert_eq!(rig.totals(), expected(&activities));

    let again = rig.sync(false);
    assert!(n(&again, "list_requests") <= 2, "{again}");
    assert_eq!(
        n(&again, "rides_added") + n(&again, "rides_updated") + n(&again, "rides_deleted"),
        0
    );
    assert_eq!(rig.totals(), expected(&activities));
}

/// The kill points of an import: after page k is committed, and between applying page k and
/// committing it with its cursor. Each run must die exactly there, and the next sync must finish
/// the job exactly.
#[test]
fn an_import_killed_at_any_page_resumes_exactly_and_loses_or_duplicates_nothing() {
    let activities = history(10_000, 3 * 3600);
    let want = expected(&activities);
    let points = ["strava.page_committed", "strava.page_before_cursor"];
    for run in 0..20 {
        let point = points[run % 2];
        let k = 1 + (run / 2) * 5; // pages 1, 6, … 46 of 50
        let rig = Rig::new(fake_with(activities.clone()));
        let spec = format!("{point}:{k}");
        let out = rig
            .g
            .run_with(&["sync"], &[("PEDALWRENCHER_ABORT_AT", &spec)]);
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            out.status.signal(),
            Some(6),
            "run {run}: not aborted: {out:?}"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("pedalwrencher: abort at {spec}")),
            "run {run}: the kill did not land at {spec}: {stderr}"
        );
        let committed_pages = if point == "strava.page_committed" {
            k
        } else {
            k - 1
        };
        let stored: i64 = rig
            .g
            .db()
            .query_row("SELECT COUNT(*) FROM strava_listing", [], |r| r.get(0))
            .unwrap();
        assert!(
            stored as usize <= committed_pages * 200,
            "run {run}: more than {committed_pages} pages stored"
        );
        // The resumed run lists only the pages that were not committed (51 in all).
        let resumed = rig.sync(false);
        assert_eq!(
            n(&resumed, "list_requests") as usize,
            51 - committed_pages,
            "run {run} ({spec}) started over instead of resuming"
        );
        let conn = rig.g.db();
        assert_eq!(sql::integrity(&conn), "ok");
        let dupes: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM (SELECT external_id FROM rides GROUP BY source, external_id HAVING COUNT(*) > 1)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(dupes, 0);
        assert_eq!(rig.totals(), want, "run {run} ({spec})");
    }
}

#[test]
fn a_low_rate_limit_pauses_the_import_and_it_resumes_without_a_second_429() {
    let activities = history(1_000, 3 * 3600);
    let fake = fake_with(activities.clone());
    {
        let mut st = fake.state();
        st.limits.read_short = 3;
        st.limits.overall_short = 6;
        st.limits.window_ms = 1_500;
    }
    let rig = Rig::new(fake);
    let out = rig.g.run_with(
        &["--json", "sync"],
        &[("PEDALWRENCHER_STRAVA_RATE_WINDOW_MS", "1500")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(n(&report, "paused_ms") > 0, "it paused: {report}");
    // The budget is read from every answer, so no request ever goes over it.
    assert_eq!(rig.fake.state().too_many, 0, "answers that were 429");
    assert_eq!(rig.totals(), expected(&activities));
}

#[test]
fn a_429_pauses_until_the_next_window_and_the_import_resumes() {
    let activities = history(600, 3 * 3600);
    let fake = fake_with(activities.clone());
    {
        let mut st = fake.state();
        st.limits.window_ms = 1_500;
        st.use_up_window();
    }
    let rig = Rig::new(fake);
    let out = rig.g.run_with(
        &["--json", "sync"],
        &[("PEDALWRENCHER_STRAVA_RATE_WINDOW_MS", "1500")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(n(&report, "paused_ms") > 0, "{report}");
    // The first request met the used-up window; after the pause, no other was refused.
    assert_eq!(rig.fake.state().too_many, 1);
    assert_eq!(rig.totals(), expected(&activities));
}

#[test]
fn server_errors_are_retried_with_backoff_and_the_sync_goes_through() {
    let rig = Rig::new(fake_with(history(50, DAY)));
    {
        let mut st = rig.fake.state();
        st.faults.push_back(Fault::Status(503));
        st.faults.push_back(Fault::Status(502));
        st.faults.push_back(Fault::Slow(Duration::from_millis(300)));
    }
    rig.sync(false);
    assert_eq!(rig.g.json(&["strava", "status"])["status"], "ok");
    assert_eq!(rig.totals(), expected(&history(50, DAY)));
}

#[test]
fn malformed_or_truncated_json_fails_that_page_with_a_clear_status_and_changes_nothing() {
    for fault in [Fault::Malformed, Fault::Truncated] {
        let rig = Rig::new(fake_with(history(50, DAY)));
        // The athlete answers; the first page of activities is broken.
        rig.fake
            .state()
            .faults
            .push_back(Fault::Slow(Duration::ZERO));
        rig.fake.state().faults.push_back(fault.clone());
        let out = rig.g.run(&["sync"]);
        assert_eq!(out.status.code(), Some(1), "{fault:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("could not be read"), "{stderr}");
        let rides: i64 = rig
            .g
            .db()
            .query_row("SELECT COUNT(*) FROM rides", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rides, 0, "{fault:?}");
        let status = rig.g.json(&["strava", "status"]);
        assert_eq!(status["status"], "error", "{status}");
        // The next sync goes through.
        rig.sync(false);
        assert_eq!(rig.totals(), expected(&history(50, DAY)));
    }
}

#[test]
fn a_slow_strava_times_out_and_the_retry_goes_through() {
    let rig = Rig::new(fake_with(history(20, DAY)));
    // The athlete answers; the first page of activities hangs past the timeout.
    rig.fake
        .state()
        .faults
        .push_back(Fault::Slow(Duration::ZERO));
    rig.fake
        .state()
        .faults
        .push_back(Fault::Slow(Duration::from_millis(3_000)));
    let out = rig
        .g
        .run_with(&["sync"], &[("PEDALWRENCHER_STRAVA_TIMEOUT_MS", "500")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        rig.fake.state().count("GET /api/v3/athlete/activities") >= 2,
        "it retried"
    );
    assert_eq!(rig.totals(), expected(&history(20, DAY)));
}
