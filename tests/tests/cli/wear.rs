//! The garage end to end: wear counted from rides, following parts across bikes.

use assert_cmd::Command;
use pedalwrencher_tests::cli::{id_of, num, str_of, Garage};
use serde_json::Value;

use super::{fixture, text, M_PER_MI};

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
    let msg = g.stdout(&[
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
    let out = Command::from_std(g.command())
        .env("PEDALWRENCHER_UNITS", "imperial")
        .arg("bikes")
        .assert()
        .success();
    assert!(text(&out.get_output().stdout).contains("10 mi"));
    assert!(
        g.stdout(&["bikes"]).contains("16 km"),
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
