//! The connection: rotated and revoked tokens, Strava out of reach, two devices, disconnecting
//! and reconnecting.

use pedalwrencher_tests::cli::Garage;
use rusqlite::Connection;
use serde_json::Value;

use super::{expected, fake_with, history, n, Rig, DAY};

#[test]
fn a_rotated_refresh_token_is_kept_and_preferred_over_the_stale_variable() {
    let rig = Rig::new(fake_with(history(5, DAY)));
    rig.sync(false);
    // The fake rotated the token: the variable's is dead now.
    assert!(!rig.fake.state().refresh_tokens.contains(&rig.refresh_token));
    // Force a refresh on the next run (the cached access token expires).
    rig.fake.state().access_tokens.clear();
    let again = rig.g.run(&["sync"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    rig.assert_no_secret_leaked();
}

#[test]
fn a_revoked_connection_says_reconnect_and_exits_non_zero() {
    let rig = Rig::new(fake_with(history(5, DAY)));
    rig.sync(false);
    {
        let mut st = rig.fake.state();
        st.access_tokens.clear();
        st.refresh_tokens.clear();
    }
    let out = rig.g.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("connect to Strava again"), "{stderr}");
    assert_eq!(
        rig.g.json(&["strava", "status"])["status"],
        "reconnect_needed"
    );
}

#[test]
fn a_crash_right_after_strava_rotates_the_refresh_token_loses_no_connection() {
    let rig = Rig::new(fake_with(history(10, DAY)));
    let out = rig.g.run_with(
        &["sync"],
        &[("PEDALWRENCHER_ABORT_AT", "strava.refresh_stored")],
    );
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("pedalwrencher: abort at strava.refresh_stored:1"));
    // The variable's token died with the rotation; the stored new one carries on.
    assert!(!rig.fake.state().refresh_tokens.contains(&rig.refresh_token));
    rig.sync(false);
    assert_eq!(rig.totals(), expected(&history(10, DAY)));
    rig.assert_no_secret_leaked();
}

#[test]
fn strava_unreachable_is_offline_with_a_retry_time_and_the_garage_stays_usable() {
    let rig = Rig::new(fake_with(history(5, DAY)));
    rig.sync(false);
    drop(rig.fake);
    // Nothing listens on the fake's port any more.
    let out = rig.g.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let status = rig.g.json(&["strava", "status"]);
    assert_eq!(status["status"], "offline", "{status}");
    assert!(
        status["summary"]
            .as_str()
            .unwrap()
            .contains("will retry at"),
        "{status}"
    );
    let bikes = rig.g.run(&["bikes"]);
    assert!(bikes.status.success());
}

#[test]
fn two_devices_importing_the_same_activities_make_the_same_rows() {
    let activities = history(30, DAY);
    let a = Rig::new(fake_with(activities));
    a.sync(false);
    // The second device shares the fake (and the token, refreshed by the first).
    let ids = |conn: &Connection| -> Vec<String> {
        conn.prepare("SELECT id FROM rides ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let first = ids(&a.g.db());
    let mut b = Garage::new();
    let token = a.fake.state().issue_refresh_token();
    b.strava(&a.fake, &token);
    let out = b.run(&["sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let second = ids(&b.db());
    assert_eq!(first, second);
}

#[test]
fn disconnect_revokes_deletes_stravas_rides_and_keeps_their_wear() {
    let activities = history(40, DAY);
    let rig = Rig::new(fake_with(activities));
    rig.sync(false);
    let road: String = rig
        .g
        .db()
        .query_row("SELECT id FROM bikes WHERE name = 'Road bike'", [], |r| {
            r.get(0)
        })
        .unwrap();
    rig.g.json(&[
        "component",
        "add",
        "--kind",
        "chain",
        "--bike",
        &road,
        "--installed",
        "2025-01-01",
    ]);
    let due_before = rig.g.json(&["due"]);
    let done = rig.g.json(&["strava", "disconnect"]);
    assert_eq!(done["revoked"], true, "{done}");
    assert!(n(&done, "rides_deleted") > 0);
    assert_eq!(rig.fake.state().deauthorized, 1);
    // Strava's data is gone: no live Strava ride, and no name or distance left on the tombstones.
    let conn = rig.g.db();
    let (live, named): (i64, i64) = conn
        .query_row(
            "SELECT COUNT(*) FILTER (WHERE deleted_at IS NULL), COUNT(*) FILTER (WHERE name != '' OR distance_m != 0)
             FROM rides WHERE source = 'strava'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((live, named), (0, 0));
    // No rule jumped back: wear is the same as before.
    let used = |v: &Value| -> Vec<f64> {
        let mut u: Vec<f64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["used"].as_f64().unwrap())
            .collect();
        u.sort_by(f64::total_cmp);
        u
    };
    let after = rig.g.json(&["due"]);
    for (b, a) in used(&due_before).iter().zip(used(&after)) {
        assert!((b - a).abs() < 1e-6, "wear changed: {b} → {a}");
    }
    assert_eq!(rig.g.json(&["strava", "status"])["status"], "disconnected");
    let secrets = std::fs::read_to_string(rig.g.file("secrets.json")).unwrap_or_default();
    assert!(!secrets.contains("strava"), "tokens forgotten: {secrets}");
}

#[test]
fn reconnecting_after_a_disconnect_brings_the_rides_back_without_counting_their_wear_twice() {
    let activities = history(40, DAY);
    let rig = Rig::new(fake_with(activities.clone()));
    rig.sync(false);
    let road: String = rig
        .g
        .db()
        .query_row("SELECT id FROM bikes WHERE name = 'Road bike'", [], |r| {
            r.get(0)
        })
        .unwrap();
    rig.g.json(&[
        "component",
        "add",
        "--kind",
        "chain",
        "--bike",
        &road,
        "--installed",
        "2025-01-01",
    ]);
    let used = || -> Vec<f64> {
        let mut u: Vec<f64> = rig
            .g
            .json(&["due"])
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["used"].as_f64().unwrap())
            .collect();
        u.sort_by(f64::total_cmp);
        u
    };
    let before = used();
    assert!(before.iter().any(|u| *u > 0.0));
    rig.g.json(&["strava", "disconnect"]);
    assert_eq!(
        used(),
        before,
        "the wear is carried while the rides are gone"
    );
    // Headless reconnect: a fresh refresh token in the environment.
    let token = rig.fake.state().issue_refresh_token();
    let out = rig.g.run_with(
        &["--json", "sync"],
        &[("PEDALWRENCHER_STRAVA_REFRESH_TOKEN", &token)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(n(&report, "rides_restored") > 0, "{report}");
    assert_eq!(rig.totals(), expected(&activities));
    assert_eq!(
        used(),
        before,
        "the rides are back and the carry ended: counted once"
    );
}

#[test]
fn disconnecting_while_another_process_syncs_waits_its_turn_instead_of_racing_it() {
    let rig = Rig::new(fake_with(history(5, DAY)));
    rig.sync(false);
    // A live process (this test) holds the sync lease.
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    let holder = format!("pid {} boot {} (test)", std::process::id(), boot.trim());
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    rig.g
        .db()
        .execute(
            "INSERT INTO leases (name, holder, expires_at) VALUES ('strava.sync', ?1, ?2)",
            rusqlite::params![holder, now_ms + 600_000],
        )
        .unwrap();
    let out = rig.g.run(&["strava", "disconnect"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is syncing with Strava right now"));
    let live: i64 = rig
        .g
        .db()
        .query_row(
            "SELECT COUNT(*) FROM rides WHERE deleted_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(live > 0, "nothing was deleted");
}
