//! Device sync end to end through the real CLI: two and three data folders syncing through a
//! folder, a real WebDAV server (wsgidav) and a real S3 server (moto), all on loopback.
//! Each device is its own data folder with its own `device-id`; every pass is a separate process.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output};

use pedalwrencher_core::faults;
use pedalwrencher_core::store::DB_FILE;
use pedalwrencher_tests::cli_path;
use pedalwrencher_tests::fake_strava::{sample_garage, FakeStrava, CLIENT_ID, CLIENT_SECRET};
use pedalwrencher_tests::sync_servers::{WebDav, S3};
use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;

const PASSPHRASE: &str = "a long sync passphrase";
const SIGABRT: i32 = 6;

/// The synced tables and what of them every device must agree on (device-local columns left out).
const SYNCED: &[(&str, &str)] = &[
    ("bikes", "*"),
    ("components", "*"),
    ("installations", "*"),
    ("rides", "*"),
    (
        "rules",
        "id, component_id, task, metric, interval, warn_fraction, repeat, filter, snoozed_until, \
         snoozed_until_used, created_at, updated_at, deleted_at",
    ),
    ("services", "*"),
    ("carried_usage", "*"),
    ("synced_settings", "*"),
];

enum Target {
    Folder(TempDir),
    Dav(WebDav),
    S3(S3),
}

impl Target {
    fn folder() -> Target {
        Target::Folder(tempfile::tempdir().unwrap())
    }

    fn url(&self) -> String {
        match self {
            Target::Folder(d) => format!("file://{}", d.path().display()),
            Target::Dav(w) => w.url(),
            Target::S3(s) => s.url(),
        }
    }

    /// Every file on the target with its bytes.
    fn files(&self) -> Vec<(String, Vec<u8>)> {
        fn walk(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
                }
            }
        }
        let mut out = Vec::new();
        match self {
            Target::Folder(d) => walk(d.path(), &mut out),
            Target::Dav(w) => walk(w.root(), &mut out),
            Target::S3(s) => out = s.objects(),
        }
        out
    }
}

struct Device {
    dir: TempDir,
}

impl Device {
    fn new() -> Device {
        Device {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn cmd(&self, target: &Target) -> Command {
        let mut c = Command::new(cli_path());
        c.env_remove("PEDALWRENCHER_DATA_DIR")
            .env_remove(faults::ENV)
            .env("PEDALWRENCHER_UNITS", "metric")
            .env("PEDALWRENCHER_SECRETS", "file")
            .env("PEDALWRENCHER_SYNC_URL", target.url())
            .env("PEDALWRENCHER_SYNC_PASSPHRASE", PASSPHRASE)
            .env("AWS_ACCESS_KEY_ID", S3::ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", S3::SECRET_ACCESS_KEY)
            .env("NO_PROXY", "127.0.0.1")
            // An aborted process may leave a core file in its working folder: keep it here.
            .current_dir(self.dir.path())
            .arg("--data-dir")
            .arg(self.dir.path());
        c
    }

    fn output(&self, target: &Target, args: &[&str]) -> Output {
        self.cmd(target).args(args).output().expect("run the CLI")
    }

    fn run(&self, target: &Target, args: &[&str]) -> Value {
        let out = self.output(target, &[&["--json"], args].concat());
        assert!(
            out.status.success(),
            "`{}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    fn sync(&self, target: &Target) -> Value {
        self.run(target, &["devices", "sync"])
    }

    fn db(&self) -> Connection {
        Connection::open(self.dir.path().join(DB_FILE)).unwrap()
    }

    fn one(&self, sql: &str) -> String {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Every synced row as text, table by table, ordered by id.
    fn dump(&self) -> Vec<String> {
        let db = self.db();
        let mut out = Vec::new();
        for (table, cols) in SYNCED {
            let mut stmt = db
                .prepare(&format!("SELECT {cols} FROM {table} ORDER BY id"))
                .unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    let cells: Vec<String> = (0..n)
                        .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                        .collect();
                    Ok(format!("{table}: {}", cells.join(" | ")))
                })
                .unwrap();
            out.extend(rows.map(Result::unwrap));
        }
        out
    }
}

fn assert_same(devices: &[&Device]) {
    let first = devices[0].dump();
    assert!(!first.is_empty(), "the garage is not empty");
    for (n, d) in devices.iter().enumerate().skip(1) {
        let other = d.dump();
        if other != first {
            let only_first: Vec<_> = first
                .iter()
                .filter(|r| !other.contains(r))
                .take(5)
                .collect();
            let only_other: Vec<_> = other
                .iter()
                .filter(|r| !first.contains(r))
                .take(5)
                .collect();
            panic!("device {n} differs from device 0:\nonly on 0: {only_first:#?}\nonly on {n}: {only_other:#?}");
        }
    }
}

/// Join, then concurrent edits on three devices: different rows, different fields of one row,
/// the same field, a delete against an edit. Then everyone syncs until quiet.
fn three_devices_converge(target: &Target) {
    let (a, b, c) = (Device::new(), Device::new(), Device::new());
    a.run(target, &["demo"]);
    let created = a.sync(target);
    assert_eq!(created["vault_created"], true, "{created}");
    let joined = b.sync(target);
    assert_eq!(joined["joined_from"], device_id(&a), "{joined}");
    assert!(
        joined["applied"]["rows_created"].as_u64().unwrap() > 300,
        "{joined}"
    );
    c.sync(target);
    assert_same(&[&a, &b, &c]);

    let bike = a.one("SELECT id FROM bikes WHERE name = 'Canyon Endurace'");
    let chain = a.one("SELECT id FROM components WHERE kind = 'chain' ORDER BY id LIMIT 1");
    let ride = a.one("SELECT id FROM rides WHERE deleted_at IS NULL ORDER BY id LIMIT 1");
    // Different rows.
    a.run(target, &["bike", "add", "Alpha"]);
    b.run(target, &["bike", "add", "Beta"]);
    // Different fields of one row.
    a.run(target, &["bike", "edit", &bike, "--name", "Canyon (A)"]);
    b.run(target, &["bike", "edit", &bike, "--notes", "waxed chain"]);
    // The same field: B writes last.
    a.run(
        target,
        &["component", "edit", &chain, "--name", "Chain from A"],
    );
    b.run(
        target,
        &["component", "edit", &chain, "--name", "Chain from B"],
    );
    // A delete against a concurrent edit.
    a.run(target, &["ride", "delete", &ride]);
    c.run(target, &["ride", "edit", &ride, "--name", "Edited on C"]);
    c.run(
        target,
        &[
            "ride",
            "add",
            "--bike",
            &bike,
            "--distance",
            "42",
            "--time",
            "1:30",
            "--name",
            "Ridden on C",
        ],
    );

    for d in [&a, &b, &c, &a, &b] {
        d.sync(target);
    }
    assert_same(&[&a, &b, &c]);
    for d in [&a, &b, &c] {
        let bikes =
            d.one("SELECT group_concat(name, ',') FROM (SELECT name FROM bikes ORDER BY name)");
        assert!(bikes.contains("Alpha") && bikes.contains("Beta"), "{bikes}");
        assert_eq!(
            d.one(&format!(
                "SELECT name || '/' || notes FROM bikes WHERE id = '{bike}'"
            )),
            "Canyon (A)/waxed chain"
        );
        assert_eq!(
            d.one(&format!("SELECT name FROM components WHERE id = '{chain}'")),
            "Chain from B"
        );
        let deleted: Option<i64> = d
            .db()
            .query_row(
                &format!("SELECT deleted_at FROM rides WHERE id = '{ride}'"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            deleted.is_some(),
            "the delete wins over C's concurrent edit"
        );
        assert_eq!(
            d.one("SELECT COUNT(*) || '' FROM rides WHERE name = 'Ridden on C'"),
            "1"
        );
    }
    // Nothing readable on the target: no bike, part or ride name.
    for (path, bytes) in target.files() {
        for name in [
            "Canyon",
            "Endurace",
            "Chain from",
            "Ridden on C",
            "Alpha",
            "waxed",
        ] {
            assert!(
                !bytes.windows(name.len()).any(|w| w == name.as_bytes()),
                "{path} contains '{name}' in the clear"
            );
        }
    }
}

fn device_id(d: &Device) -> String {
    std::fs::read_to_string(d.dir.path().join("device-id"))
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn three_devices_converge_through_a_folder() {
    three_devices_converge(&Target::folder());
}

#[test]
fn three_devices_converge_through_webdav() {
    three_devices_converge(&Target::Dav(WebDav::start()));
}

#[test]
fn three_devices_converge_through_s3() {
    three_devices_converge(&Target::S3(S3::start()));
}

#[test]
fn a_part_moved_to_two_bikes_on_two_devices_ends_on_one_the_same_everywhere() {
    let target = Target::Dav(WebDav::start());
    let (a, b) = (Device::new(), Device::new());
    a.run(&target, &["demo"]);
    a.sync(&target);
    b.sync(&target);
    let chain = a.one(
        "SELECT c.id FROM components c JOIN installations i ON i.component_id = c.id
         WHERE c.kind = 'chain' AND i.removed_at IS NULL AND i.deleted_at IS NULL ORDER BY c.id LIMIT 1",
    );
    let on = a.one(&format!(
        "SELECT bike_id FROM installations WHERE component_id = '{chain}' AND removed_at IS NULL AND deleted_at IS NULL"
    ));
    let others: Vec<String> = {
        let db = a.db();
        let mut s = db
            .prepare(&format!(
                "SELECT id FROM bikes WHERE id != '{on}' ORDER BY id"
            ))
            .unwrap();
        let v = s
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        v
    };
    a.run(
        &target,
        &["component", "move", &chain, "--bike", &others[0]],
    );
    b.run(
        &target,
        &["component", "move", &chain, "--bike", &others[1]],
    );
    for d in [&a, &b, &a] {
        d.sync(&target);
    }
    assert_same(&[&a, &b]);
    for d in [&a, &b] {
        let open = d.one(&format!(
            "SELECT COUNT(*) || ':' || group_concat(bike_id) FROM installations
             WHERE component_id = '{chain}' AND removed_at IS NULL AND deleted_at IS NULL"
        ));
        // B moved it last: its installation started last and is the one kept.
        assert_eq!(
            open,
            format!("1:{}", others[1]),
            "exactly one open installation"
        );
        let overlaps = d.one(&format!(
            "SELECT COUNT(*) || '' FROM installations x JOIN installations y
             ON x.component_id = y.component_id AND x.id < y.id
             WHERE x.component_id = '{chain}' AND x.deleted_at IS NULL AND y.deleted_at IS NULL
               AND x.installed_at < COALESCE(y.removed_at, 9e18) AND y.installed_at < COALESCE(x.removed_at, 9e18)"
        ));
        assert_eq!(overlaps, "0", "no overlapping installations");
    }
    let status = a.run(&target, &["devices", "status"]);
    let notices = status["notices"].to_string();
    assert!(
        notices.contains("two bikes at once"),
        "the rider is told: {status}"
    );
}

#[test]
fn the_same_strava_activity_imported_on_two_devices_is_one_ride() {
    let fake = FakeStrava::start(sample_garage(40, 1_700_000_000, 86_400));
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    for d in [&a, &b] {
        let token = fake.state().issue_refresh_token();
        let out = d
            .cmd(&target)
            .env("PEDALWRENCHER_STRAVA_URL", fake.url())
            .env("PEDALWRENCHER_STRAVA_CLIENT_ID", CLIENT_ID)
            .env("PEDALWRENCHER_STRAVA_CLIENT_SECRET", CLIENT_SECRET)
            .env("PEDALWRENCHER_STRAVA_REFRESH_TOKEN", token)
            .args(["sync"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let rides = a.one("SELECT COUNT(*) || '' FROM rides");
    assert_eq!(rides, b.one("SELECT COUNT(*) || '' FROM rides"));
    for d in [&a, &b, &a] {
        d.sync(&target);
    }
    assert_same(&[&a, &b]);
    assert_eq!(
        a.one("SELECT COUNT(*) || '' FROM rides"),
        rides,
        "one row per activity, not two"
    );
    assert_eq!(
        a.one("SELECT COUNT(*) || '' FROM bikes"),
        b.one("SELECT COUNT(*) || '' FROM bikes")
    );
}

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
    let closed_port = pedalwrencher_tests::smtp_server::free_port();
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

#[test]
fn an_empty_target_joined_later_deletes_nothing_and_conflict_copies_are_skipped() {
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    a.run(&target, &["demo"]);
    let garage = |d: &Device| -> Vec<String> {
        d.dump()
            .into_iter()
            .filter(|r| !r.starts_with("synced_settings:"))
            .collect()
    };
    let before = garage(&a);
    a.sync(&target);
    // The one new row: the first device forwards email and SMS.
    assert_eq!(
        garage(&a),
        before,
        "creating the vault changes nothing of the garage"
    );
    b.run(&target, &["bike", "add", "From B"]);
    b.sync(&target);
    // A sync client's conflict copy and a partial upload beside B's real files.
    let Target::Folder(root) = &target else {
        unreachable!()
    };
    let b_dir = root.path().join("devices").join(device_id(&b));
    std::fs::write(
        b_dir.join("seg-9.sync-conflict-20261124-101010-XYZ"),
        b"junk",
    )
    .unwrap();
    std::fs::write(b_dir.join("seg-2 (1)"), b"junk").unwrap();
    std::fs::write(b_dir.join(".seg-3.partial"), b"junk").unwrap();
    let report = a.sync(&target);
    assert!(report["skipped"].as_array().unwrap().is_empty(), "{report}");
    assert_eq!(
        a.one("SELECT COUNT(*) || '' FROM bikes WHERE name = 'From B'"),
        "1"
    );
    // A damaged next file stops reading that device there, and is retried.
    std::fs::write(b_dir.join("seg-2"), b"not a sealed file").unwrap();
    let report = a.sync(&target);
    assert_eq!(report["skipped"].as_array().unwrap().len(), 1, "{report}");
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

/// A home server running `serve` syncs with the rider's devices every cycle.
#[test]
fn serve_syncs_with_the_other_devices_each_cycle() {
    let target = Target::folder();
    let (server, phone) = (Device::new(), Device::new());
    server.run(&target, &["bike", "add", "On the server"]);
    let out = server.output(
        &target,
        &["serve", "--cycles", "1", "--interval-seconds", "60"],
    );
    let log =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("devices: sent 1 file(s)"), "{log}");
    phone.sync(&target);
    assert_eq!(phone.one("SELECT name FROM bikes"), "On the server");
}

/// A garage restored from a backup onto another device (the database file, not `device-id`) gets
/// an identity of its own: both devices keep syncing, and neither's changes are taken for the
/// other's.
#[test]
fn a_garage_restored_onto_another_device_does_not_pose_as_the_original() {
    let target = Target::folder();
    let (laptop, phone) = (Device::new(), Device::new());
    laptop.run(&target, &["bike", "add", "Tarmac"]);
    laptop.sync(&target);
    // The backup: the database (with its WAL checkpointed) copied onto the phone.
    laptop
        .db()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    std::fs::copy(
        laptop.dir.path().join(DB_FILE),
        phone.dir.path().join(DB_FILE),
    )
    .unwrap();
    phone.run(&target, &["bike", "add", "Restored phone's bike"]);
    assert_ne!(
        device_id(&phone),
        device_id(&laptop),
        "the phone made its own id"
    );
    phone.sync(&target);
    laptop.run(&target, &["bike", "add", "Laptop's second bike"]);
    laptop.sync(&target);
    phone.sync(&target);
    laptop.sync(&target);
    assert_same(&[&laptop, &phone]);
    assert_eq!(laptop.one("SELECT COUNT(*) || '' FROM bikes"), "3");
}

/// The same, onto a device that had synced itself: its files already on the target (which the
/// others have read) are read back and never written over; its next file comes after them, so
/// what it does from then on reaches the others.
#[test]
fn a_garage_restored_onto_a_device_that_synced_before_numbers_after_its_files() {
    let target = Target::folder();
    let (laptop, phone, tablet) = (Device::new(), Device::new(), Device::new());
    laptop.run(&target, &["bike", "add", "Tarmac"]);
    laptop.sync(&target);
    phone.sync(&target);
    phone.run(&target, &["bike", "add", "Phone's bike"]);
    phone.sync(&target);
    // The laptop writes more files than the phone has.
    for i in 1..=4 {
        laptop.run(&target, &["bike", "add", &format!("Laptop {i}")]);
        laptop.sync(&target);
    }
    tablet.sync(&target);
    let phone_files = |t: &Target| -> Vec<String> {
        let dir = format!("devices/{}/", device_id(&phone));
        let mut names: Vec<String> = t
            .files()
            .into_iter()
            .filter_map(|(path, _)| path.split_once(&dir).map(|(_, n)| n.to_owned()))
            .filter(|n| n != "info")
            .collect();
        names.sort();
        names
    };
    let before = phone_files(&target);
    assert_eq!(before, ["seg-2", "snap-1"], "{before:?}");

    // The laptop's database (with its WAL checkpointed) put over the phone's.
    laptop
        .db()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    std::fs::copy(
        laptop.dir.path().join(DB_FILE),
        phone.dir.path().join(DB_FILE),
    )
    .unwrap();
    phone.run(&target, &["bike", "add", "After the restore"]);
    phone.sync(&target);
    let after = phone_files(&target);
    assert_eq!(after, ["seg-2", "snap-1", "snap-3"], "{after:?}");

    tablet.sync(&target);
    laptop.sync(&target);
    phone.sync(&target);
    assert_same(&[&laptop, &phone, &tablet]);
    assert_eq!(tablet.one("SELECT COUNT(*) || '' FROM bikes"), "7");
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

/// A service's notes edited on one device do not move the rule's epoch on another (that would
/// send the reminder of a due part again); a service done there does.
#[test]
fn only_a_service_done_elsewhere_moves_the_epoch_here() {
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    a.run(&target, &["demo"]);
    a.sync(&target);
    b.sync(&target);
    let service = b.one("SELECT id FROM services WHERE deleted_at IS NULL ORDER BY id LIMIT 1");
    let rule = b.one(&format!(
        "SELECT rule_id FROM services WHERE id = '{service}'"
    ));
    let epoch = |d: &Device| {
        d.one(&format!(
            "SELECT epoch || '' FROM rules WHERE id = '{rule}'"
        ))
    };
    let before = epoch(&b);
    a.db()
        .execute(
            &format!("UPDATE services SET notes = 'new chain, KMC' WHERE id = '{service}'"),
            [],
        )
        .unwrap();
    a.sync(&target);
    b.sync(&target);
    assert_eq!(
        b.one(&format!(
            "SELECT notes FROM services WHERE id = '{service}'"
        )),
        "new chain, KMC"
    );
    assert_eq!(epoch(&b), before, "a note is not a service");
    a.run(&target, &["done", &rule]);
    a.sync(&target);
    b.sync(&target);
    assert_eq!(
        epoch(&b).parse::<i64>().unwrap(),
        before.parse::<i64>().unwrap() + 1
    );
}

/// An older copy of the database put back on the same device (same device-id): its own newer
/// files on the target are read back, and its next files are numbered after them, so nothing it
/// sent is lost or overwritten.
#[test]
fn a_database_rolled_back_on_the_same_device_reads_its_own_newer_files_back() {
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    a.run(&target, &["bike", "add", "Before the copy"]);
    a.sync(&target);
    a.db()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let copy = a.dir.path().join("copy.sqlite3");
    std::fs::copy(a.dir.path().join(DB_FILE), &copy).unwrap();
    a.run(&target, &["bike", "add", "After the copy"]);
    a.sync(&target);
    // The rider puts the old copy back.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(a.dir.path().join(format!("{DB_FILE}{suffix}")));
    }
    std::fs::copy(&copy, a.dir.path().join(DB_FILE)).unwrap();
    a.run(&target, &["bike", "add", "After the rollback"]);
    a.sync(&target);
    b.sync(&target);
    for d in [&a, &b] {
        let names =
            d.one("SELECT group_concat(name, ',') FROM (SELECT name FROM bikes ORDER BY name)");
        assert_eq!(names, "After the copy,After the rollback,Before the copy");
    }
}
