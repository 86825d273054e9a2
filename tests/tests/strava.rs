//! Strava sync end to end through the real CLI binary against a fake Strava on loopback (written
//! from Strava's documentation: tests/src/fake_strava.rs). Each test is named after the behaviour
//! it pins down.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use pedalwrencher_tests::fake_strava::{
    FakeActivity, FakeGear, FakeState, FakeStrava, Fault, CLIENT_ID, CLIENT_SECRET,
};
use pedalwrencher_tests::{cli_path, sql};
use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;

/// Mid-2026, in epoch seconds: every fake activity starts before it.
const T0: i64 = 1_780_000_000;
const DAY: i64 = 86_400;

fn gear(id: &str, name: &str, retired: bool) -> FakeGear {
    FakeGear {
        id: id.into(),
        name: name.into(),
        retired,
        frame_type: 3,
    }
}

/// `n` activities, newest at `T0`, one every `spacing` seconds, spread over three bikes (one of
/// them retired in Strava), with runs and gear-less rides mixed in.
fn history(n: usize, spacing: i64) -> Vec<FakeActivity> {
    (0..n)
        .map(|i| {
            let id = 10_000_000_000 + i as i64;
            let gear = match i % 7 {
                0 => None,
                1..=3 => Some("b100"),
                4 | 5 => Some("b200"),
                _ => Some("b300"),
            };
            let mut a = FakeActivity::ride(
                id,
                T0 - i as i64 * spacing,
                20_000.0 + (i % 50) as f64 * 1000.0,
                gear,
            );
            if i % 11 == 0 {
                a.sport_type = "Run".into();
            }
            if i % 13 == 0 {
                a.sport_type = "VirtualRide".into();
                a.trainer = true;
            }
            a
        })
        .collect()
}

fn fake_with(activities: Vec<FakeActivity>) -> FakeStrava {
    let mut state = FakeState::default();
    state.gear = vec![
        gear("b100", "Road bike", false),
        gear("b200", "Gravel bike", false),
        gear("b300", "Old steel", true),
    ];
    state.activities = activities;
    FakeStrava::start(state)
}

/// A garage whose CLI talks to the fake, configured by environment variables as a headless
/// server would be (client id, secret and a refresh token).
struct Rig {
    dir: TempDir,
    fake: FakeStrava,
    refresh_token: String,
    /// Everything the CLI printed, to check that no secret ever appears in it.
    transcript: std::cell::RefCell<String>,
}

impl Rig {
    fn new(fake: FakeStrava) -> Rig {
        let refresh_token = fake.state().issue_refresh_token();
        Rig {
            dir: tempfile::tempdir().unwrap(),
            fake,
            refresh_token,
            transcript: Default::default(),
        }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(cli_path());
        c.env_remove("PEDALWRENCHER_DATA_DIR")
            .env("PEDALWRENCHER_UNITS", "metric")
            .env("PEDALWRENCHER_STRAVA_URL", self.fake.url())
            .env("PEDALWRENCHER_STRAVA_CLIENT_ID", CLIENT_ID)
            .env("PEDALWRENCHER_STRAVA_CLIENT_SECRET", CLIENT_SECRET)
            .env("PEDALWRENCHER_STRAVA_REFRESH_TOKEN", &self.refresh_token)
            .env("PEDALWRENCHER_STRAVA_BACKOFF_MS", "20")
            .env("PEDALWRENCHER_SECRETS", "file")
            .env("PEDALWRENCHER_LOG", "debug")
            .env("NO_PROXY", "127.0.0.1")
            .arg("--data-dir")
            .arg(self.dir.path());
        c
    }

    fn run(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        let mut c = self.cmd();
        for (k, v) in extra_env {
            c.env(k, v);
        }
        let out = c.args(args).output().expect("run the CLI");
        let mut t = self.transcript.borrow_mut();
        t.push_str(&String::from_utf8_lossy(&out.stdout));
        t.push_str(&String::from_utf8_lossy(&out.stderr));
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all, &[]);
        assert!(
            out.status.success(),
            "`{}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON output")
    }

    fn sync(&self, full: bool) -> Value {
        if full {
            self.json(&["sync", "--full"])
        } else {
            self.json(&["sync"])
        }
    }

    fn db(&self) -> Connection {
        Connection::open(self.dir.path().join("pedalwrencher.sqlite3")).unwrap()
    }

    /// Live Strava rides per bike name (None: unassigned), with their total distance.
    fn totals(&self) -> BTreeMap<Option<String>, (i64, f64)> {
        let conn = self.db();
        let mut stmt = conn
            .prepare(
                "SELECT b.name, COUNT(*), SUM(r.distance_m) FROM rides r LEFT JOIN bikes b ON b.id = r.bike_id
                 WHERE r.source = 'strava' AND r.deleted_at IS NULL GROUP BY b.name",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
            .unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    fn assert_no_secret_leaked(&self) {
        let secrets = self.fake.state().secrets();
        let mut haystacks: Vec<(String, Vec<u8>)> = vec![(
            "CLI output".into(),
            self.transcript.borrow().clone().into_bytes(),
        )];
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            // The private secrets file is where they belong when there is no keyring.
            if name == "secrets.json" || path.is_dir() {
                continue;
            }
            haystacks.push((name, std::fs::read(&path).unwrap()));
        }
        for (name, bytes) in haystacks {
            for s in &secrets {
                assert!(
                    !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                    "a secret appears in {name}"
                );
            }
        }
    }
}

/// Strava's totals for cycling activities, per gear id (None: no gear), to compare with ours.
fn expected(activities: &[FakeActivity]) -> BTreeMap<Option<String>, (i64, f64)> {
    let name = |g: &Option<String>| {
        g.as_deref().map(|g| {
            match g {
                "b100" => "Road bike",
                "b200" => "Gravel bike",
                _ => "Old steel",
            }
            .to_owned()
        })
    };
    let mut out: BTreeMap<Option<String>, (i64, f64)> = BTreeMap::new();
    for a in activities.iter().filter(|a| a.sport_type != "Run") {
        let e = out.entry(name(&a.gear_id)).or_default();
        e.0 += 1;
        e.1 += a.distance_m;
    }
    out
}

fn n(v: &Value, key: &str) -> i64 {
    v[key].as_i64().unwrap_or_else(|| panic!("{key} in {v}"))
}

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
        .db()
        .query_row(
            "SELECT retired FROM bikes WHERE name = 'Old steel'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(retired);
    // Runs are not rides; virtual and trainer rides are indoor; the local offset is kept.
    let conn = rig.db();
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
    let status = rig.json(&["strava", "status"]);
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
        let out = rig.run(&["sync"], &[("PEDALWRENCHER_ABORT_AT", &spec)]);
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
        let conn = rig.db();
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
    let out = rig.run(
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
fn a_manual_bike_for_a_gearless_ride_survives_sync_and_full_sync_until_strava_names_gear() {
    let activities = history(40, DAY);
    let rig = Rig::new(fake_with(activities.clone()));
    rig.sync(false);
    let gearless = activities
        .iter()
        .find(|a| a.gear_id.is_none() && a.sport_type != "Run")
        .unwrap()
        .id;
    let ride_id: String = rig
        .db()
        .query_row(
            "SELECT id FROM rides WHERE external_id = ?1",
            [gearless.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    let road: String = rig
        .db()
        .query_row("SELECT id FROM bikes WHERE name = 'Road bike'", [], |r| {
            r.get(0)
        })
        .unwrap();
    rig.json(&["ride", "assign", &ride_id, "--bike", &road]);
    let bike_of = || -> Option<String> {
        rig.db()
            .query_row("SELECT bike_id FROM rides WHERE id = ?1", [&ride_id], |r| {
                r.get(0)
            })
            .unwrap()
    };
    rig.sync(false);
    assert_eq!(bike_of().as_deref(), Some(road.as_str()), "after sync");
    rig.sync(true);
    assert_eq!(
        bike_of().as_deref(),
        Some(road.as_str()),
        "after sync --full"
    );
    // Strava names gear for it: Strava's word wins from then on.
    rig.fake
        .state()
        .activities
        .iter_mut()
        .find(|a| a.id == gearless)
        .unwrap()
        .gear_id = Some("b200".into());
    rig.sync(false);
    let gravel: String = rig
        .db()
        .query_row("SELECT id FROM bikes WHERE name = 'Gravel bike'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(bike_of().as_deref(), Some(gravel.as_str()));
}

#[test]
fn a_bike_changed_on_a_ride_in_the_window_moves_its_wear_and_a_ride_deleted_there_disappears() {
    let activities = history(40, DAY);
    let rig = Rig::new(fake_with(activities.clone()));
    rig.sync(false);
    // A chain on the road bike since before the history.
    let road: String = rig
        .db()
        .query_row("SELECT id FROM bikes WHERE name = 'Road bike'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let chain = rig.json(&[
        "component",
        "add",
        "--kind",
        "chain",
        "--bike",
        &road,
        "--installed",
        "2025-01-01",
    ]);
    let replace = chain["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["task"] == "Replace")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let used = || -> f64 {
        rig.json(&["due"])
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule_id"] == replace.as_str())
            .unwrap()["used"]
            .as_f64()
            .unwrap()
    };
    let before = used();
    // In Strava, the newest road ride moves to the gravel bike and another road ride is deleted.
    let (moved, moved_km, deleted, deleted_km) = {
        let st = rig.fake.state();
        let mut road_rides = st
            .activities
            .iter()
            .filter(|a| a.gear_id.as_deref() == Some("b100") && a.sport_type == "Ride");
        let m = road_rides.next().unwrap().clone();
        let d = road_rides.next().unwrap().clone();
        (m.id, m.distance_m, d.id, d.distance_m)
    };
    {
        let mut st = rig.fake.state();
        st.activities
            .iter_mut()
            .find(|a| a.id == moved)
            .unwrap()
            .gear_id = Some("b200".into());
        st.activities.retain(|a| a.id != deleted);
    }
    let report = rig.sync(false);
    assert_eq!(n(&report, "rides_updated"), 1, "{report}");
    assert_eq!(n(&report, "rides_deleted"), 1, "{report}");
    assert!((used() - (before - moved_km - deleted_km)).abs() < 1e-6);
    // And a ride deleted in Strava comes back if Strava lists it again.
    let back = activities.iter().find(|a| a.id == deleted).unwrap().clone();
    rig.fake.state().activities.push(back);
    let report = rig.sync(false);
    assert_eq!(n(&report, "rides_restored"), 1, "{report}");
}

#[test]
fn a_ride_deleted_here_stays_deleted_through_every_sync() {
    let activities = history(20, DAY);
    let rig = Rig::new(fake_with(activities.clone()));
    rig.sync(false);
    let id: String = rig
        .db()
        .query_row(
            "SELECT id FROM rides WHERE source = 'strava' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    rig.json(&["ride", "delete", &id]);
    rig.sync(false);
    rig.sync(true);
    let deleted: bool = rig
        .db()
        .query_row(
            "SELECT deleted_at IS NOT NULL FROM rides WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(deleted);
}

#[test]
fn a_rotated_refresh_token_is_kept_and_preferred_over_the_stale_variable() {
    let rig = Rig::new(fake_with(history(5, DAY)));
    rig.sync(false);
    // The fake rotated the token: the variable's is dead now.
    assert!(!rig.fake.state().refresh_tokens.contains(&rig.refresh_token));
    // Force a refresh on the next run (the cached access token expires).
    rig.fake.state().access_tokens.clear();
    let again = rig.run(&["sync"], &[]);
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
    let out = rig.run(&["sync"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("connect to Strava again"), "{stderr}");
    assert_eq!(
        rig.json(&["strava", "status"])["status"],
        "reconnect_needed"
    );
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
    assert_eq!(rig.json(&["strava", "status"])["status"], "ok");
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
        let out = rig.run(&["sync"], &[]);
        assert_eq!(out.status.code(), Some(1), "{fault:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("could not be read"), "{stderr}");
        let rides: i64 = rig
            .db()
            .query_row("SELECT COUNT(*) FROM rides", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rides, 0, "{fault:?}");
        let status = rig.json(&["strava", "status"]);
        assert_eq!(status["status"], "error", "{status}");
        // The next sync goes through.
        rig.sync(false);
        assert_eq!(rig.totals(), expected(&history(50, DAY)));
    }
}

#[test]
fn strava_unreachable_is_offline_with_a_retry_time_and_the_garage_stays_usable() {
    let rig = Rig::new(fake_with(history(5, DAY)));
    rig.sync(false);
    let port = rig.fake.addr.port();
    drop(rig.fake);
    // Nothing listens on the fake's port any more.
    let mut cmd = Command::new(cli_path());
    cmd.env_remove("PEDALWRENCHER_DATA_DIR")
        .env(
            "PEDALWRENCHER_STRAVA_URL",
            format!("http://127.0.0.1:{port}"),
        )
        .env("PEDALWRENCHER_STRAVA_CLIENT_ID", CLIENT_ID)
        .env("PEDALWRENCHER_STRAVA_CLIENT_SECRET", CLIENT_SECRET)
        .env("PEDALWRENCHER_STRAVA_REFRESH_TOKEN", &rig.refresh_token)
        .env("PEDALWRENCHER_STRAVA_BACKOFF_MS", "10")
        .env("PEDALWRENCHER_SECRETS", "file")
        .arg("--data-dir")
        .arg(rig.dir.path());
    let out = cmd.args(["sync"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let status: Value = serde_json::from_slice(
        &Command::new(cli_path())
            .arg("--data-dir")
            .arg(rig.dir.path())
            .args(["--json", "strava", "status"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(status["status"], "offline", "{status}");
    assert!(
        status["summary"]
            .as_str()
            .unwrap()
            .contains("will retry at"),
        "{status}"
    );
    let bikes = Command::new(cli_path())
        .arg("--data-dir")
        .arg(rig.dir.path())
        .arg("bikes")
        .output()
        .unwrap();
    assert!(bikes.status.success());
}

#[test]
fn two_devices_importing_the_same_activities_make_the_same_rows() {
    let activities = history(30, DAY);
    let fake = fake_with(activities);
    let refresh = fake.state().issue_refresh_token();
    let a = Rig {
        dir: tempfile::tempdir().unwrap(),
        refresh_token: refresh.clone(),
        transcript: Default::default(),
        fake,
    };
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
    let first = ids(&a.db());
    let b_dir = tempfile::tempdir().unwrap();
    let token = a.fake.state().issue_refresh_token();
    let out = Command::new(cli_path())
        .env("PEDALWRENCHER_STRAVA_URL", a.fake.url())
        .env("PEDALWRENCHER_STRAVA_CLIENT_ID", CLIENT_ID)
        .env("PEDALWRENCHER_STRAVA_CLIENT_SECRET", CLIENT_SECRET)
        .env("PEDALWRENCHER_STRAVA_REFRESH_TOKEN", token)
        .env("PEDALWRENCHER_SECRETS", "file")
        .arg("--data-dir")
        .arg(b_dir.path())
        .arg("sync")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let second = ids(&Connection::open(b_dir.path().join("pedalwrencher.sqlite3")).unwrap());
    assert_eq!(first, second);
}

#[test]
fn disconnect_revokes_deletes_stravas_rides_and_keeps_their_wear() {
    let activities = history(40, DAY);
    let rig = Rig::new(fake_with(activities));
    rig.sync(false);
    let road: String = rig
        .db()
        .query_row("SELECT id FROM bikes WHERE name = 'Road bike'", [], |r| {
            r.get(0)
        })
        .unwrap();
    rig.json(&[
        "component",
        "add",
        "--kind",
        "chain",
        "--bike",
        &road,
        "--installed",
        "2025-01-01",
    ]);
    let due_before = rig.json(&["due"]);
    let done = rig.json(&["strava", "disconnect"]);
    assert_eq!(done["revoked"], true, "{done}");
    assert!(n(&done, "rides_deleted") > 0);
    assert_eq!(rig.fake.state().deauthorized, 1);
    // Strava's data is gone: no live Strava ride, and no name or distance left on the tombstones.
    let conn = rig.db();
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
    let after = rig.json(&["due"]);
    for (b, a) in used(&due_before).iter().zip(used(&after)) {
        assert!((b - a).abs() < 1e-6, "wear changed: {b} → {a}");
    }
    assert_eq!(rig.json(&["strava", "status"])["status"], "disconnected");
    let secrets = std::fs::read_to_string(rig.dir.path().join("secrets.json")).unwrap_or_default();
    assert!(!secrets.contains("strava"), "tokens forgotten: {secrets}");
}

// ---------------------------------------------------------------------------------------------
// Connecting through the browser flow
// ---------------------------------------------------------------------------------------------

/// A minimal HTTP GET on loopback: status, the Location header, the body.
fn http_get(url: &str) -> (u16, Option<String>, String) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let location = text
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("location:"))
        .map(|l| l[9..].trim().to_owned());
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, location, body)
}

/// Runs `strava connect`, plays the browser (follows the printed address through the fake's
/// consent redirect back to the CLI's loopback listener), and returns the CLI's output.
fn connect_through_browser(rig: &Rig) -> Output {
    let mut child = rig
        .cmd()
        .env_remove("PEDALWRENCHER_STRAVA_REFRESH_TOKEN")
        .args(["strava", "connect", "--timeout", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut url = None;
    let mut seen = String::new();
    for _ in 0..20 {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
        if let Some(u) = line.trim().strip_prefix("http://") {
            url = Some(format!("http://{u}"));
            break;
        }
    }
    let url = url.unwrap_or_else(|| panic!("no address printed: {seen}"));
    assert!(
        url.contains("scope=read%2Cactivity%3Aread_all%2Cprofile%3Aread_all"),
        "{url}"
    );
    let (status, location, _) = http_get(&url);
    assert_eq!(status, 303, "the fake's consent page redirects back");
    let (status, _, body) = http_get(&location.unwrap());
    assert_eq!(status, 200);
    // The browser is told the outcome, after every check.
    assert!(
        body.contains("Connected to Strava as") || body.contains("could not connect"),
        "{body}"
    );
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let mut out = child.wait_with_output().unwrap();
    out.stderr = format!("{seen}{rest}").into_bytes();
    out
}

#[test]
fn connecting_through_the_loopback_flow_stores_the_tokens_and_a_sync_follows() {
    let rig = Rig::new(fake_with(history(10, DAY)));
    let out = connect_through_browser(&rig);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = rig.json(&["strava", "status"]);
    assert_eq!(status["athlete_name"], "Marianne Vos", "{status}");
    let mut c = rig.cmd();
    c.env_remove("PEDALWRENCHER_STRAVA_REFRESH_TOKEN")
        .env_remove("PEDALWRENCHER_STRAVA_CLIENT_SECRET");
    let sync = c.args(["sync"]).output().unwrap();
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    assert_eq!(rig.totals(), expected(&history(10, DAY)));
    rig.assert_no_secret_leaked();
}

#[test]
fn declining_on_stravas_page_or_unticking_a_scope_is_explained() {
    let rig = Rig::new(fake_with(history(3, DAY)));
    rig.fake.state().deny_consent = true;
    let out = connect_through_browser(&rig);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("you declined"));

    let rig = Rig::new(fake_with(history(3, DAY)));
    rig.fake.state().granted_scopes = "read,activity:read_all".into();
    let out = connect_through_browser(&rig);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("View your complete Strava profile"),
        "{stderr}"
    );
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
    let out = rig.run(
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
fn a_ride_deleted_in_strava_before_the_window_survives_sync_and_goes_with_full_sync() {
    // Rides every 10 days: the newest ones fall in the 30-day window, the oldest do not.
    let activities = history(30, 10 * DAY);
    let rig = Rig::new(fake_with(activities.clone()));
    rig.sync(false);
    let old = activities
        .iter()
        .rev()
        .find(|a| a.sport_type == "Ride")
        .unwrap()
        .id;
    rig.fake.state().activities.retain(|a| a.id != old);
    let live = |id: i64| -> bool {
        rig.db()
            .query_row(
                "SELECT deleted_at IS NULL FROM rides WHERE external_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .unwrap()
    };
    let report = rig.sync(false);
    assert_eq!(n(&report, "rides_deleted"), 0, "{report}");
    assert!(live(old), "outside the window, a normal sync cannot know");
    let report = rig.sync(true);
    assert_eq!(n(&report, "rides_deleted"), 1, "{report}");
    assert!(!live(old));
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
    let out = rig.run(&["sync"], &[("PEDALWRENCHER_STRAVA_TIMEOUT_MS", "500")]);
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

#[test]
fn a_crash_right_after_strava_rotates_the_refresh_token_loses_no_connection() {
    let rig = Rig::new(fake_with(history(10, DAY)));
    let out = rig.run(
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
fn reconnecting_after_a_disconnect_brings_the_rides_back_without_counting_their_wear_twice() {
    let activities = history(40, DAY);
    let rig = Rig::new(fake_with(activities.clone()));
    rig.sync(false);
    let road: String = rig
        .db()
        .query_row("SELECT id FROM bikes WHERE name = 'Road bike'", [], |r| {
            r.get(0)
        })
        .unwrap();
    rig.json(&[
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
    rig.json(&["strava", "disconnect"]);
    assert_eq!(
        used(),
        before,
        "the wear is carried while the rides are gone"
    );
    // Headless reconnect: a fresh refresh token in the environment.
    let token = rig.fake.state().issue_refresh_token();
    let out = rig.run(
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
    rig.db()
        .execute(
            "INSERT INTO leases (name, holder, expires_at) VALUES ('strava.sync', ?1, ?2)",
            rusqlite::params![holder, now_ms + 600_000],
        )
        .unwrap();
    let out = rig.run(&["strava", "disconnect"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is syncing with Strava right now"));
    let live: i64 = rig
        .db()
        .query_row(
            "SELECT COUNT(*) FROM rides WHERE deleted_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(live > 0, "nothing was deleted");
}
