//! Schema migrations: empty → latest, and every earlier version, holding data, → latest with
//! nothing lost.

use pedalwrencher_core::store::{self, Store, DB_FILE};
use pedalwrencher_core::wear::{self, State};
use pedalwrencher_core::{Error, ManualClock, RuleId, Timestamp};
use pedalwrencher_tests::{sql, tables};
use rusqlite::Connection;

/// Data written with each earlier schema version. A new migration must come with the fixture of
/// the version before it, or `every_earlier_version_has_a_fixture` fails.
const FIXTURES: &[(usize, &str)] = &[
    (1, include_str!("../fixtures/schema_v1.sql")),
    (2, include_str!("../fixtures/schema_v2.sql")),
    (3, include_str!("../fixtures/schema_v3.sql")),
    (4, include_str!("../fixtures/schema_v4.sql")),
    (5, include_str!("../fixtures/schema_v5.sql")),
    (6, include_str!("../fixtures/schema_v6.sql")),
    (7, include_str!("../fixtures/schema_v7.sql")),
    (8, include_str!("../fixtures/schema_v8.sql")),
    (9, include_str!("../fixtures/schema_v9.sql")),
    (10, include_str!("../fixtures/schema_v10.sql")),
    (11, include_str!("../fixtures/schema_v11.sql")),
];

#[test]
fn empty_file_migrates_to_latest_with_every_table() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).unwrap();
    assert_eq!(store.schema_version().unwrap(), store::latest_version());
    let names = sql::tables(store.connection());
    let listed: Vec<&str> = tables::GARAGE
        .iter()
        .chain(tables::SYNCED.iter().map(|(t, _)| t))
        .chain(&tables::DEVICE_LOCAL)
        .copied()
        .collect();
    for t in &listed {
        assert!(
            names.iter().any(|n| n == t),
            "table {t} missing after migration: {names:?}"
        );
    }
    // Each table is known to the tests as synced or device-local (tests/src/tables.rs).
    for n in &names {
        assert!(
            listed.contains(&n.as_str()),
            "table {n} is neither synced nor device-local in tests/src/tables.rs"
        );
    }
    assert_eq!(sql::integrity(store.connection()), "ok");
}

#[test]
fn every_earlier_version_has_a_fixture() {
    for v in 1..store::latest_version() {
        assert!(
            FIXTURES.iter().any(|(fv, _)| *fv == v),
            "no fixture for schema v{v}: add tests/fixtures/schema_v{v}.sql"
        );
    }
}

#[test]
fn every_earlier_version_with_data_migrates_to_latest_keeping_every_row() {
    for &(version, sql) in FIXTURES {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        // Each table's columns as that version had them: later versions may add columns.
        let (columns, before): (Vec<Vec<String>>, Vec<Vec<String>>) = {
            let old = Store::open_at_version(&path, version).unwrap();
            assert_eq!(old.schema_version().unwrap(), version);
            old.connection().execute_batch(sql).unwrap();
            tables::GARAGE
                .iter()
                .map(|t| {
                    let cols = sql::columns(old.connection(), t);
                    let rows = sql::rows_of(old.connection(), t, &cols);
                    (cols, rows)
                })
                .unzip()
        };
        assert!(
            before.iter().all(|rows| !rows.is_empty()),
            "fixture v{version} should fill every garage table"
        );

        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), store::latest_version());
        let after: Vec<Vec<String>> = tables::GARAGE
            .iter()
            .zip(&columns)
            .map(|(t, cols)| sql::rows_of(store.connection(), t, cols))
            .collect();
        assert_eq!(before, after, "rows changed migrating from v{version}");
        // v5's delivery tables: reminders keyed with a nag counter, deliveries with a claim.
        assert!(sql::columns(store.connection(), "reminders").contains(&"nag".to_owned()));
        assert!(sql::columns(store.connection(), "outbox").contains(&"claimed_by".to_owned()));
        assert!(
            sql::columns(store.connection(), "rules").contains(&"snoozed_until_used".to_owned())
        );
        // v6's watchdog starts with no episode and no heartbeat (a v6 garage keeps its own);
        // v5's deliveries are kept.
        let kept = i64::from(version >= 6);
        assert_eq!(sql::count(store.connection(), "watchdog_episodes"), kept);
        assert_eq!(sql::count(store.connection(), "heartbeats"), kept);
        // v7's sync marks every garage row as a local change to send (one entry for the fields
        // it has), unstamped until the first write or sync; nothing device-local is marked.
        let marked = sql::count(store.connection(), "sync_clock");
        let rows: i64 = tables::SYNCED
            .iter()
            .map(|(t, _)| sql::count(store.connection(), t))
            .sum();
        assert!(rows > 0);
        assert_eq!(marked, rows, "v{version}: one mark per garage row");
        if version >= 5 {
            assert_eq!(sql::count(store.connection(), "outbox"), 3);
        }
        // v3's service epoch starts at the number of services a rule already had.
        let epochs: Vec<(String, i64)> = store
            .connection()
            .prepare("SELECT task, epoch FROM rules ORDER BY task")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(epochs, [("Lube".to_owned(), 1), ("Replace".to_owned(), 0)]);

        // The usage cache introduced in v2 is filled for the old rules on first read, and a rule
        // whose row is missing (the v2 fixture lacks Lube's) is recomputed, not hidden.
        let mut store = store.with_clock(std::sync::Arc::new(ManualClock::new(Timestamp(
            1_700_400_000_000,
        ))));
        let statuses = wear::statuses(&mut store).unwrap();
        let replace = statuses
            .iter()
            .find(|s| s.rule_id == RuleId::from("0190a000-0000-7000-8000-000000000030"))
            .unwrap();
        // 100 km second-hand + 40 + 60 km outdoor rides; the trainer ride is filtered out.
        assert_eq!(replace.used, 200_000.0);
        assert_eq!(replace.bike.as_deref(), Some("Vélo 🚲 \"Old\" Faithful"));
        let lube = statuses
            .iter()
            .find(|s| s.rule_id == RuleId::from("0190a000-0000-7000-8000-000000000031"))
            .unwrap();
        // Serviced after the first ride: only the two later rides (60 + 30 km) count.
        assert_eq!(lube.used, 90_000.0);
        assert_eq!(lube.state, State::Ok);
        assert_eq!(sql::integrity(store.connection()), "ok");
    }
}

#[test]
fn a_database_from_a_newer_app_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    drop(Store::open(&path).unwrap());
    let future = store::latest_version() + 1;
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", future as i64)
        .unwrap();
    let err = Store::open(&path)
        .err()
        .expect("a newer schema must be refused");
    assert!(
        matches!(err, Error::TooNew { found, .. } if found == future),
        "{err}"
    );
    assert!(err.to_string().contains("Update Pedalwrencher"));
    let v: i64 = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, future as i64);
}
