//! The demo, and where the data folder is.

use std::path::PathBuf;

use assert_cmd::Command;
use pedalwrencher_core::store::DB_FILE;
use pedalwrencher_tests::cli;
use pedalwrencher_tests::cli::{str_of, Garage};
use predicates::prelude::*;
use serde_json::Value;

use super::{no_panic, text};

#[test]
fn demo_loads_once_and_a_second_run_adds_nothing() {
    let g = Garage::new();
    let first = g.stdout(&["demo"]);
    assert!(first.contains("Loaded the demo garage"), "{first}");

    let bikes = g.bikes();
    let due = g.due();
    let counts = g.counts();
    assert_eq!(bikes.len(), 3);
    assert_eq!(counts["bikes"], 3);
    // 16 parts, and a wheelset with a rotor (the tyres and cassette ride on the wheelset).
    assert_eq!(counts["components"], 18);
    let listed = g.json(&["components"]);
    let kinds_on_parts: Vec<&str> = listed
        .as_array()
        .expect("components")
        .iter()
        .filter(|c| !c["parent_id"].is_null())
        .map(|c| c["kind"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(kinds_on_parts, ["cassette", "rotor", "tyre", "tyre"]);
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
    let again = g.stdout(&["demo"]);
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
        let mut cmd = Command::from_std(cli::command());
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
    let out = Command::from_std(cli::command())
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
    let out = Command::from_std(cli::command())
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
