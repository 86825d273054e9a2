//! Sync targets over months of use, through the real CLI (each pass its own process): a garage
//! moves to another target (a folder, then a real WebDAV server) with every edit; a set-up that
//! failed binds nothing; a device whose files cannot be read past, or whose folder on the target
//! went back to an older copy, is reported by name instead of silently freezing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pedalwrencher_core::faults;
use pedalwrencher_core::store::DB_FILE;
use pedalwrencher_core::sync::transport::{
    OpendalTransport, SyncTarget, Transport, TransportErrorKind,
};
use pedalwrencher_tests::cli_path;
use pedalwrencher_tests::sync_servers::WebDav;
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
}

impl Target {
    fn folder() -> Target {
        Target::Folder(tempfile::tempdir().unwrap())
    }

    fn url(&self) -> String {
        match self {
            Target::Folder(d) => format!("file://{}", d.path().display()),
            Target::Dav(w) => w.url(),
        }
    }

    /// The folder the target's files are in (the WebDAV server's served folder).
    fn root(&self) -> &Path {
        match self {
            Target::Folder(d) => d.path(),
            Target::Dav(w) => w.root(),
        }
    }

    fn device_dir(&self, device: &Device) -> PathBuf {
        self.root().join("devices").join(device.id())
    }

    /// Every file's path (relative) and bytes.
    fn files(&self) -> Vec<(String, Vec<u8>)> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else {
                    let rel = p.strip_prefix(root).unwrap().display().to_string();
                    out.push((rel, std::fs::read(&p).unwrap()));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.root(), self.root(), &mut out);
        out.sort();
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

    fn id(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("device-id"))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// The CLI on this device's data folder. The target is the one `devices setup` kept, as for
    /// a rider.
    fn cmd(&self) -> Command {
        let mut c = Command::new(cli_path());
        c.env_remove("PEDALWRENCHER_DATA_DIR")
            .env_remove(faults::ENV)
            .env_remove("PEDALWRENCHER_STALE_SYNC_HOURS")
            .env("PEDALWRENCHER_UNITS", "metric")
            .env("PEDALWRENCHER_SECRETS", "file")
            .env("PEDALWRENCHER_SYNC_PASSPHRASE", PASSPHRASE)
            .env("NO_PROXY", "127.0.0.1")
            .current_dir(self.dir.path())
            .arg("--data-dir")
            .arg(self.dir.path());
        c
    }

    fn output(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run the CLI")
    }

    fn run(&self, args: &[&str]) -> Value {
        let out = self.output(&[&["--json"], args].concat());
        assert!(
            out.status.success(),
            "`{}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    fn set_up(&self, target: &Target) -> Value {
        self.run(&["devices", "setup", &target.url()])
    }

    fn sync(&self) -> Value {
        self.run(&["devices", "sync"])
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

    /// Which stamp (clock, device) each field holds: a field's own entry, else its row's
    /// creation entry (`*`) when it has a value. Compared across devices, it shows that a garage
    /// carried to another target kept who wrote what, and when.
    fn stamps(&self) -> Vec<String> {
        let db = self.db();
        let mut out = Vec::new();
        for (table, _) in SYNCED {
            let cols: Vec<String> = db
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .filter(|c: &String| c != "id" && c != "epoch")
                .collect();
            let ids: Vec<String> = db
                .prepare(&format!("SELECT id FROM {table} ORDER BY id"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for id in ids {
                for col in &cols {
                    let stamp = |c: &str| -> Option<(i64, String)> {
                        db.query_row(
                            "SELECT c.hlc, d.device_id FROM sync_clock c
                             JOIN sync_devices d ON d.idx = c.dev
                             WHERE c.tbl = ?1 AND c.id = ?2 AND c.col = ?3",
                            [*table, id.as_str(), c],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .ok()
                    };
                    let has_value: bool = db
                        .query_row(
                            &format!("SELECT \"{col}\" IS NOT NULL FROM {table} WHERE id = ?1"),
                            [&id],
                            |r| r.get(0),
                        )
                        .unwrap();
                    let s = stamp(col).or_else(|| stamp("*").filter(|_| has_value));
                    if let Some((hlc, dev)) = s {
                        out.push(format!("{table}/{id}/{col}: {hlc} {dev}"));
                    }
                }
            }
        }
        out
    }

    fn bikes(&self) -> String {
        self.one("SELECT group_concat(name, ',') FROM (SELECT name FROM bikes ORDER BY name)")
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

/// The rider's storage moves (a provider closing): every device stops syncing and is set up
/// with the new target. The first makes a fresh vault there with its whole garage (every row,
/// every field with its stamp), the next joins it and brings what it had not sent to the old
/// one, and a device that only ever knew the new target gets all of it. The old target is left
/// as it was.
#[test]
fn a_garage_moves_from_a_folder_to_webdav_with_every_edit() {
    let (old, new) = (Target::folder(), Target::Dav(WebDav::start()));
    let (laptop, phone, tablet) = (Device::new(), Device::new(), Device::new());
    laptop.run(&["demo"]);
    laptop.set_up(&old);
    phone.set_up(&old);
    // Edits neither sent to the old target before the move.
    laptop.run(&["bike", "add", "Laptop's bike, not sent"]);
    phone.run(&["bike", "add", "Phone's bike, not sent"]);
    let old_files = old.files();

    laptop.run(&["devices", "forget"]);
    let moved = laptop.set_up(&new);
    assert_eq!(moved["vault_created"], true, "{moved}");
    assert_eq!(
        moved["pushed_files"], 1,
        "one snapshot of the whole garage: {moved}"
    );
    phone.run(&["devices", "forget"]);
    let joined = phone.set_up(&new);
    assert_eq!(joined["joined_from"], laptop.id(), "{joined}");
    laptop.sync();
    tablet.set_up(&new);
    phone.sync();
    laptop.sync();

    assert_same(&[&laptop, &phone, &tablet]);
    assert!(
        tablet.bikes().contains("Laptop's bike, not sent")
            && tablet.bikes().contains("Phone's bike, not sent"),
        "{}",
        tablet.bikes()
    );
    assert!(tablet.dump().len() > 300, "the whole demo garage");
    assert_eq!(
        laptop.stamps(),
        tablet.stamps(),
        "every field kept its stamp"
    );
    assert_eq!(old.files(), old_files, "the old target is left as it was");
    // Syncing goes on through the new target, and only it.
    tablet.run(&["bike", "add", "After the move"]);
    tablet.sync();
    laptop.sync();
    assert!(laptop.bikes().contains("After the move"));
    let status = laptop.run(&["devices", "status"]);
    assert!(status["last_error"].is_null(), "{status}");
}

/// A rider who set up the wrong folder once (it held another of their garages, the same
/// passphrase) stops syncing and sets up the right one: the garage syncs there, and nothing of
/// the wrong folder's vault binds it.
#[test]
fn stopping_sync_lets_the_garage_start_again_on_another_target() {
    let (wrong, right) = (Target::folder(), Target::folder());
    let (a, b, other) = (Device::new(), Device::new(), Device::new());
    other.run(&["bike", "add", "Someone else's"]);
    other.set_up(&wrong);
    b.run(&["bike", "add", "Already on the right target"]);
    b.set_up(&right);

    a.run(&["bike", "add", "Mine"]);
    a.set_up(&wrong);
    // Without stopping first, another garage's target is still refused, and says how to move.
    let refused = a.output(&["devices", "setup", &right.url()]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("another garage"), "{stderr}");
    assert!(stderr.contains("devices forget"), "{stderr}");

    a.run(&["devices", "forget"]);
    a.set_up(&right);
    b.sync();
    assert_same(&[&a, &b]);
    assert!(b.bikes().contains("Mine"), "{}", b.bikes());
    // Back to the wrong target is refused again: the garage syncs with the right one now.
    let back = a.output(&["devices", "setup", &wrong.url()]);
    assert_eq!(back.status.code(), Some(1));
}

/// A set-up killed half-way (after the vault opened, before anything was sent) is a trial that
/// failed: it binds nothing, and setting up another target works.
#[test]
fn a_set_up_that_failed_binds_nothing() {
    let (wrong, right) = (Target::folder(), Target::folder());
    let (a, other) = (Device::new(), Device::new());
    other.run(&["bike", "add", "Someone else's"]);
    other.set_up(&wrong);
    a.run(&["bike", "add", "Mine"]);
    let killed = a
        .cmd()
        .env(faults::ENV, "sync.after_local_commit")
        .args(["devices", "setup", &wrong.url()])
        .output()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        killed.status.signal(),
        Some(SIGABRT),
        "{}",
        String::from_utf8_lossy(&killed.stderr)
    );
    let status = a.run(&["devices", "status"]);
    assert!(status["vault_id"].is_null(), "not bound: {status}");
    let set_up = a.set_up(&right);
    assert_eq!(set_up["vault_created"], true, "{set_up}");
    assert_eq!(a.bikes(), "Mine");
}

/// Flips one byte in the middle of a file, as a disk or a sync client might.
fn damage(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(path, bytes).unwrap();
}

/// A device whose next file on the target cannot be read (damaged, and no snapshot after it)
/// keeps the other devices' passes succeeding, each saying what it skipped; once that lasts
/// longer than the stale threshold, `status` names the device and exits 1.
#[test]
fn a_device_whose_files_cannot_be_read_past_makes_status_unhealthy() {
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    a.run(&["bike", "add", "Tarmac"]);
    a.set_up(&target);
    b.set_up(&target);
    a.run(&["bike", "add", "Damaged on the way"]);
    a.sync();
    damage(&target.device_dir(&a).join("seg-2"));

    let pass = b.sync();
    assert!(
        pass["skipped"].to_string().contains("seg-2"),
        "the pass says what it skipped: {pass}"
    );
    let healthy = b.output(&["status"]);
    assert_eq!(healthy.status.code(), Some(0), "not yet past the threshold");

    let problem = behind_problem(&b, &a);
    assert!(
        problem["banner"].to_string().contains("seg-2"),
        "says why: {problem}"
    );
    assert!(!problem["what_to_do"].to_string().is_empty(), "{problem}");
}

/// `status` past a tiny stale threshold (hours, fractional for tests) instead of 48 hours of
/// waiting: it exits 1, with the problem naming `behind` among its problems.
fn behind_problem(device: &Device, behind: &Device) -> Value {
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let out = device
        .cmd()
        .env("PEDALWRENCHER_STALE_SYNC_HOURS", "0.0001")
        .args(["--json", "status"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(1), "{report}");
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "stale_sync" && p["subject"] == behind.id().as_str())
        .unwrap_or_else(|| panic!("no problem names device {}: {report}", behind.id()))
        .clone()
}

/// The storage serves an older copy of a device's folder (a restored backup, a server rolling
/// back): files this device already read are gone and nothing newer is there. It is noticed and
/// reported, by name, rather than taken for "nothing new".
#[test]
fn a_device_folder_served_older_than_what_was_read_is_reported() {
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    a.run(&["bike", "add", "Tarmac"]);
    a.set_up(&target);
    b.set_up(&target);
    let a_dir = target.device_dir(&a);
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&a_dir, copy.path());
    a.run(&["bike", "add", "Newer"]);
    a.sync();
    b.sync();
    assert!(b.bikes().contains("Newer"));

    // The older copy of a's folder comes back.
    std::fs::remove_dir_all(&a_dir).unwrap();
    copy_dir(copy.path(), &a_dir);
    let pass = b.sync();
    let said = pass.to_string();
    assert!(said.contains(&a.id()) && said.contains("older"), "{pass}");
    let problem = behind_problem(&b, &a);
    assert!(problem["banner"].to_string().contains("older"), "{problem}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// A real WebDAV server serving a file far bigger than any sync file: the download stops at the
/// cap instead of filling memory; a file within it is read whole.
#[test]
fn a_download_from_webdav_stops_at_the_size_cap() {
    let dav = WebDav::start();
    let dir = dav.root().join("devices/a");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("seg-1"), vec![1u8; 1 << 20]).unwrap();
    std::fs::write(dir.join("seg-2"), vec![2u8; 16 << 20]).unwrap();
    let t = OpendalTransport::new(&SyncTarget::parse(&dav.url()).unwrap())
        .unwrap()
        .with_max_file_bytes(1 << 20);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let whole = runtime.block_on(t.get("devices/a/seg-1")).unwrap();
    assert_eq!(whole.map(|b| b.len()), Some(1 << 20));
    let e = runtime.block_on(t.get("devices/a/seg-2")).unwrap_err();
    assert_eq!(e.kind, TransportErrorKind::TooLarge, "{e}");
}
