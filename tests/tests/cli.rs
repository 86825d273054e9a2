//! `pedalwrencher-cli` driven as a rider or a script would drive it: real binary, real SQLite file
//! in a temporary folder, outcomes read back through `--json` and straight from the database.
//!
//! The binary belongs to another workspace package (`pedalwrencher-core`), so `cargo test` does not
//! build it for us: `cargo build -p pedalwrencher-core` first (the Makefile does).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use pedalwrencher_tests::{cli_path, sql};
use predicates::prelude::*;
use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;

const DB_FILE: &str = "pedalwrencher.sqlite3";
const M_PER_MI: f64 = 1_609.344;

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// The binary with a hermetic environment but no data folder.
fn bare_cmd() -> Command {
    let mut cmd = Command::new(cli_path());
    cmd.env_remove("PEDALWRENCHER_DATA_DIR")
        .env("PEDALWRENCHER_UNITS", "metric")
        // Dates are typed and shown in local time; pin it so messages are the same everywhere.
        .env("TZ", "UTC");
    cmd
}

/// The same hermetic command as `std::process::Command`, for tests that choose where stdout goes.
fn std_cmd(data_dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(cli_path());
    cmd.env_remove("PEDALWRENCHER_DATA_DIR")
        .env("PEDALWRENCHER_UNITS", "metric")
        .env("TZ", "UTC")
        .arg("--data-dir")
        .arg(data_dir);
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("the CLI writes UTF-8")
}

fn no_panic() -> impl Predicate<str> {
    predicate::str::contains("panicked").not()
}

/// One garage in its own temporary folder.
struct Garage {
    dir: TempDir,
}

impl Garage {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn cmd(&self) -> Command {
        let mut cmd = bare_cmd();
        cmd.arg("--data-dir").arg(self.path());
        cmd
    }

    /// Runs a command that must succeed; returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let assert = self.cmd().args(args).assert().success().stderr(no_panic());
        text(&assert.get_output().stdout)
    }

    /// Runs a command with `--json`; returns the parsed output.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ok(&all);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("`{}` did not print JSON ({e}):\n{out}", args.join(" ")))
    }

    /// Runs a command that must fail with `code`, saying `needle` on stderr and nothing on stdout.
    fn fails(&self, args: &[&str], code: i32, needle: &str) -> String {
        let assert = self
            .cmd()
            .args(args)
            .assert()
            .code(code)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(needle).and(no_panic()));
        text(&assert.get_output().stderr)
    }

    /// Like `fails`, and the database is exactly as it was before, and still sound.
    fn rejects(&self, args: &[&str], code: i32, needle: &str) -> String {
        let counts = self.counts();
        let before = self.snapshot();
        let stderr = self.fails(args, code, needle);
        assert!(
            stderr.starts_with("error:"),
            "`{}`: stderr should start with 'error:':\n{stderr}",
            args.join(" ")
        );
        assert_eq!(
            self.counts(),
            counts,
            "`{}` changed row counts",
            args.join(" ")
        );
        assert_eq!(
            self.snapshot(),
            before,
            "`{}` changed the database",
            args.join(" ")
        );
        self.assert_integrity();
        stderr
    }

    fn db(&self) -> Connection {
        let path = self.path().join(DB_FILE);
        assert!(path.is_file(), "no database at {}", path.display());
        Connection::open(path).expect("the garage database opens")
    }

    fn count(&self, table: &str) -> i64 {
        sql::count(&self.db(), table)
    }

    fn counts(&self) -> BTreeMap<&'static str, i64> {
        [
            "bikes",
            "components",
            "installations",
            "rides",
            "rules",
            "services",
            "rule_usage",
            "meta",
        ]
        .into_iter()
        .map(|t| (t, self.count(t)))
        .collect()
    }

    /// Every row of every table, as text.
    fn snapshot(&self) -> BTreeMap<String, Vec<String>> {
        let conn = self.db();
        sql::tables(&conn)
            .into_iter()
            .map(|t| {
                let rows = sql::rows(&conn, &t);
                (t, rows)
            })
            .collect()
    }

    fn assert_integrity(&self) {
        assert_eq!(sql::integrity(&self.db()), "ok");
    }

    fn add_bike(&self, name: &str) -> String {
        id_of(&self.json(&["bike", "add", name]))
    }

    /// Adds a component; returns its id and its rules' ids by task.
    fn add_component(&self, args: &[&str]) -> (String, BTreeMap<String, String>) {
        let mut all = vec!["component", "add"];
        all.extend_from_slice(args);
        let out = self.json(&all);
        let rules = out["rules"]
            .as_array()
            .expect("rules array")
            .iter()
            .map(|r| (str_of(&r["task"]), str_of(&r["id"])))
            .collect();
        (str_of(&out["component"]["id"]), rules)
    }

    fn add_ride(&self, bike: Option<&str>, date: &str, km: &str, extra: &[&str]) -> String {
        let mut args = vec!["ride", "add", "--date", date, "--distance", km];
        if let Some(b) = bike {
            args.extend(["--bike", b]);
        }
        args.extend_from_slice(extra);
        id_of(&self.json(&args))
    }

    fn due(&self) -> Vec<Value> {
        self.json(&["due"])
            .as_array()
            .expect("due prints an array")
            .clone()
    }

    fn status_of(&self, rule: &str) -> Value {
        self.due()
            .into_iter()
            .find(|r| r["rule_id"] == rule)
            .unwrap_or_else(|| panic!("rule {rule} is not in `due`"))
    }

    fn used(&self, rule: &str) -> f64 {
        num(&self.status_of(rule)["used"])
    }

    fn state(&self, rule: &str) -> String {
        str_of(&self.status_of(rule)["state"])
    }

    fn bikes(&self) -> Vec<Value> {
        self.json(&["bikes"])
            .as_array()
            .expect("bikes prints an array")
            .clone()
    }

    fn bike(&self, id: &str) -> Value {
        self.bikes()
            .into_iter()
            .find(|b| b["id"] == id)
            .unwrap_or_else(|| panic!("bike {id} not listed"))
    }
}

fn str_of(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
        .to_owned()
}

fn num(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("expected a number, got {v}"))
}

fn id_of(v: &Value) -> String {
    str_of(&v["id"])
}

/// A garage with two bikes, a chain (with the preset's two rules) on the first since 2025-01-01,
/// and one 42 km ride on it.
struct Fixture {
    g: Garage,
    road: String,
    gravel: String,
    chain: String,
    replace: String,
    lube: String,
    ride: String,
}

fn fixture() -> Fixture {
    let g = Garage::new();
    let road = g.add_bike("Road");
    let gravel = g.add_bike("Gravel");
    let (chain, rules) = g.add_component(&[
        "--kind",
        "chain",
        "--bike",
        &road,
        "--installed",
        "2025-01-01",
    ]);
    let ride = g.add_ride(Some(&road), "2025-01-10", "42", &[]);
    Fixture {
        replace: rules["Replace"].clone(),
        lube: rules["Clean and lube"].clone(),
        g,
        road,
        gravel,
        chain,
        ride,
    }
}

// ---------------------------------------------------------------------------------------------
// Demo and data folder
// ---------------------------------------------------------------------------------------------

#[test]
fn demo_loads_once_and_a_second_run_adds_nothing() {
    let g = Garage::new();
    let first = g.ok(&["demo"]);
    assert!(first.contains("Loaded the demo garage"), "{first}");

    let bikes = g.bikes();
    let due = g.due();
    let counts = g.counts();
    assert_eq!(bikes.len(), 3);
    assert_eq!(counts["bikes"], 3);
    assert_eq!(counts["components"], 16);
    assert!(
        counts["rides"] > 50,
        "a year of rides, got {}",
        counts["rides"]
    );
    assert!(counts["rules"] >= 16 && !due.is_empty());
    assert_eq!(
        due.len() as i64,
        counts["rules"],
        "every demo rule is on a part in service"
    );

    assert_eq!(g.json(&["demo"]), serde_json::json!({ "loaded": false }));
    let again = g.ok(&["demo"]);
    assert!(again.contains("already loaded"), "{again}");

    assert_eq!(g.bikes().len(), bikes.len());
    assert_eq!(g.due().len(), due.len());
    assert_eq!(g.counts(), counts, "a second demo must not add rows");
    for table in ["bikes", "components", "rides", "rules"] {
        assert_eq!(g.count(table), counts[table], "{table}");
    }
    g.assert_integrity();
}

#[test]
fn data_dir_env_var_is_used_without_the_flag_and_the_flag_wins_over_it() {
    let from_env = tempfile::tempdir().unwrap();
    let env_cmd = || {
        let mut cmd = bare_cmd();
        cmd.env("PEDALWRENCHER_DATA_DIR", from_env.path());
        cmd
    };
    env_cmd()
        .args(["bike", "add", "Env bike"])
        .assert()
        .success()
        .stderr(no_panic());
    assert!(
        from_env.path().join(DB_FILE).is_file(),
        "the database goes into $PEDALWRENCHER_DATA_DIR"
    );

    let out = env_cmd().args(["--json", "status"]).assert().success();
    let status: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        PathBuf::from(str_of(&status["database"])),
        from_env.path().join(DB_FILE)
    );
    assert_eq!(status["bikes"], 1);

    // --data-dir beats the environment.
    let flag = Garage::new();
    let out = env_cmd()
        .arg("--data-dir")
        .arg(flag.path())
        .args(["--json", "bikes"])
        .assert()
        .success();
    let listed: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(listed, serde_json::json!([]));
    assert!(flag.path().join(DB_FILE).is_file());
    let out = env_cmd().args(["--json", "bikes"]).assert().success();
    let listed: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(listed[0]["name"], "Env bike");
}

#[test]
fn an_unusable_data_folder_is_an_error_that_names_it_once_and_says_what_to_do() {
    let g = Garage::new();
    // Root ignores permissions, so make the paths unusable by their type instead.
    let file = g.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let out = bare_cmd()
        .arg("--data-dir")
        .arg(&file)
        .arg("bikes")
        .assert()
        // A folder that cannot be created is a failure of the machine, not input to correct.
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(no_panic());
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains("cannot create the data folder"), "{stderr}");
    assert!(
        stderr.contains("--data-dir or PEDALWRENCHER_DATA_DIR"),
        "{stderr}"
    );

    let db_is_a_folder = g.path().join("garage");
    std::fs::create_dir_all(db_is_a_folder.join(DB_FILE)).unwrap();
    let out = bare_cmd()
        .arg("--data-dir")
        .arg(&db_is_a_folder)
        .arg("bikes")
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(no_panic());
    let stderr = text(&out.get_output().stderr);
    let db = db_is_a_folder.join(DB_FILE).display().to_string();
    assert!(
        stderr.contains("could not open the garage database at"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches(&db).count(),
        1,
        "the path once, not twice: {stderr}"
    );
    assert!(stderr.contains("writable"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Listings
// ---------------------------------------------------------------------------------------------

#[test]
fn bikes_json_reports_fields_and_ride_totals_per_bike() {
    let g = Garage::new();
    let road = id_of(&g.json(&[
        "bike",
        "add",
        "Road",
        "--kind",
        "road",
        "--strava-gear-id",
        "b1234567",
    ]));
    let spare = g.add_bike("Spare");
    g.add_ride(Some(&road), "2025-01-10", "10", &["--time", "0:30"]);
    g.add_ride(Some(&road), "2025-01-11", "5.5", &["--time", "15m"]);
    g.add_ride(None, "2025-01-12", "99", &[]); // unassigned: on no bike's total
    g.json(&["bike", "retire", &spare]);

    let bikes = g.bikes();
    assert_eq!(bikes.len(), 2);
    for b in &bikes {
        assert!(b["id"].is_string() && b["name"].is_string(), "{b}");
        assert!(
            b["strava_gear_id"].is_string() || b["strava_gear_id"].is_null(),
            "{b}"
        );
        assert!(b["retired"].is_boolean(), "{b}");
        assert!(b["rides"].is_i64(), "{b}");
        assert!(
            b["distance_m"].is_number() && b["moving_time_s"].is_number(),
            "{b}"
        );
    }
    let r = g.bike(&road);
    assert_eq!(r["name"], "Road");
    assert_eq!(r["strava_gear_id"], "b1234567");
    assert_eq!(r["retired"], false);
    assert_eq!(r["rides"], 2);
    assert_eq!(num(&r["distance_m"]), 15_500.0);
    assert_eq!(num(&r["moving_time_s"]), 2_700.0);

    let s = g.bike(&spare);
    assert_eq!(s["strava_gear_id"], Value::Null);
    assert_eq!(s["retired"], true);
    assert_eq!(s["rides"], 0);
    assert_eq!(num(&s["distance_m"]), 0.0);
    assert_eq!(
        bikes.last().unwrap()["id"],
        spare.as_str(),
        "retired bikes list last"
    );
}

#[test]
fn bikes_table_has_headers_and_distances_in_km() {
    let g = Garage::new();
    assert!(g.ok(&["bikes"]).contains("No bikes yet"));
    let road = g.add_bike("Road");
    g.add_ride(Some(&road), "2025-01-10", "1234.4", &["--time", "40h"]);

    let out = g.ok(&["bikes"]);
    let lines: Vec<&str> = out.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "NAME", "KIND", "RIDES", "DISTANCE", "MOVING", "STRAVA", "RETIRED"],
        "{out}"
    );
    assert!(
        lines[1].starts_with("--") && lines[1].chars().all(|c| c == '-' || c == ' '),
        "{out}"
    );
    let row = lines
        .iter()
        .find(|l| l.contains(&road))
        .unwrap_or_else(|| panic!("no row for the bike:\n{out}"));
    assert!(
        row.contains("Road") && row.contains("1,234 km") && row.contains("40.0 h"),
        "{row}"
    );
}

#[test]
fn due_json_has_the_documented_fields_and_values() {
    let g = Garage::new();
    g.ok(&["demo"]);
    let (shelf, _) = g.add_component(&["--kind", "sealant"]); // on the shelf: no bike
    let due = g.due();
    assert!(due.len() > 16);
    let metrics = [
        "distance_m",
        "moving_time_s",
        "rides",
        "elevation_m",
        "energy_kj",
        "days",
    ];
    for r in &due {
        assert!(
            r["rule_id"].is_string() && r["component"].is_string(),
            "{r}"
        );
        assert!(r["bike"].is_string() || r["bike"].is_null(), "{r}");
        assert!(
            metrics.contains(&r["metric"].as_str().unwrap_or("?")),
            "{r}"
        );
        let (interval, used, remaining) =
            (num(&r["interval"]), num(&r["used"]), num(&r["remaining"]));
        assert!(interval > 0.0 && used >= 0.0, "{r}");
        assert!(
            (interval - used - remaining).abs() < 1e-6,
            "remaining = interval - used: {r}"
        );
        let expected = if used >= interval {
            "due"
        } else if used >= num(&r["warn_fraction"]) * interval {
            "due_soon"
        } else {
            "ok"
        };
        assert_eq!(r["state"], expected, "{r}");
    }
    let on_shelf = due
        .iter()
        .find(|r| r["component_id"] == shelf.as_str())
        .expect("shelf parts are listed");
    assert_eq!(
        (on_shelf["bike"].clone(), on_shelf["component"].clone()),
        (Value::Null, Value::from("Tubeless sealant"))
    );
    assert_eq!(
        (on_shelf["metric"].clone(), num(&on_shelf["used"])),
        (Value::from("days"), 0.0),
        "never mounted: no age yet"
    );
    for m in ["distance_m", "moving_time_s", "days"] {
        assert!(
            due.iter().any(|r| r["metric"] == m),
            "the demo has a {m} rule"
        );
    }
}

#[test]
fn due_table_has_headers_and_shows_wear_in_km() {
    let f = fixture();
    f.g.add_ride(Some(&f.road), "2025-01-11", "2458", &[]); // 2,500 km in all
    let out = f.g.ok(&["due"]);
    let lines: Vec<&str> = out.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "RULE",
            "BIKE",
            "COMPONENT",
            "TASK",
            "USED",
            "INTERVAL",
            "LEFT",
            "STATE"
        ],
        "{out}"
    );
    let replace = lines
        .iter()
        .find(|l| l.starts_with(&f.replace))
        .unwrap_or_else(|| panic!("{out}"));
    for cell in [
        "Road", "Chain", "Replace", "2,500 km", "3,000 km", "500 km", "due soon",
    ] {
        assert!(replace.contains(cell), "missing {cell:?} in {replace:?}");
    }
    let lube = lines
        .iter()
        .find(|l| l.starts_with(&f.lube))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        lube.contains("over 2,200 km") && lube.ends_with("DUE"),
        "{lube:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The garage, end to end
// ---------------------------------------------------------------------------------------------

#[test]
fn chain_goes_ok_due_soon_due_and_done_restarts_its_counter() {
    let g = Garage::new();
    let road = g.add_bike("Road");
    let out = g.json(&[
        "component",
        "add",
        "--kind",
        "chain",
        "--bike",
        &road,
        "--installed",
        "2025-01-01",
    ]);
    assert_eq!(out["component"]["kind"], "chain");
    let rules = out["rules"].as_array().unwrap();
    let by_task = |task: &str| {
        rules
            .iter()
            .find(|r| r["task"] == task)
            .unwrap_or_else(|| panic!("no {task}"))
    };
    assert_eq!(rules.len(), 2);
    assert_eq!(by_task("Replace")["metric"], "distance_m");
    assert_eq!(num(&by_task("Replace")["interval"]), 3_000_000.0);
    assert_eq!(num(&by_task("Clean and lube")["interval"]), 300_000.0);
    let replace = str_of(&by_task("Replace")["id"]);
    let lube = str_of(&by_task("Clean and lube")["id"]);

    let s = g.status_of(&replace);
    assert_eq!(
        (s["bike"].clone(), s["component"].clone()),
        (Value::from("Road"), Value::from("Chain"))
    );
    assert_eq!(
        (g.used(&replace), g.state(&replace)),
        (0.0, "ok".to_owned())
    );

    g.add_ride(Some(&road), "2025-01-10", "2000", &[]);
    assert_eq!(
        (g.used(&replace), g.state(&replace)),
        (2_000_000.0, "ok".to_owned())
    );
    assert_eq!(g.state(&lube), "due");

    g.add_ride(Some(&road), "2025-01-20", "400", &[]);
    assert_eq!(
        (g.used(&replace), g.state(&replace)),
        (2_400_000.0, "due_soon".to_owned())
    );
    assert_eq!(num(&g.status_of(&replace)["remaining"]), 600_000.0);

    g.add_ride(Some(&road), "2025-01-30", "600", &[]);
    assert_eq!(
        (g.used(&replace), g.state(&replace)),
        (3_000_000.0, "due".to_owned())
    );
    g.add_ride(Some(&road), "2025-02-10", "100", &[]);
    assert_eq!(num(&g.status_of(&replace)["remaining"]), -100_000.0);
    assert_eq!(g.json(&["due", "--attention"]).as_array().unwrap().len(), 2);

    // Done on 2025-02-05: only the ride after it still counts.
    let msg = g.ok(&[
        "done",
        &replace,
        "--date",
        "2025-02-05",
        "--cost",
        "24.90",
        "--notes",
        "new KMC",
    ]);
    assert!(msg.contains("Marked done on 2025-02-05"), "{msg}");
    assert_eq!(
        (g.used(&replace), g.state(&replace)),
        (100_000.0, "ok".to_owned())
    );
    assert_eq!(g.used(&lube), 3_100_000.0, "the other rule keeps counting");
    let service: (i64, String) = g
        .db()
        .query_row(
            "SELECT cost_cents, notes FROM services WHERE rule_id = ?1",
            [&replace],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(service, (2490, "new KMC".to_owned()));

    // Done again after every ride: zero, then later rides count again.
    g.ok(&["done", &replace, "--date", "2025-02-20"]);
    assert_eq!(g.used(&replace), 0.0);
    g.add_ride(Some(&road), "2025-02-25", "50", &[]);
    assert_eq!(g.used(&replace), 50_000.0);
    assert_eq!(g.count("services"), 2);
    g.assert_integrity();
}

#[test]
fn imperial_distances_are_stored_as_metres() {
    let g = Garage::new();
    let road = g.add_bike("Road");
    let ride = id_of(&g.json(&[
        "--units",
        "imperial",
        "ride",
        "add",
        "--bike",
        &road,
        "--date",
        "2025-01-10",
        "--distance",
        "10",
        "--elevation",
        "1000",
    ]));
    let (distance, elevation): (f64, f64) = g
        .db()
        .query_row(
            "SELECT distance_m, elevation_m FROM rides WHERE id = ?1",
            [&ride],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!((distance - 10.0 * M_PER_MI).abs() < 1e-9, "{distance}");
    assert!((elevation - 304.8).abs() < 1e-9, "{elevation}");
    assert!((num(&g.bike(&road)["distance_m"]) - 16_093.44).abs() < 1e-9);

    // The environment variable chooses units too; output is in them.
    let out = g
        .cmd()
        .env("PEDALWRENCHER_UNITS", "imperial")
        .arg("bikes")
        .assert()
        .success();
    assert!(text(&out.get_output().stdout).contains("10 mi"));
    assert!(
        g.ok(&["bikes"]).contains("16 km"),
        "metric is the default here"
    );

    // Intervals typed in miles too.
    let (custom, _) = g.add_component(&[
        "--kind",
        "custom",
        "--name",
        "Wheel",
        "--bike",
        &road,
        "--installed",
        "2025-01-01",
    ]);
    let rule = id_of(&g.json(&[
        "--units", "imperial", "rule", "add", &custom, "--task", "True", "--metric", "distance",
        "--every", "100",
    ]));
    let s = g.status_of(&rule);
    assert!((num(&s["interval"]) - 100.0 * M_PER_MI).abs() < 1e-6);
    assert!((num(&s["used"]) - 10.0 * M_PER_MI).abs() < 1e-9);
}

#[test]
fn custom_rule_with_outdoor_filter_ignores_indoor_rides() {
    let g = Garage::new();
    let bike = g.add_bike("Trainer bike");
    let (hub, rules) = g.add_component(&[
        "--kind",
        "custom",
        "--name",
        "Rear hub",
        "--bike",
        &bike,
        "--installed",
        "2025-01-01",
    ]);
    assert!(rules.is_empty(), "custom has no preset rules");

    let outdoor = g.json(&[
        "rule",
        "add",
        &hub,
        "--task",
        "Service hub",
        "--metric",
        "moving_time",
        "--every",
        "50",
        "--filter",
        "outdoor",
    ]);
    assert_eq!(num(&outdoor["interval"]), 180_000.0, "50 hours in seconds");
    assert_eq!(outdoor["filter"], "outdoor");
    assert_eq!(outdoor["metric"], "moving_time_s");
    let outdoor = id_of(&outdoor);
    let all = id_of(&g.json(&[
        "rule", "add", &hub, "--task", "Check", "--metric", "hours", "--every", "50",
    ]));
    let indoor = id_of(&g.json(&[
        "rule",
        "add",
        &hub,
        "--task",
        "Wipe sweat",
        "--metric",
        "time",
        "--every",
        "10",
        "--filter",
        "indoor",
    ]));
    let rides = id_of(&g.json(&[
        "rule", "add", &hub, "--task", "Look", "--metric", "rides", "--every", "3", "--warn", "0.5",
    ]));

    g.add_ride(Some(&bike), "2025-01-10", "30", &["--time", "2:00"]);
    g.add_ride(
        Some(&bike),
        "2025-01-11",
        "40",
        &["--time", "1h30m", "--indoor"],
    );

    assert_eq!(g.used(&outdoor), 7_200.0);
    assert_eq!(g.used(&indoor), 5_400.0);
    assert_eq!(g.used(&all), 12_600.0);
    assert_eq!(g.used(&rides), 2.0);
    assert_eq!(
        g.state(&rides),
        "due_soon",
        "2 of 3 rides with a 0.5 warning"
    );

    // Editing the interval keeps the wear and re-evaluates the state.
    g.json(&["rule", "edit", &rides, "--every", "2"]);
    assert_eq!(g.state(&rides), "due");
    g.json(&["rule", "delete", &rides]);
    assert!(g.due().iter().all(|r| r["rule_id"] != rides.as_str()));
}

#[test]
fn usage_follows_a_component_across_bikes_and_back_dated_installations() {
    let g = Garage::new();
    let a = g.add_bike("A");
    let b = g.add_bike("B");
    let (chain, rules) =
        g.add_component(&["--kind", "chain", "--bike", &a, "--installed", "2025-01-01"]);
    let replace = &rules["Replace"];

    g.add_ride(Some(&a), "2025-01-10", "100", &[]); // on A while mounted: counts
    g.add_ride(Some(&b), "2025-01-20", "30", &[]); // on B before the move: not
    let moved = g.json(&[
        "component",
        "move",
        &chain,
        "--bike",
        &b,
        "--at",
        "2025-02-01",
    ]);
    assert_eq!(moved["bike_id"], b.as_str());
    g.add_ride(Some(&a), "2025-02-10", "50", &[]); // on A after the move: not
    g.add_ride(Some(&b), "2025-02-15", "70", &[]); // on B after the move: counts
    assert_eq!(g.used(replace), 170_000.0);
    assert_eq!(g.status_of(replace)["bike"], "B");

    let removed = g.json(&["component", "remove", &chain, "--at", "2025-03-01"]);
    assert_eq!(removed["removed_from"], b.as_str());
    g.add_ride(Some(&b), "2025-03-05", "40", &[]); // on the shelf: not
    assert_eq!(g.used(replace), 170_000.0);
    assert_eq!(g.status_of(replace)["bike"], Value::Null);

    // A finished installation back in December, with a ride logged before and one after it.
    g.add_ride(Some(&b), "2024-12-15", "20", &[]);
    let back = g.json(&[
        "component",
        "install",
        &chain,
        "--bike",
        &b,
        "--at",
        "2024-12-01",
        "--until",
        "2024-12-31",
    ]);
    assert!(back["removed_at"].is_i64());
    assert_eq!(g.used(replace), 190_000.0);
    g.add_ride(Some(&b), "2024-12-20", "5", &[]);
    assert_eq!(g.used(replace), 195_000.0);
    // Half-open spans: ending on 2025-01-01 meets the A installation without overlapping it.
    g.json(&[
        "component",
        "install",
        &chain,
        "--bike",
        &b,
        "--at",
        "2024-12-31",
        "--until",
        "2025-01-01",
    ]);

    g.json(&[
        "component",
        "install",
        &chain,
        "--bike",
        &a,
        "--at",
        "2025-03-10",
    ]);
    g.add_ride(Some(&a), "2025-03-15", "10", &[]);
    assert_eq!(g.used(replace), 205_000.0);
    let listed = g.json(&["components", "--bike", &a]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], chain.as_str());
    assert_eq!(g.count("installations"), 5);
    g.assert_integrity();
}

#[test]
fn assigning_an_unassigned_ride_adds_its_wear_and_unassigning_takes_it_back() {
    let f = fixture();
    let g = &f.g;
    assert_eq!(g.used(&f.replace), 42_000.0);
    let loose = g.add_ride(None, "2025-01-15", "40", &[]);
    let early = g.add_ride(None, "2024-12-01", "500", &[]); // before the chain was mounted
    assert_eq!(
        g.json(&["rides", "--unassigned"]).as_array().unwrap().len(),
        2
    );
    assert_eq!(g.json(&["status"])["unassigned_rides"], 2);

    let assigned = g.json(&["ride", "assign", &loose, "--bike", &f.road]);
    assert_eq!(assigned["bike_id"], f.road.as_str());
    assert_eq!(g.used(&f.replace), 82_000.0);
    assert_eq!(g.bike(&f.road)["rides"], 2);

    g.json(&["ride", "assign", &early, "--bike", &f.road]);
    assert_eq!(
        g.used(&f.replace),
        82_000.0,
        "a ride before the installation does not wear the chain"
    );
    assert_eq!(
        num(&g.bike(&f.road)["distance_m"]),
        582_000.0,
        "but it is on the bike"
    );

    // Moving a ride between bikes moves its wear.
    g.json(&["ride", "assign", &loose, "--bike", &f.gravel]);
    assert_eq!(g.used(&f.replace), 42_000.0);
    g.json(&["ride", "assign", &loose, "--unassign"]);
    assert_eq!(g.used(&f.replace), 42_000.0);
    assert_eq!(g.json(&["rides", "--unassigned"])[0]["id"], loose.as_str());
}

#[test]
fn deleting_a_ride_takes_its_wear_back() {
    let f = fixture();
    let g = &f.g;
    let extra = g.add_ride(Some(&f.road), "2025-01-12", "25", &[]);
    assert_eq!(g.used(&f.replace), 67_000.0);

    assert_eq!(
        g.json(&["ride", "delete", &extra]),
        serde_json::json!({ "deleted": true })
    );
    assert_eq!(g.used(&f.replace), 42_000.0);
    assert_eq!(g.used(&f.lube), 42_000.0);
    let bike = g.bike(&f.road);
    assert_eq!(
        (bike["rides"].clone(), num(&bike["distance_m"])),
        (Value::from(1), 42_000.0)
    );
    assert!(g
        .json(&["rides"])
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != extra.as_str()));
    // Soft-deleted: kept for sync, out of every total.
    let gone: bool = g
        .db()
        .query_row(
            "SELECT deleted_at IS NOT NULL FROM rides WHERE id = ?1",
            [&extra],
            |r| r.get(0),
        )
        .unwrap();
    assert!(gone);

    g.rejects(&["ride", "delete", &extra], 1, "no ride has the id");
}

#[test]
fn editing_a_ride_moves_its_wear_with_the_new_distance_and_date() {
    let f = fixture();
    let g = &f.g;
    assert_eq!(g.used(&f.replace), 42_000.0);

    let r = g.json(&[
        "ride",
        "edit",
        &f.ride,
        "--distance",
        "50",
        "--name",
        "Hill repeats",
    ]);
    assert_eq!(
        (num(&r["distance_m"]), str_of(&r["name"])),
        (50_000.0, "Hill repeats".into())
    );
    assert_eq!(g.used(&f.replace), 50_000.0);
    assert_eq!(num(&g.bike(&f.road)["distance_m"]), 50_000.0);

    // Back-dated before the chain was mounted: it no longer wears the chain, but still counts
    // for the bike.
    g.json(&["ride", "edit", &f.ride, "--date", "2024-12-20"]);
    assert_eq!(g.used(&f.replace), 0.0);
    assert_eq!(g.bike(&f.road)["rides"], Value::from(1));

    // Options not given keep their values.
    let r = g.json(&["ride", "edit", &f.ride, "--indoor", "true"]);
    assert_eq!(
        (
            num(&r["distance_m"]),
            str_of(&r["name"]),
            r["indoor"].clone()
        ),
        (50_000.0, "Hill repeats".into(), Value::Bool(true))
    );

    g.rejects(&["ride", "edit", &f.ride, "--distance", "-3"], 2, "-3");
    g.rejects(
        &["ride", "edit", &f.ride, "--date", "2024-13-45"],
        2,
        "2024-13-45",
    );
    g.rejects(
        &["ride", "edit", "no-such-ride", "--distance", "3"],
        1,
        "no ride has the id",
    );
}

#[test]
fn editing_a_component_changes_only_the_fields_given() {
    let f = fixture();
    let g = &f.g;
    let c = g.json(&[
        "component",
        "edit",
        &f.chain,
        "--name",
        "KMC X11 🔗",
        "--brand",
        "KMC",
        "--cost",
        "39.99",
    ]);
    assert_eq!(str_of(&c["name"]), "KMC X11 🔗");
    assert_eq!(str_of(&c["brand"]), "KMC");
    assert_eq!(c["purchase_cost_cents"], Value::from(3999));

    let c = g.json(&["component", "edit", &f.chain, "--model", "X11-93"]);
    assert_eq!(
        (str_of(&c["name"]), str_of(&c["brand"]), str_of(&c["model"])),
        ("KMC X11 🔗".into(), "KMC".into(), "X11-93".into())
    );
    let c = g.json(&["component", "edit", &f.chain, "--cost", "none"]);
    assert_eq!(c["purchase_cost_cents"], Value::Null);
    // Its rules and their wear are untouched.
    assert_eq!(g.used(&f.replace), 42_000.0);
    assert_eq!(str_of(&g.status_of(&f.replace)["component"]), "KMC X11 🔗");

    g.rejects(&["component", "edit", &f.chain, "--name", ""], 2, "name");
    g.rejects(
        &["component", "edit", &f.chain, "--cost", "cheap"],
        2,
        "'cheap' is not an amount",
    );
    g.rejects(
        &["component", "edit", "nope", "--name", "X"],
        1,
        "no component has the id",
    );
}

#[test]
fn replace_mounts_a_fresh_component_with_the_same_rules_at_zero() {
    let f = fixture();
    let g = &f.g;
    g.add_ride(Some(&f.road), "2025-01-20", "2458", &[]);
    assert_eq!(g.state(&f.replace), "due_soon");
    let old_rules: Vec<(String, String, f64, String)> = rule_shapes(g, &f.chain);

    let fresh = g.json(&["component", "replace", &f.chain, "--at", "2025-02-01"]);
    let fresh_id = id_of(&fresh);
    assert_ne!(fresh_id, f.chain);
    assert_eq!(
        (fresh["kind"].clone(), fresh["name"].clone()),
        (Value::from("chain"), Value::from("Chain"))
    );
    assert_eq!(
        rule_shapes(g, &fresh_id),
        old_rules,
        "same tasks, metrics, intervals and filters"
    );
    let due = g.due();
    assert!(
        due.iter().all(|r| r["component_id"] != f.chain.as_str()),
        "the retired chain is no longer reminded"
    );
    for r in due
        .iter()
        .filter(|r| r["component_id"] == fresh_id.as_str())
    {
        assert_eq!(
            (num(&r["used"]), r["state"].clone(), r["bike"].clone()),
            (0.0, Value::from("ok"), Value::from("Road"))
        );
    }

    g.add_ride(Some(&f.road), "2025-02-10", "100", &[]);
    let replace_now = due
        .iter()
        .find(|r| r["component_id"] == fresh_id.as_str() && r["task"] == "Replace")
        .unwrap();
    assert_eq!(g.used(&str_of(&replace_now["rule_id"])), 100_000.0);

    let all = g.json(&["components", "--all"]);
    let old = all
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == f.chain.as_str())
        .unwrap();
    assert_eq!(
        (old["retired"].clone(), old["replaced_by"].clone()),
        (Value::from(true), Value::from(fresh_id.as_str()))
    );
    assert_eq!(
        g.json(&["components"]).as_array().unwrap().len(),
        1,
        "retired parts are hidden by default"
    );

    g.rejects(&["component", "replace", &f.chain], 1, "already retired");
}

/// (task, metric, interval, filter) of a component's rules, sorted.
fn rule_shapes(g: &Garage, component: &str) -> Vec<(String, String, f64, String)> {
    let mut shapes: Vec<_> = g
        .due()
        .iter()
        .filter(|r| r["component_id"] == component)
        .map(|r| {
            (
                str_of(&r["task"]),
                str_of(&r["metric"]),
                num(&r["interval"]),
                str_of(&r["filter"]),
            )
        })
        .collect();
    shapes.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!shapes.is_empty());
    shapes
}

#[test]
fn snooze_quiets_a_rule_without_hiding_its_state_and_done_clears_it() {
    let f = fixture();
    let g = &f.g;
    g.add_ride(Some(&f.road), "2025-01-20", "3000", &[]);

    let snoozed = g.json(&["snooze", &f.replace, "--days", "7"]);
    let until = snoozed["snoozed_until"].as_i64().expect("a snooze time");
    let s = g.status_of(&f.replace);
    assert_eq!(s["snoozed_until"].as_i64(), Some(until));
    assert_eq!(s["state"], "due", "a snooze does not change the truth");
    let table = g.ok(&["due"]);
    let row = table.lines().find(|l| l.starts_with(&f.replace)).unwrap();
    assert!(row.ends_with("DUE (snoozed)"), "{row:?}");
    assert!(g
        .json(&["due", "--attention"])
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["rule_id"] == f.replace.as_str()));

    let msg = g.ok(&["snooze", &f.replace, "--until", "2025-01-10"]);
    assert!(msg.contains("until 2025-01-10"), "{msg}");
    let clear = g.json(&["snooze", &f.replace, "--clear"]);
    assert_eq!(clear["snoozed_until"], Value::Null);
    assert_eq!(g.status_of(&f.replace)["snoozed_until"], Value::Null);

    g.json(&["snooze", &f.replace, "--days", "30"]);
    g.json(&["done", &f.replace, "--date", "2025-01-25"]);
    assert_eq!(
        g.status_of(&f.replace)["snoozed_until"],
        Value::Null,
        "done restarts the counter and drops the snooze"
    );
}

#[test]
fn retiring_a_bike_quiets_the_parts_left_on_it_and_bringing_it_back_restores_them() {
    let f = fixture();
    let g = &f.g;
    g.add_ride(Some(&f.road), "2025-01-20", "3000", &[]);
    assert_eq!(g.state(&f.replace), "due");

    g.json(&["bike", "retire", &f.road]);
    // Its parts keep their rules and true state, marked inactive: they no longer remind.
    let replace = g.status_of(&f.replace);
    assert_eq!(replace["state"], "due", "{replace}");
    assert_eq!(replace["active"], Value::Bool(false), "{replace}");
    let attention = g.json(&["due", "--attention"]);
    assert!(
        attention
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["component_id"] != f.chain.as_str()),
        "a sold bike's chain is not a job for the rider: {attention}"
    );
    assert!(g.ok(&["due"]).contains("(bike retired)"));
    g.rejects(
        &["component", "add", "--kind", "tyre", "--bike", &f.road],
        1,
        "that bike is retired",
    );
    // Its history stays: totals and rides are kept.
    assert_eq!(g.bike(&f.road)["retired"], Value::Bool(true));
    assert_eq!(num(&g.bike(&f.road)["distance_m"]), 3_042_000.0);

    // A part taken off the retired bike reminds again wherever it goes.
    g.json(&[
        "component",
        "move",
        &f.chain,
        "--bike",
        &f.gravel,
        "--at",
        "2025-02-01",
    ]);
    assert_eq!(g.state(&f.replace), "due");
    g.rejects(
        &[
            "component",
            "move",
            &f.chain,
            "--bike",
            &f.road,
            "--at",
            "2025-02-02",
        ],
        1,
        "that bike is retired",
    );
}

#[test]
fn a_retired_bike_can_be_brought_back_into_use() {
    let f = fixture();
    let g = &f.g;
    g.json(&["bike", "retire", &f.road]);
    let due = g.due();
    assert_eq!(due.len(), 2, "the chain's rules stay visible: {due:?}");
    assert!(due.iter().all(|r| r["active"] == Value::Bool(false)));
    let b = g.json(&["bike", "edit", &f.road, "--retired", "false"]);
    assert_eq!(b["retired"], Value::Bool(false));
    assert_eq!(g.used(&f.replace), 42_000.0);
}

#[test]
fn service_and_installation_dates_in_the_future_are_rejected() {
    let f = fixture();
    let g = &f.g;
    // 2062 for 2026: the rule would stay quiet for decades.
    g.rejects(
        &["done", &f.replace, "--date", "2062-05-01"],
        2,
        "service date 2062-05-01 is in the future",
    );
    g.rejects(
        &[
            "component",
            "add",
            "--kind",
            "tyre",
            "--bike",
            &f.gravel,
            "--installed",
            "2099-01-01",
        ],
        2,
        "installation date 2099-01-01 is in the future",
    );
    g.rejects(
        &["component", "remove", &f.chain, "--at", "2099-01-01"],
        2,
        "removal date 2099-01-01 is in the future",
    );
    g.rejects(
        &[
            "ride",
            "add",
            "--bike",
            &f.road,
            "--date",
            "2250-01-01",
            "--distance",
            "5",
        ],
        2,
        "between 1900 and 2200",
    );
    // Yesterday and today are fine.
    let yesterday = pedalwrencher_core::Timestamp::now()
        .plus_days(-1)
        .local_date();
    g.json(&["done", &f.replace, "--date", &yesterday]);
}

// ---------------------------------------------------------------------------------------------
// Stored exactly as typed
// ---------------------------------------------------------------------------------------------

#[test]
fn names_with_sql_quotes_emoji_and_unicode_round_trip_byte_for_byte() {
    let g = Garage::new();
    let names = [
        "Robert'); DROP TABLE bikes;--",
        r#"She said "ride" & it's 'fine' \ 100% _x_"#,
        "🚲 Gravel 🌲",
        "Vélo de route",
        "自転車 ünïcödé Ωμέγα",
    ];
    let mut ids = Vec::new();
    for name in names {
        let added = g.json(&["bike", "add", name]);
        assert_eq!(added["name"], name);
        ids.push(id_of(&added));
    }
    assert_eq!(
        g.count("bikes"),
        names.len() as i64,
        "the bikes table is still there"
    );
    for (id, name) in ids.iter().zip(names) {
        assert_eq!(
            g.bike(id)["name"].as_str().unwrap().as_bytes(),
            name.as_bytes()
        );
        let stored: Vec<u8> = g
            .db()
            .query_row(
                "SELECT CAST(name AS BLOB) FROM bikes WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored, name.as_bytes());
    }
    // The human table shows them whole too.
    let table = g.ok(&["bikes"]);
    for name in names {
        assert!(table.contains(name), "{name:?} missing from\n{table}");
    }

    // Components, tasks and ride names keep them as well.
    let (c, _) = g.add_component(&[
        "--kind",
        "custom",
        "--name",
        "🚲 Gravel 🌲",
        "--bike",
        &ids[0],
        "--installed",
        "2025-01-01",
    ]);
    let rule = id_of(&g.json(&[
        "rule",
        "add",
        &c,
        "--task",
        "Robert'); DROP TABLE rules;--",
        "--metric",
        "rides",
        "--every",
        "5",
    ]));
    let ride = g.add_ride(
        Some(&ids[0]),
        "2025-01-02",
        "10",
        &["--name", "Vélo 'n' \"quotes\""],
    );
    let s = g.status_of(&rule);
    assert_eq!(
        (s["component"].clone(), s["task"].clone()),
        (
            Value::from("🚲 Gravel 🌲"),
            Value::from("Robert'); DROP TABLE rules;--")
        )
    );
    assert_eq!(s["bike"], names[0]);
    assert_eq!(g.json(&["rides"])[0]["id"], ride.as_str());
    assert_eq!(g.json(&["rides"])[0]["name"], "Vélo 'n' \"quotes\"");
    // Surrounding blanks are trimmed, nothing else; 200 characters is the longest name.
    assert_eq!(g.json(&["bike", "add", "  Padded  "])["name"], "Padded");
    let longest = "é".repeat(200);
    assert_eq!(g.json(&["bike", "add", &longest])["name"], longest.as_str());
    g.assert_integrity();
}

// ---------------------------------------------------------------------------------------------
// Rejected input: clear message, exit code, no panic, database unchanged
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_ids_are_not_found_with_exit_1() {
    let f = fixture();
    let (g, b, c, r) = (&f.g, f.road.as_str(), f.chain.as_str(), f.ride.as_str());
    let no_bike = "no bike has the id 'nope'";
    let no_component = "no component has the id 'nope'";
    let no_rule = "no rule has the id 'nope'";
    let no_ride = "no ride has the id 'nope'";
    let cases: &[(&[&str], &str)] = &[
        (&["bike", "edit", "nope", "--name", "X"], no_bike),
        (&["bike", "retire", "nope"], no_bike),
        (&["components", "--bike", "nope"], no_bike),
        (&["rides", "--bike", "nope"], no_bike),
        (
            &["ride", "add", "--bike", "nope", "--distance", "5"],
            no_bike,
        ),
        (&["ride", "assign", r, "--bike", "nope"], no_bike),
        (
            &["component", "add", "--kind", "chain", "--bike", "nope"],
            no_bike,
        ),
        (
            &[
                "component",
                "install",
                c,
                "--bike",
                "nope",
                "--at",
                "2024-01-01",
                "--until",
                "2024-02-01",
            ],
            no_bike,
        ),
        (
            &[
                "component",
                "move",
                c,
                "--bike",
                "nope",
                "--at",
                "2025-02-01",
            ],
            no_bike,
        ),
        (&["component", "install", "nope", "--bike", b], no_component),
        (&["component", "move", "nope", "--bike", b], no_component),
        (&["component", "remove", "nope"], no_component),
        (&["component", "retire", "nope"], no_component),
        (&["component", "replace", "nope"], no_component),
        (
            &[
                "rule", "add", "nope", "--task", "T", "--metric", "rides", "--every", "5",
            ],
            no_component,
        ),
        (&["ride", "assign", "nope", "--bike", b], no_ride),
        (&["ride", "delete", "nope"], no_ride),
        (&["done", "nope"], no_rule),
        (&["snooze", "nope", "--days", "3"], no_rule),
        (&["rule", "edit", "nope", "--every", "5"], no_rule),
        (&["rule", "delete", "nope"], no_rule),
    ];
    for (args, needle) in cases {
        let stderr = g.rejects(args, 1, needle);
        assert!(
            stderr.contains("pedalwrencher-cli "),
            "the message says where to find ids: {stderr}"
        );
    }
}

#[test]
fn negative_or_zero_interval_is_rejected_quoting_what_was_typed() {
    let f = fixture();
    let g = &f.g;
    let stderr = g.rejects(
        &[
            "rule",
            "add",
            &f.chain,
            "--task",
            "T",
            "--metric",
            "moving_time",
            "--every=-50",
        ],
        2,
        "interval cannot be negative",
    );
    assert!(
        stderr.contains("(-50)"),
        "quote the hours typed, not seconds: {stderr}"
    );
    g.rejects(
        &[
            "rule", "add", &f.chain, "--task", "T", "--metric", "distance", "--every", "0",
        ],
        2,
        "interval must be greater than zero",
    );
    g.rejects(
        &["rule", "edit", &f.replace, "--every=-3"],
        2,
        "interval cannot be negative (-3)",
    );
    g.rejects(
        &["rule", "edit", &f.replace, "--warn", "1.5"],
        2,
        "warn fraction must be a fraction",
    );
    let stderr = g.rejects(
        &["ride", "add", "--bike", &f.road, "--distance=-5"],
        2,
        "distance cannot be negative",
    );
    assert!(
        stderr.contains("(-5)"),
        "quote the km typed, not metres: {stderr}"
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--elevation=-1"],
        2,
        "elevation gain cannot be negative (-1)",
    );
    g.rejects(
        &[
            "component",
            "add",
            "--kind",
            "chain",
            "--used-distance=-100",
        ],
        2,
        "starting distance cannot be negative (-100)",
    );
    g.rejects(&["done", &f.replace, "--cost=-5"], 2, "is not an amount");
}

#[test]
fn nan_and_infinite_quantities_are_rejected() {
    let f = fixture();
    let g = &f.g;
    g.rejects(
        &[
            "rule", "add", &f.chain, "--task", "T", "--metric", "distance", "--every", "NaN",
        ],
        2,
        "interval must be a number, not NaN",
    );
    g.rejects(
        &[
            "rule", "add", &f.chain, "--task", "T", "--metric", "days", "--every", "inf",
        ],
        2,
        "interval must be a number",
    );
    g.rejects(
        &["rule", "edit", &f.replace, "--every", "NaN"],
        2,
        "interval must be a number",
    );
    g.rejects(
        &["rule", "edit", &f.replace, "--warn", "NaN"],
        2,
        "warn fraction",
    );
    g.rejects(
        &["ride", "add", "--bike", &f.road, "--distance", "NaN"],
        2,
        "distance must be a number, not NaN",
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--elevation", "NaN"],
        2,
        "elevation gain must be a number",
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--energy", "NaN"],
        2,
        "energy must be a number",
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--time", "NaN"],
        2,
        "is not a duration",
    );
    g.rejects(
        &[
            "component",
            "add",
            "--kind",
            "chain",
            "--used-distance",
            "NaN",
        ],
        2,
        "starting distance must be a number",
    );
    g.rejects(
        &["component", "add", "--kind", "chain", "--cost", "NaN"],
        2,
        "'NaN' is not an amount",
    );
    g.rejects(
        &["done", &f.replace, "--cost", "inf"],
        2,
        "is not an amount",
    );
}

#[test]
fn empty_names_are_rejected() {
    let f = fixture();
    let g = &f.g;
    g.rejects(&["bike", "add", ""], 2, "bike name is empty");
    g.rejects(&["bike", "add", "   "], 2, "bike name is empty");
    g.rejects(
        &["bike", "edit", &f.road, "--name", " "],
        2,
        "bike name is empty",
    );
    g.rejects(
        &[
            "rule", "add", &f.chain, "--task", "", "--metric", "rides", "--every", "5",
        ],
        2,
        "task is empty",
    );
    g.rejects(
        &["rule", "edit", &f.replace, "--task", "  "],
        2,
        "task is empty",
    );
}

#[test]
fn ten_thousand_character_names_are_rejected() {
    let f = fixture();
    let g = &f.g;
    let long = "x".repeat(10_000);
    let too_long = "is 10000 characters long; keep it to 200 or fewer";
    g.rejects(&["bike", "add", &long], 2, too_long);
    g.rejects(&["bike", "edit", &f.road, "--name", &long], 2, too_long);
    g.rejects(
        &["component", "add", "--kind", "chain", "--name", &long],
        2,
        too_long,
    );
    g.rejects(
        &[
            "rule", "add", &f.chain, "--task", &long, "--metric", "rides", "--every", "5",
        ],
        2,
        too_long,
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--name", &long],
        2,
        too_long,
    );
    g.rejects(
        &["bike", "add", &"x".repeat(201)],
        2,
        "is 201 characters long",
    );
    g.rejects(&["bike", "add", "tab\u{7}bell"], 2, "control characters");
}

#[test]
fn overlapping_installation_is_a_conflict_with_exit_1() {
    let f = fixture();
    let g = &f.g;
    // The chain is on Road since 2025-01-01, open-ended.
    let stderr = g.rejects(
        &[
            "component",
            "install",
            &f.chain,
            "--bike",
            &f.gravel,
            "--at",
            "2025-03-01",
        ],
        1,
        "already on \"Road\" since 2025-01-01",
    );
    assert!(stderr.contains("remove or move it first"), "{stderr}");
    g.rejects(
        &[
            "component",
            "install",
            &f.chain,
            "--bike",
            &f.gravel,
            "--at",
            "2024-12-01",
            "--until",
            "2025-01-02",
        ],
        1,
        "already on \"Road\"",
    );
    g.rejects(
        &[
            "component",
            "install",
            &f.chain,
            "--bike",
            &f.road,
            "--at",
            "2024-06-01",
        ],
        1,
        "already on",
    );
    // A back-dated span that fits is fine; overlapping it is not.
    g.json(&[
        "component",
        "install",
        &f.chain,
        "--bike",
        &f.gravel,
        "--at",
        "2024-06-01",
        "--until",
        "2024-07-01",
    ]);
    g.rejects(
        &[
            "component",
            "install",
            &f.chain,
            "--bike",
            &f.road,
            "--at",
            "2024-06-15",
            "--until",
            "2024-06-20",
        ],
        1,
        "already on \"Gravel\" from 2024-06-01 to 2024-07-01",
    );
    // Spans that end before they start are bad input, not a conflict.
    g.rejects(
        &[
            "component",
            "install",
            &f.chain,
            "--bike",
            &f.gravel,
            "--at",
            "2024-03-01",
            "--until",
            "2024-02-01",
        ],
        2,
        "removal date must be after the installation date",
    );
    g.rejects(
        &["component", "remove", &f.chain, "--at", "2024-12-01"],
        2,
        "removal date must be after the installation date (2025-01-01)",
    );
    g.rejects(
        &[
            "component",
            "move",
            &f.chain,
            "--bike",
            &f.gravel,
            "--at",
            "2024-12-01",
        ],
        2,
        "removal date must be after",
    );
    // On the shelf there is nothing to remove or move.
    let (sealant, _) = g.add_component(&["--kind", "sealant"]);
    g.rejects(
        &["component", "remove", &sealant],
        1,
        "not mounted on any bike",
    );
    g.rejects(
        &["component", "move", &sealant, "--bike", &f.road],
        1,
        "use install instead of move",
    );
}

#[test]
fn unknown_preset_kind_is_rejected_with_the_list_of_kinds() {
    let f = fixture();
    let stderr = f.g.rejects(
        &["component", "add", "--kind", "sprocket", "--bike", &f.road],
        2,
        "unknown component kind 'sprocket'",
    );
    assert!(
        stderr.contains("chain") && stderr.contains("custom"),
        "{stderr}"
    );
    f.g.rejects(
        &["bike", "add", "Tandem", "--kind", "tandem"],
        2,
        "unknown bike kind 'tandem'",
    );
}

#[test]
fn bad_dates_are_rejected() {
    let f = fixture();
    let g = &f.g;
    let bad = "is not a date; write it as YYYY-MM-DD";
    g.rejects(
        &["ride", "add", "--distance", "5", "--date", "2025-02-30"],
        2,
        bad,
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--date", "yesterday"],
        2,
        bad,
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--date", "10/01/2025"],
        2,
        bad,
    );
    g.rejects(
        &[
            "component",
            "add",
            "--kind",
            "chain",
            "--bike",
            &f.road,
            "--installed",
            "2025-13-01",
        ],
        2,
        bad,
    );
    g.rejects(
        &[
            "component",
            "install",
            &f.chain,
            "--bike",
            &f.gravel,
            "--at",
            "2024-01-01",
            "--until",
            "soon",
        ],
        2,
        bad,
    );
    g.rejects(
        &["component", "remove", &f.chain, "--at", "2025-01-10T25:00"],
        2,
        bad,
    );
    g.rejects(&["done", &f.replace, "--date", "2025-1-1x"], 2, bad);
    g.rejects(&["snooze", &f.replace, "--until", "next week"], 2, bad);
}

#[test]
fn unknown_metric_or_filter_is_rejected() {
    let f = fixture();
    let g = &f.g;
    let stderr = g.rejects(
        &[
            "rule", "add", &f.chain, "--task", "T", "--metric", "furlongs", "--every", "5",
        ],
        2,
        "unknown metric 'furlongs'",
    );
    assert!(
        stderr.contains("distance, moving_time, rides, elevation, energy, days"),
        "{stderr}"
    );
    g.rejects(
        &[
            "rule",
            "add",
            &f.chain,
            "--task",
            "T",
            "--metric",
            "rides",
            "--every",
            "5",
            "--filter",
            "sometimes",
        ],
        2,
        "unknown ride filter 'sometimes'",
    );
    g.rejects(
        &["rule", "edit", &f.replace, "--filter", "never"],
        2,
        "unknown ride filter 'never'",
    );
}

#[test]
fn bad_usage_exits_2_without_touching_the_garage() {
    let f = fixture();
    let g = &f.g;
    g.rejects(&[], 2, "Usage:");
    g.rejects(&["bike"], 2, "Usage:");
    g.rejects(&["frobnicate"], 2, "unrecognized subcommand");
    g.rejects(&["ride", "add"], 2, "--distance <DISTANCE>");
    g.rejects(
        &["ride", "add", "--distance", "five"],
        2,
        "invalid value 'five'",
    );
    g.rejects(&["ride", "assign", &f.ride], 2, "--bike <BIKE>");
    g.rejects(
        &["--units", "furlongs", "bikes"],
        2,
        "unknown units 'furlongs'",
    );
    g.rejects(&["snooze", &f.replace], 2, "say how long");
    g.rejects(
        &["snooze", &f.replace, "--days", "3", "--clear"],
        2,
        "cannot be used with",
    );
    // A snooze past what a date can hold used to print "until ?".
    g.rejects(&["snooze", &f.replace, "--days", "4294967295"], 2, "--days");
    g.rejects(
        &["snooze", &f.replace, "--days", "36501"],
        2,
        "not in 1..=36500",
    );
    // --installed without --bike used to be dropped silently, leaving the part on the shelf.
    g.rejects(
        &[
            "component",
            "add",
            "--kind",
            "chain",
            "--installed",
            "2025-01-01",
        ],
        2,
        "--bike <BIKE>",
    );

    let help = g.ok(&["--help"]);
    assert!(help.contains("Exit codes: 0 ok, 1 failure"), "{help}");
}

// ---------------------------------------------------------------------------------------------
// Where output goes
// ---------------------------------------------------------------------------------------------

#[test]
fn a_reader_that_goes_away_is_not_a_panic() {
    let g = Garage::new();
    g.ok(&["bike", "add", "Road"]);
    let mut child = std_cmd(g.path())
        .arg("presets")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the CLI starts");
    // Like `pedalwrencher-cli presets | head -0`: the read end closes before the CLI writes
    // (it opens the database first). Were it to write first, the pipe buffer takes it: also fine.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("the CLI finishes");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_on_stdout_is_an_error_not_a_panic() {
    let g = Garage::new();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    let out = std_cmd(g.path())
        .arg("bikes")
        .stdout(full)
        .output()
        .expect("the CLI runs");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("error: could not write the output"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Hardening: edge cases found by trying the app as a new rider would
// ---------------------------------------------------------------------------------------------

#[test]
fn a_ride_dated_years_ahead_is_refused_so_done_can_reset_the_rule() {
    let f = fixture();
    let g = &f.g;
    // 2062 for 2026: the ride used to be stored, and no later Done could clear the rule.
    g.rejects(
        &[
            "ride",
            "add",
            "--bike",
            &f.road,
            "--date",
            "2062-06-01",
            "--distance",
            "3000",
        ],
        2,
        "ride start 2062-06-01 is in the future",
    );
    g.rejects(
        &[
            "ride",
            "add",
            "--bike",
            &f.road,
            "--date",
            "2062-06-01T08:00",
            "--distance",
            "3000",
        ],
        2,
        "is in the future",
    );
    g.rejects(
        &["ride", "edit", &f.ride, "--date", "2062-06-01"],
        2,
        "is in the future",
    );
    // A real 3,000 km makes the chain due, and Done clears it.
    g.add_ride(Some(&f.road), "2025-02-01", "3000", &[]);
    assert_eq!(g.state(&f.replace), "due");
    g.json(&["done", &f.replace]);
    assert_eq!(g.state(&f.replace), "ok");
    assert_eq!(g.used(&f.replace), 0.0);
}

#[test]
fn a_rule_whose_wear_cache_row_is_missing_is_recomputed_not_hidden() {
    let f = fixture();
    let g = &f.g;
    let deleted = g
        .db()
        .execute("DELETE FROM rule_usage WHERE rule_id = ?1", [&f.replace])
        .unwrap();
    assert_eq!(deleted, 1);
    // The rule is still listed with its true wear, and the read repaired the cache.
    assert_eq!(g.used(&f.replace), 42_000.0);
    let rows: i64 = g
        .db()
        .query_row(
            "SELECT COUNT(*) FROM rule_usage WHERE rule_id = ?1",
            [&f.replace],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 1, "the read put the row back");
    assert!(g.ok(&["status"]).contains("rules:      2"));
}

#[test]
fn a_service_can_be_deleted_and_the_rule_gets_its_wear_back() {
    let f = fixture();
    let g = &f.g;
    g.add_ride(Some(&f.road), "2025-01-12", "300", &[]);
    assert_eq!(g.used(&f.lube), 342_000.0);
    assert_eq!(g.state(&f.lube), "due");

    let done = g.json(&["done", &f.lube, "--date", "2025-01-15", "--notes", "wax"]);
    let service = id_of(&done);
    assert_eq!(g.used(&f.lube), 0.0);
    let listed = g.json(&["services", &f.lube]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], service.as_str());
    assert_eq!(listed[0]["notes"], "wax");
    assert!(g.ok(&["done", &f.replace]).contains("service delete"));

    let undone = g.json(&["service", "delete", &service]);
    assert_eq!(undone["service"]["id"], service.as_str());
    assert_eq!(g.used(&f.lube), 342_000.0, "the wear is back");
    assert_eq!(g.state(&f.lube), "due");
    assert_eq!(g.json(&["services", &f.lube]), serde_json::json!([]));
    // A deleted service is gone for good; the error says where to find ids.
    g.rejects(
        &["service", "delete", &service],
        1,
        "list them with `pedalwrencher-cli services RULE_ID`",
    );
    g.assert_integrity();
}

#[test]
fn the_epoch_moves_on_every_service_and_on_undoing_the_latest_only() {
    let f = fixture();
    let g = &f.g;
    let epoch = |rule: &str| g.status_of(rule)["epoch"].as_i64().expect("epoch");
    assert_eq!(epoch(&f.lube), 0);
    let older = id_of(&g.json(&["done", &f.lube, "--date", "2025-01-05"]));
    assert_eq!(epoch(&f.lube), 1);
    let latest = id_of(&g.json(&["done", &f.lube, "--date", "2025-01-20"]));
    assert_eq!(epoch(&f.lube), 2);
    // Deleting a service that anchors nothing changes no counter and no epoch.
    g.json(&["service", "delete", &older]);
    assert_eq!(epoch(&f.lube), 2);
    // Undoing the latest one moves the anchor back, and the epoch on.
    g.json(&["service", "delete", &latest]);
    assert_eq!(epoch(&f.lube), 3);
    assert_eq!(epoch(&f.replace), 0, "other rules keep theirs");

    // Back-dating an earlier installation moves the anchor of a never-serviced rule, not its
    // epoch: reminders keyed on the epoch stay put.
    g.json(&[
        "component",
        "install",
        &f.chain,
        "--bike",
        &f.gravel,
        "--at",
        "2024-06-01",
        "--until",
        "2024-12-01",
    ]);
    assert_eq!(epoch(&f.replace), 0);
}

#[test]
fn cycle_counts_whole_intervals_for_repeating_rules_and_is_zero_for_one_off_rules() {
    let f = fixture();
    let g = &f.g;
    // 42 + 6,258 = 6,300 km: the lube (300 km, repeating) is 21 intervals in, the chain
    // (3,000 km, one-off) twice over but still cycle 0.
    g.add_ride(Some(&f.road), "2025-02-01", "6258", &[]);
    let lube = g.status_of(&f.lube);
    assert_eq!(lube["repeat"], Value::Bool(true));
    assert_eq!(lube["cycle"], 21);
    let replace = g.status_of(&f.replace);
    assert_eq!(replace["repeat"], Value::Bool(false));
    assert_eq!(replace["state"], "due");
    assert_eq!(replace["cycle"], 0);
}

#[test]
fn a_date_without_a_time_means_noon_for_rides_the_end_of_the_day_for_services() {
    let f = fixture();
    let g = &f.g;
    // The fixture's ride is dated 2025-01-10: local noon.
    let ride = g
        .json(&["rides"])
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == f.ride.as_str())
        .cloned()
        .unwrap();
    let hour: i64 = g
        .db()
        .query_row(
            "SELECT CAST(strftime('%H', ?1 / 1000, 'unixepoch', 'localtime') AS INTEGER)",
            [ride["start_at"].as_i64().unwrap()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(hour, 12, "a ride dated without a time starts at local noon");

    // Lubed the same day: after that day's ride, so the ride does not count on the new lube.
    g.json(&["done", &f.lube, "--date", "2025-01-10"]);
    assert_eq!(g.used(&f.lube), 0.0);

    // A part mounted on a day counts that day's rides.
    let (_pads, rules) = g.add_component(&[
        "--kind",
        "brake_pads",
        "--bike",
        &f.gravel,
        "--installed",
        "2025-03-01",
    ]);
    g.add_ride(Some(&f.gravel), "2025-03-01", "25", &[]);
    assert_eq!(
        g.used(&rules["Replace"]),
        25_000.0,
        "the day's ride counts on the new part"
    );

    // Today means now, for rides and services alike.
    let today = chrono_today();
    let r = g.json(&[
        "ride",
        "add",
        "--bike",
        &f.road,
        "--date",
        &today,
        "--distance",
        "1",
    ]);
    let now = pedalwrencher_core::Timestamp::now().millis();
    let start = r["start_at"].as_i64().unwrap();
    assert!(
        (now - start).abs() < 60_000,
        "today's ride starts now: {start} vs {now}"
    );
}

/// Today's local date as YYYY-MM-DD, as SQLite sees it on this machine.
fn chrono_today() -> String {
    Connection::open_in_memory()
        .unwrap()
        .query_row("SELECT date('now', 'localtime')", [], |r| r.get(0))
        .unwrap()
}
