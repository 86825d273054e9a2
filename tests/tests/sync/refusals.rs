//! What sync refuses and survives: a wrong passphrase, bad targets, another garage's target,
//! rows the garage refuses, passes killed at abort points, days of failures.

use std::os::unix::process::ExitStatusExt;

use pedalwrencher_core::faults;
use pedalwrencher_tests::loopback::free_port;
use pedalwrencher_tests::sync_servers::{WebDav, S3};

use super::{assert_same, Device, Target, SIGABRT};

#[test]
fn a_wrong_passphrase_is_refused_and_changes_nothing_here() {
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    a.run(&target, &["demo"]);
    a.sync(&target);
    b.run(&target, &["bike", "add", "Only here"]);
    let before = b.dump();
    let files_before = target.files();
    let out = b
        .cmd(&target)
        .env("PEDALWRENCHER_SYNC_PASSPHRASE", "not the passphrase")
        .args(["devices", "sync"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("passphrase"));
    assert_eq!(b.dump(), before, "the local garage is unchanged");
    let vault: Option<String> = b
        .db()
        .query_row(
            "SELECT value FROM meta WHERE key = 'sync_vault_id'",
            [],
            |r| r.get(0),
        )
        .ok();
    assert_eq!(vault, None, "nothing about the vault was recorded");
    assert_eq!(
        target.files().len(),
        files_before.len(),
        "nothing was written to the target"
    );
}

#[test]
fn bad_targets_exit_with_what_to_do() {
    let target = Target::folder();
    let d = Device::new();
    // `devices sync` against `url`: its exit code and what it said.
    let sync_with = |url: String| {
        let out = d
            .cmd(&target)
            .env("PEDALWRENCHER_SYNC_URL", url)
            .args(["devices", "sync"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, said) = sync_with("ftp://example".into());
    assert_eq!(code, Some(2), "{said}");
    let closed_port = free_port();
    let (code, said) = sync_with(format!("dav://u:p@127.0.0.1:{closed_port}/"));
    assert_eq!(code, Some(1), "{said}");
    let dav = WebDav::start();
    let (code, said) = sync_with(dav.url_with_login(WebDav::USER, "wrong"));
    assert_eq!(code, Some(1), "{said}");
    let s3 = S3::start_refusing_logins();
    let (code, said) = sync_with(s3.url_with_keys());
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("access key"), "{said}");
    assert!(!said.contains(S3::SECRET_ACCESS_KEY), "{said}");
    let status = d.run(&target, &["devices", "status"]);
    assert!(
        status["last_error"].is_string(),
        "a failed pass is recorded: {status}"
    );
}

/// A device that syncs with one garage's target refuses a target holding another garage, and
/// changes nothing on either side.
#[test]
fn a_target_holding_another_garage_is_refused() {
    let (ours, theirs) = (Target::folder(), Target::folder());
    let (a, stranger) = (Device::new(), Device::new());
    a.run(&ours, &["bike", "add", "Ours"]);
    a.sync(&ours);
    stranger.run(&theirs, &["bike", "add", "Theirs"]);
    stranger.sync(&theirs);
    let before = (a.dump(), theirs.files().len());
    let out = a.output(&theirs, &["devices", "sync"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("another garage"), "{stderr}");
    assert_eq!((a.dump(), theirs.files().len()), before);
}

/// Two devices link the same Strava gear to two different bikes while apart: the garage refuses
/// the second (a unique key), but the merge goes on for everything else, the refused bike waits
/// aside, and the rider is told.
#[test]
fn a_row_the_garage_refuses_is_held_and_the_rest_still_merges() {
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    a.sync(&target);
    b.sync(&target);
    a.run(
        &target,
        &["bike", "add", "Road bike", "--strava-gear-id", "b123"],
    );
    b.run(
        &target,
        &["bike", "add", "Same gear on B", "--strava-gear-id", "b123"],
    );
    b.run(&target, &["bike", "add", "Only on B"]);
    a.sync(&target);
    b.sync(&target);
    let report = a.sync(&target);
    assert_eq!(
        a.one("SELECT COUNT(*) || '' FROM bikes WHERE name = 'Only on B'"),
        "1",
        "{report}"
    );
    assert_eq!(
        a.one("SELECT COUNT(*) || '' FROM bikes WHERE strava_gear_id = 'b123'"),
        "1"
    );
    let status = a.run(&target, &["devices", "status"]);
    assert!(
        status["notices"]
            .to_string()
            .contains("could not be merged"),
        "{status}"
    );
    assert!(status["held_rows"].as_i64().unwrap() >= 1, "{status}");
    // Once one of the two lets go of the gear, the held bike merges.
    let b_bike = b.one("SELECT id FROM bikes WHERE name = 'Same gear on B'");
    b.db()
        .execute(
            &format!("UPDATE bikes SET strava_gear_id = NULL WHERE id = '{b_bike}'"),
            [],
        )
        .unwrap();
    b.sync(&target);
    a.sync(&target);
    assert_eq!(
        a.one("SELECT COUNT(*) || '' FROM bikes WHERE name = 'Same gear on B'"),
        "1"
    );
    assert_eq!(a.run(&target, &["devices", "status"])["held_rows"], 0);
}

/// A pass killed at each named point, 20 runs: afterwards every device converges and no edit is
/// lost.
#[test]
fn passes_killed_at_abort_points_lose_nothing() {
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    a.run(&target, &["demo"]);
    a.sync(&target);
    b.sync(&target);
    let bike = a.one("SELECT id FROM bikes ORDER BY id LIMIT 1");
    let points = [
        "sync.after_local_commit",
        "sync.mid_upload",
        "sync.before_mark_sent",
        "sync.mid_apply",
    ];
    let mut expected = Vec::new();
    for run in 0..20 {
        let point = points[run % points.len()];
        let (writer, victim) = if run % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let name = format!("Bike {run}");
        writer.run(&target, &["bike", "add", &name]);
        writer.run(
            &target,
            &["bike", "edit", &bike, "--notes", &format!("note {run}")],
        );
        expected.push(name);
        // mid_apply needs something to apply: the writer pushes first, the victim dies applying.
        let killed = if point == "sync.mid_apply" {
            writer.sync(&target);
            victim
        } else {
            writer
        };
        let out = killed
            .cmd(&target)
            .env(faults::ENV, format!("{point}:1"))
            .args(["devices", "sync"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.signal(),
            Some(SIGABRT),
            "run {run}: not aborted at {point}: {stderr}"
        );
        assert!(
            stderr
                .lines()
                .any(|l| l == format!("pedalwrencher: abort at {point}:1")),
            "run {run}: aborted elsewhere: {stderr}"
        );
        assert_eq!(killed.one("PRAGMA integrity_check"), "ok");
    }
    for d in [&a, &b, &a] {
        d.sync(&target);
    }
    assert_same(&[&a, &b]);
    for d in [&a, &b] {
        for name in &expected {
            assert_eq!(
                d.one(&format!(
                    "SELECT COUNT(*) || '' FROM bikes WHERE name = '{name}'"
                )),
                "1",
                "{name}"
            );
        }
        assert_eq!(
            d.one(&format!("SELECT notes FROM bikes WHERE id = '{bike}'")),
            "note 19"
        );
    }
}

/// A device whose passes have failed for longer than the stale threshold says so in `status`
/// (exit 1, for cron and monitors), like a stale Strava sync: never silent.
#[test]
fn a_device_sync_failing_for_days_makes_status_unhealthy() {
    let target = Target::folder();
    let a = Device::new();
    a.run(&target, &["bike", "add", "Tarmac"]);
    a.sync(&target);
    let healthy = a.output(&target, &["status"]);
    assert_eq!(
        healthy.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&healthy.stdout)
    );
    // Three days since the last success, and the target has gone since.
    let three_days_ago = (chrono_now_ms() - 72 * 3_600_000).to_string();
    a.db()
        .execute(
            "UPDATE meta SET value = ?1 WHERE key = 'sync_last_ok_at'",
            [&three_days_ago],
        )
        .unwrap();
    let gone = a
        .cmd(&target)
        .env(
            "PEDALWRENCHER_SYNC_URL",
            "file:///nonexistent/pedalwrencher-target",
        )
        .args(["devices", "sync"])
        .output()
        .unwrap();
    assert_eq!(gone.status.code(), Some(1));
    let out = a.output(&target, &["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("No successful sync with your other devices"),
        "{text}"
    );
    assert!(
        text.contains("nonexistent"),
        "the last error is shown: {text}"
    );
}

fn chrono_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
