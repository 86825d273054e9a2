//! Hardening: edge cases found by trying the app as a new rider would.

use pedalwrencher_tests::cli::id_of;
use rusqlite::Connection;
use serde_json::Value;

use super::fixture;

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
    assert!(g.stdout(&["status"]).contains("rules:      2"));
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
    assert!(g.stdout(&["done", &f.replace]).contains("service delete"));

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
