//! Faults a rider's machine will see: two programs writing the same garage at once, and a
//! process killed in the middle of a write. Nothing may be lost, duplicated or half-written.
//!
//! Kills land at named points: a debug build of the CLI aborts itself (SIGABRT) the N-th time it
//! passes the point named in `PEDALWRENCHER_ABORT_AT=NAME:N` and says so on stderr, so each test
//! knows exactly where the process died (see `pedalwrencher_core::faults`). One test still kills
//! at random moments, to cover the places no point marks.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use pedalwrencher_core::faults;
use pedalwrencher_core::store::{self, DB_FILE};
use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::fixtures::{self, Snapshot};
use pedalwrencher_tests::sql::{count, integrity, tables};
use pedalwrencher_tests::tables as garage_tables;
use rusqlite::Connection;
use serde_json::Value;

const SIGABRT: i32 = 6;

/// Runs the CLI with `args`, armed to abort the `nth` time it passes `point`, and asserts that it
/// died of exactly that.
fn run_aborted_at(g: &Garage, point: &str, nth: usize, args: &[&str]) {
    let out = g.run_with(args, &[(faults::ENV, &format!("{point}:{nth}"))]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.signal(),
        Some(SIGABRT),
        "`{}` armed at {point}:{nth} was not aborted ({}; a release build has no abort points): {stderr}",
        args.join(" "),
        out.status
    );
    let said = format!("pedalwrencher: abort at {point}:{nth}");
    assert!(
        stderr.lines().any(|l| l == said),
        "`{}` aborted, but not at {point}:{nth}: {stderr}",
        args.join(" ")
    );
}

/// Everything the demo writes, counted after a load: the garage and its wear cache.
fn demo_counts(conn: &Connection) -> BTreeMap<&'static str, i64> {
    garage_tables::GARAGE
        .iter()
        .chain(&[garage_tables::USAGE_CACHE])
        .map(|&t| (t, count(conn, t)))
        .collect()
}

/// The counts of a garage without the demo.
fn no_demo() -> BTreeMap<&'static str, i64> {
    garage_tables::GARAGE
        .iter()
        .chain(&[garage_tables::USAGE_CACHE])
        .map(|&t| (t, 0))
        .collect()
}

fn demo_flag(conn: &Connection) -> bool {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'demo_loaded_at')",
        [],
        |r| r.get(0),
    )
    .expect("read meta")
}

/// The counts of a demo loaded undisturbed, in a garage of its own.
fn undisturbed_demo() -> BTreeMap<&'static str, i64> {
    let reference = Garage::new();
    assert_eq!(reference.json(&["demo"])["loaded"], true);
    let conn = reference.db();
    let full = demo_counts(&conn);
    assert!(
        full.values().all(|&n| n > 0),
        "the demo fills every table it writes: {full:?}"
    );
    assert!(demo_flag(&conn));
    full
}

/// Loading the demo again, twice, leaves exactly one demo.
fn demo_completes_exactly_once(g: &Garage, full: &BTreeMap<&str, i64>, what: &str) {
    assert_eq!(g.json(&["demo"])["loaded"], true, "{what}: reload");
    assert_eq!(g.json(&["demo"])["loaded"], false, "{what}: second reload");
    let conn = g.db();
    assert_eq!(demo_counts(&conn), *full, "{what}: after reloading");
    assert_eq!(integrity(&conn), "ok", "{what}: after reloading");
}

#[test]
fn concurrent_writers_lose_no_ride_and_keep_wear_exact() {
    const WRITERS: usize = 4;
    const RIDES_EACH: usize = 8;
    let g = Garage::new();
    let bike = g.json(&["bike", "add", "Shared"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let chain = g.json(&[
        "component",
        "add",
        "--kind",
        "chain",
        "--bike",
        &bike,
        "--installed",
        "2025-01-01",
    ]);
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
    std::thread::scope(|writers| {
        for w in 0..WRITERS {
            let (g, bike) = (&g, &bike);
            writers.spawn(move || {
                for i in 0..RIDES_EACH {
                    let date = format!("2025-02-{:02}", 1 + i);
                    let name = format!("writer {w} ride {i}");
                    let out = g.run(&[
                        "ride",
                        "add",
                        "--bike",
                        bike,
                        "--date",
                        &date,
                        "--distance",
                        "10",
                        "--name",
                        &name,
                    ]);
                    assert!(
                        out.status.success(),
                        "writer {w}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            });
        }
    });

    let total = (WRITERS * RIDES_EACH) as i64;
    let conn = g.db();
    assert_eq!(count(&conn, "rides"), total);
    let due = g.json(&["due"]);
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
fn a_demo_load_aborted_while_importing_or_before_its_commit_leaves_nothing_and_loads_again() {
    let full = undisturbed_demo();
    let rides = full["rides"] as usize;
    assert!(rides > 50, "the demo imports more than 50 rides: {rides}");

    // After the first imported ride, one in the middle, the last-but-one and the last; then with
    // everything written; then at the commit itself (the demo is the command's only write).
    let mut kills: Vec<(&str, usize)> = [1, 50, rides - 1, rides]
        .into_iter()
        .map(|k| ("rides.import.after_ride", k))
        .collect();
    kills.push(("demo.before_commit", 1));
    kills.push(("store.before_commit", 1));

    for (point, nth) in kills {
        let what = format!("demo aborted at {point}:{nth}");
        let g = Garage::new();
        // The garage exists and is current, so the abort lands in the demo, not in its creation.
        assert_eq!(g.json(&["bikes"]), Value::Array(vec![]));
        run_aborted_at(&g, point, nth, &["demo"]);

        let conn = g.db();
        assert_eq!(integrity(&conn), "ok", "{what}");
        assert_eq!(
            demo_counts(&conn),
            no_demo(),
            "{what}: something of it was kept"
        );
        assert!(!demo_flag(&conn), "{what}: marked as loaded");
        drop(conn);
        demo_completes_exactly_once(&g, &full, &what);
    }
}

#[test]
fn a_ride_add_aborted_before_its_commit_stores_no_ride() {
    let g = Garage::new();
    let bike = g.json(&["bike", "add", "Commuter"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    g.json(&[
        "ride",
        "add",
        "--bike",
        &bike,
        "--distance",
        "12",
        "--name",
        "kept",
    ]);
    let add = |name: &'static str| {
        [
            "ride",
            "add",
            "--bike",
            bike.as_str(),
            "--date",
            "2025-03-01",
            "--distance",
            "30",
            "--name",
            name,
        ]
    };

    run_aborted_at(&g, "store.before_commit", 1, &add("lost"));
    let names = |conn: &Connection| -> Vec<String> {
        conn.prepare("SELECT name FROM rides ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let conn = g.db();
    assert_eq!(integrity(&conn), "ok");
    assert_eq!(names(&conn), ["kept"], "the aborted ride was stored");
    assert_eq!(count(&conn, "bikes"), 1);
    drop(conn);

    // That commit was the command's only one: armed for a second, the same command completes.
    let out = g.run_with(&add("landed"), &[(faults::ENV, "store.before_commit:2")]);
    assert!(
        out.status.success(),
        "ride add passed store.before_commit more than once: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = g.db();
    assert_eq!(names(&conn), ["kept", "landed"]);
    assert_eq!(integrity(&conn), "ok");
}

#[test]
fn an_upgrade_aborted_after_any_migration_step_leaves_the_v1_garage_as_it_was() {
    let latest = store::latest_version();
    assert!(latest >= 3, "a v1 garage has at least two steps to go");
    // Every step a v1 garage goes through: v1 → v2 is step 1, v2 → v3 step 2, …
    for step in 1..latest {
        let what = format!("upgrade aborted at migration.step_applied:{step}");
        let g = Garage::new();
        let path = g.file(DB_FILE);
        let before = fixtures::v1_garage(&path);
        let v1_tables = tables(&Connection::open(&path).unwrap());

        run_aborted_at(&g, "migration.step_applied", step, &["bikes"]);

        let conn = Connection::open(&path).unwrap();
        assert_eq!(integrity(&conn), "ok", "{what}");
        assert_eq!(fixtures::user_version(&conn), 1, "{what}");
        assert_eq!(tables(&conn), v1_tables, "{what}: tables changed");
        assert_eq!(
            Snapshot::of(&conn),
            before,
            "{what}: v1 rows or columns changed"
        );
        drop(conn);

        // A normal open upgrades it, every row kept.
        let bikes = g.json(&["bikes"]);
        assert_eq!(bikes.as_array().map(Vec::len), Some(2), "{what}: {bikes}");
        let conn = Connection::open(&path).unwrap();
        assert_eq!(fixtures::user_version(&conn), latest, "{what}: reopened");
        assert_eq!(
            before.rows_now(&conn),
            before.rows,
            "{what}: rows lost upgrading"
        );
        assert_eq!(integrity(&conn), "ok", "{what}: reopened");
    }

    // Those were all the steps: armed for one more, the upgrade completes.
    let g = Garage::new();
    fixtures::v1_garage(&g.file(DB_FILE));
    let out = g.run_with(
        &["--json", "bikes"],
        &[(faults::ENV, &format!("migration.step_applied:{latest}"))],
    );
    assert!(
        out.status.success(),
        "a v1 garage went through more than {} steps: {}",
        latest - 1,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fixtures::user_version(&g.db()), latest);
}

/// What a demo load killed at an arbitrary moment may leave behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Left {
    NoFile,
    NoTables,
    EmptyGarage,
    CompleteDemo,
}

#[test]
fn a_demo_load_killed_at_a_random_moment_leaves_all_or_nothing() {
    let full = undisturbed_demo();
    let latest = store::latest_version();

    // Kill moments spread over the process's life (start, creating the file, migrating, loading,
    // exiting); timing decides where each lands, so every possible outcome is checked in full.
    let delays_ms: Vec<u64> = (0..=40).step_by(2).chain([50, 70, 100, 400]).collect();
    let mut seen = BTreeMap::<Left, usize>::new();
    for delay_ms in delays_ms {
        let what = format!("killed after {delay_ms} ms");
        let g = Garage::new();
        let mut demo = g.spawn(&["demo"]);
        std::thread::sleep(Duration::from_millis(delay_ms)); // chooses the kill moment; not a synchronisation
        demo.kill(); // SIGKILL; it may already have finished

        let path = g.file(DB_FILE);
        let left = if !path.exists() {
            Left::NoFile
        } else {
            let conn = g.db();
            assert_eq!(integrity(&conn), "ok", "{what}");
            let left = if tables(&conn).is_empty() {
                // Killed before the first upgrade committed: nothing of the schema either.
                assert_eq!(
                    fixtures::user_version(&conn),
                    0,
                    "{what}: a version without tables"
                );
                Left::NoTables
            } else {
                // The schema commits as a whole, so a file with tables is at the latest version.
                assert_eq!(
                    fixtures::user_version(&conn),
                    latest,
                    "{what}: half an upgrade"
                );
                let now = demo_counts(&conn);
                if now == no_demo() {
                    assert!(
                        !demo_flag(&conn),
                        "{what}: an empty garage marked as loaded"
                    );
                    Left::EmptyGarage
                } else {
                    assert_eq!(now, full, "{what}: half a demo");
                    assert!(demo_flag(&conn), "{what}: a full demo not marked as loaded");
                    Left::CompleteDemo
                }
            };
            assert_eq!(integrity(&conn), "ok", "{what}");
            left
        };
        *seen.entry(left).or_default() += 1;
        if left == Left::CompleteDemo {
            assert_eq!(g.json(&["demo"])["loaded"], false, "{what}");
            assert_eq!(demo_counts(&g.db()), full, "{what}");
        } else {
            demo_completes_exactly_once(&g, &full, &what);
        }
    }
    println!("outcomes of random kills: {seen:?}");
}

#[test]
fn two_demo_loads_at_once_add_the_demo_once_and_both_succeed() {
    let g = Garage::new();
    // Create the database first so both processes race on the demo, not on the first migration.
    g.json(&["bikes"]);
    let children: Vec<_> = (0..2).map(|_| g.spawn(&["--json", "demo"])).collect();
    let mut loaded = Vec::new();
    for child in children {
        let out = child.output();
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
    let conn = g.db();
    assert_eq!(count(&conn, "bikes"), 3);
    assert_eq!(integrity(&conn), "ok");
}

#[test]
fn a_write_interrupted_by_a_panic_is_rolled_back_and_later_writes_land() {
    use pedalwrencher_core::garage::bikes::{self, NewBike};
    use pedalwrencher_core::Store;

    let g = Garage::new();
    let mut store = Store::open_dir(g.path()).unwrap();
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
    let names: Vec<String> = g
        .db()
        .prepare("SELECT name FROM bikes")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names, ["After"]);
}
