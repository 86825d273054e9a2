//! Faults a rider's machine will see: two programs writing the same garage at once, and a
//! process killed in the middle of a write. Nothing may be lost, duplicated or half-written.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use pedalwrencher_tests::cli_path;
use pedalwrencher_tests::sql::{count, integrity};
use rusqlite::Connection;
use serde_json::Value;

fn cli(dir: &Path) -> Command {
    let mut cmd = Command::new(cli_path());
    cmd.env_remove("PEDALWRENCHER_DATA_DIR")
        .env("PEDALWRENCHER_UNITS", "metric")
        .arg("--data-dir")
        .arg(dir);
    cmd
}

fn run_json(dir: &Path, args: &[&str]) -> Value {
    let out = cli(dir)
        .arg("--json")
        .args(args)
        .output()
        .expect("run the CLI");
    assert!(
        out.status.success(),
        "`{}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn db(dir: &Path) -> Connection {
    Connection::open(dir.join("pedalwrencher.sqlite3")).expect("open the garage")
}

#[test]
fn concurrent_writers_lose_no_ride_and_keep_wear_exact() {
    const WRITERS: usize = 4;
    const RIDES_EACH: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    let bike = run_json(dir.path(), &["bike", "add", "Shared"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let chain = run_json(
        dir.path(),
        &[
            "component",
            "add",
            "--kind",
            "chain",
            "--bike",
            &bike,
            "--installed",
            "2025-01-01",
        ],
    );
    let replace_rule = chain["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["task"] == "Replace")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Each writer is its own process, as the app and the CLI would be.
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (dir, bike) = (dir.path().to_owned(), bike.clone());
            std::thread::spawn(move || {
                for i in 0..RIDES_EACH {
                    let date = format!("2025-02-{:02}", 1 + i);
                    let out = cli(&dir)
                        .args([
                            "ride",
                            "add",
                            "--bike",
                            &bike,
                            "--date",
                            &date,
                            "--distance",
                            "10",
                            "--name",
                        ])
                        .arg(format!("writer {w} ride {i}"))
                        .output()
                        .expect("run the CLI");
                    assert!(
                        out.status.success(),
                        "writer {w}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer thread");
    }

    let total = (WRITERS * RIDES_EACH) as i64;
    let conn = db(dir.path());
    assert_eq!(count(&conn, "rides"), total);
    let due = run_json(dir.path(), &["due"]);
    let replace = due
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_id"] == replace_rule.as_str())
        .unwrap();
    assert_eq!(replace["used"].as_f64().unwrap(), total as f64 * 10_000.0);
    assert_eq!(integrity(&conn), "ok");
}

#[test]
fn a_demo_load_killed_at_any_point_leaves_all_or_nothing() {
    // How a complete load looks, from an undisturbed run.
    let reference = tempfile::tempdir().unwrap();
    run_json(reference.path(), &["demo"]);
    let full = {
        let conn = db(reference.path());
        ["bikes", "components", "rides", "rules"].map(|t| count(&conn, t))
    };

    // Kill points spread over the load; each outcome must be all of it or none of it.
    for delay_ms in [0u64, 3, 8, 12, 16, 20, 25, 30, 35, 40, 50, 100, 400] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = cli(dir.path())
            .arg("demo")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms)); // chooses the kill point; not a synchronisation
        let _ = child.kill(); // SIGKILL; it may already have finished
        child.wait().unwrap();

        if dir.path().join("pedalwrencher.sqlite3").exists() {
            let conn = db(dir.path());
            assert_eq!(integrity(&conn), "ok", "killed after {delay_ms} ms");
            let has_tables: bool = conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'bikes')",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            if has_tables {
                let now = ["bikes", "components", "rides", "rules"].map(|t| count(&conn, t));
                assert!(
                    now == [0, 0, 0, 0] || now == full,
                    "killed after {delay_ms} ms: half a demo {now:?}"
                );
            }
        }
        // Running it again completes the job exactly once.
        run_json(dir.path(), &["demo"]);
        run_json(dir.path(), &["demo"]);
        let conn = db(dir.path());
        assert_eq!(
            ["bikes", "components", "rides", "rules"].map(|t| count(&conn, t)),
            full,
            "after {delay_ms} ms"
        );
        assert_eq!(integrity(&conn), "ok");
    }
}

#[test]
fn two_demo_loads_at_once_add_the_demo_once_and_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    // Create the database first so both processes race on the demo, not on the first migration.
    run_json(dir.path(), &["bikes"]);
    let children: Vec<_> = (0..2)
        .map(|_| {
            cli(dir.path())
                .args(["--json", "demo"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start the CLI")
        })
        .collect();
    let mut loaded = Vec::new();
    for child in children {
        let out = child.wait_with_output().expect("wait for the CLI");
        assert!(
            out.status.success(),
            "a concurrent demo failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
        loaded.push(v["loaded"].as_bool().expect("loaded flag"));
    }
    loaded.sort();
    assert_eq!(loaded, [false, true], "exactly one of them loads it");
    let conn = db(dir.path());
    assert_eq!(count(&conn, "bikes"), 3);
    assert_eq!(integrity(&conn), "ok");
}

#[test]
fn a_write_interrupted_by_a_panic_is_rolled_back_and_later_writes_land() {
    use pedalwrencher_core::garage::bikes::{self, NewBike};
    use pedalwrencher_core::Store;

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    let bike = |name: &str| NewBike {
        name: name.into(),
        ..Default::default()
    };
    // What the app's command lock sees when a command panics half-way through a write.
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = store.atomically(|s| {
            bikes::add(s, bike("Half-written"))?;
            panic!("a bug in the middle of a write");
            #[allow(unreachable_code)]
            Ok(())
        });
    }));
    assert!(panicked.is_err());

    assert!(
        store.abandon_open_transaction().unwrap(),
        "the panic left a transaction open"
    );
    assert!(!store.abandon_open_transaction().unwrap(), "and only one");
    bikes::add(&mut store, bike("After")).unwrap();

    // Another connection (the CLI) sees the later write and not the half-written one.
    let names: Vec<String> = db(dir.path())
        .prepare("SELECT name FROM bikes")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names, ["After"]);
}
