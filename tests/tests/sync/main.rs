//! Device sync end to end through the real CLI: two and three data folders syncing through a
//! folder, a real WebDAV server (wsgidav) and a real S3 server (moto), all on loopback.
//! Each device is its own data folder with its own `device-id`; every pass is a separate process.

use std::path::Path;
use std::process::{Command, Output};

use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::sql;
use pedalwrencher_tests::sync_servers::{WebDav, S3};
use pedalwrencher_tests::tables;
use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;

mod clock_corrected;
mod converge;
mod dav_warning;
mod refusals;
mod restores;
mod skew;
mod targets;

const PASSPHRASE: &str = "a long sync passphrase";

const SIGABRT: i32 = 6;

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

    /// Every file on the target with its bytes, in order of path.
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
        out.sort();
        out
    }
}

/// One device: a garage of its own whose CLI syncs with the passphrase (and the S3 test keys),
/// to whichever target a pass names.
struct Device {
    g: Garage,
}

impl Device {
    fn new() -> Device {
        let mut g = Garage::new();
        g.set("PEDALWRENCHER_SYNC_PASSPHRASE", PASSPHRASE)
            .set("AWS_ACCESS_KEY_ID", S3::ACCESS_KEY_ID)
            .set("AWS_SECRET_ACCESS_KEY", S3::SECRET_ACCESS_KEY);
        Device { g }
    }

    /// The CLI syncing with `target`, not yet run.
    fn cmd(&self, target: &Target) -> Command {
        let mut c = self.g.command();
        c.env("PEDALWRENCHER_SYNC_URL", target.url());
        c
    }

    fn output(&self, target: &Target, args: &[&str]) -> Output {
        self.g
            .run_with(args, &[("PEDALWRENCHER_SYNC_URL", &target.url())])
    }

    fn run(&self, target: &Target, args: &[&str]) -> Value {
        let out = self.output(target, &[&["--json"], args].concat());
        json_of(args, out)
    }

    fn sync(&self, target: &Target) -> Value {
        self.run(target, &["devices", "sync"])
    }

    /// [`Device::run`] with no target in the environment: the one `devices setup` kept, as for
    /// a rider.
    fn run_kept(&self, args: &[&str]) -> Value {
        let out = self.g.run(&[&["--json"], args].concat());
        json_of(args, out)
    }

    /// `devices setup` with `target`, which the device keeps.
    fn set_up(&self, target: &Target) -> Value {
        self.run_kept(&["devices", "setup", &target.url()])
    }

    /// A pass with the target `devices setup` kept.
    fn sync_kept(&self) -> Value {
        self.run_kept(&["devices", "sync"])
    }

    fn db(&self) -> Connection {
        self.g.db()
    }

    fn one(&self, sql: &str) -> String {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Every synced row as text, table by table, ordered by id: what every device must agree on
    /// (device-local columns left out).
    fn dump(&self) -> Vec<String> {
        let db = self.db();
        let mut out = Vec::new();
        for (table, local) in tables::SYNCED {
            let cols: Vec<String> = sql::columns(&db, table)
                .into_iter()
                .filter(|c| !local.contains(&c.as_str()))
                .map(|c| format!("\"{c}\""))
                .collect();
            let mut stmt = db
                .prepare(&format!(
                    "SELECT {} FROM {table} ORDER BY id",
                    cols.join(", ")
                ))
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

/// What a `--json` run of `args` printed, once it succeeded (`null` when it printed nothing).
fn json_of(args: &[&str], out: Output) -> Value {
    assert!(
        out.status.success(),
        "`{}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
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

fn device_id(d: &Device) -> String {
    std::fs::read_to_string(d.g.file("device-id"))
        .unwrap()
        .trim()
        .to_owned()
}
