//! An older garage opened by several processes at once: the app at login and a cron job running
//! the CLI right after an update. Every open must succeed, the file must end at the latest schema
//! exactly once, and no row of the old garage may be lost or changed.
//!
//! `PEDALWRENCHER_TEST_CLI=/path/to/pedalwrencher-cli` with `PEDALWRENCHER_TEST_CLI_SCHEMA=N`
//! (the latest schema version that build knows) runs the same trials against another build, e.g.
//! an older release, to measure how it fares.

use std::path::PathBuf;
use std::time::Instant;

use pedalwrencher_core::store::{self, DB_FILE};
use pedalwrencher_tests::cli::{cli_path, Garage};
use pedalwrencher_tests::fixtures;
use pedalwrencher_tests::sql::integrity;
use rusqlite::Connection;
use serde_json::Value;

/// The CLI under test and the schema version it upgrades to.
fn cli_under_test() -> (PathBuf, usize) {
    match std::env::var("PEDALWRENCHER_TEST_CLI_SCHEMA") {
        Err(_) => (cli_path(), store::latest_version()),
        Ok(schema) => {
            let schema = schema
                .parse()
                .expect("PEDALWRENCHER_TEST_CLI_SCHEMA is the latest schema version of that build");
            (cli_path(), schema)
        }
    }
}

/// An error message without the middle of a long quoted query (a migration's whole SQL).
fn shortened(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    if chars.len() <= 300 {
        return message.to_owned();
    }
    let head: String = chars[..120].iter().collect();
    let tail: String = chars[chars.len() - 150..].iter().collect();
    format!("{head} … {tail}").replace('\n', " ")
}

#[test]
fn twenty_trials_of_concurrent_opens_of_a_v1_garage_all_succeed() {
    const TRIALS: usize = 20;
    let (cli, latest) = cli_under_test();
    assert!(latest > 1, "a v1 garage has an upgrade to go through");
    let started = Instant::now();

    let mut opens = 0;
    let mut failed_opens = Vec::new();
    let mut bad_garages = Vec::new();
    for trial in 0..TRIALS {
        let processes = 2 + trial % 3;
        let g = Garage::new();
        let path = g.file(DB_FILE);
        let before = fixtures::v1_garage(&path);

        // All started before any is waited for, so their opens overlap.
        let children: Vec<_> = (0..processes)
            .map(|_| g.spawn(&["--json", "bikes"]))
            .collect();
        for (p, child) in children.into_iter().enumerate() {
            let out = child.output();
            opens += 1;
            let listed = serde_json::from_slice::<Value>(&out.stdout)
                .ok()
                .is_some_and(|v| v.is_array());
            if !out.status.success() || !listed {
                failed_opens.push(format!(
                    "trial {trial}, process {p} of {processes}: {}: {}",
                    out.status,
                    shortened(String::from_utf8_lossy(&out.stderr).trim())
                ));
            }
        }

        let conn = Connection::open(&path).unwrap();
        let version = fixtures::user_version(&conn);
        let check = integrity(&conn);
        let rows_kept = before.rows_now(&conn) == before.rows;
        if version != latest || check != "ok" || !rows_kept {
            bad_garages.push(format!(
                "trial {trial}: schema v{version} (want v{latest}), integrity {check}, v1 rows kept: {rows_kept}"
            ));
        }
    }

    println!(
        "{} of {opens} concurrent opens failed and {} of {TRIALS} garages were left wrong, in {:.1?} ({})",
        failed_opens.len(),
        bad_garages.len(),
        started.elapsed(),
        cli.display()
    );
    for f in failed_opens.iter().chain(&bad_garages) {
        println!("  {f}");
    }
    assert_eq!(
        opens, 59,
        "2, 3 and 4 processes in turn over {TRIALS} trials"
    );
    assert!(
        failed_opens.is_empty() && bad_garages.is_empty(),
        "{} of {opens} opens failed, {} garages left wrong:\n{}",
        failed_opens.len(),
        bad_garages.len(),
        failed_opens
            .iter()
            .chain(&bad_garages)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
