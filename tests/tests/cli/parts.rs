//! The garage end to end: parts edited, replaced, snoozed, retired with their bike.

use pedalwrencher_tests::cli::{id_of, num, str_of, Garage};
use serde_json::Value;

use super::fixture;

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
    let table = g.stdout(&["due"]);
    let row = table.lines().find(|l| l.starts_with(&f.replace)).unwrap();
    assert!(row.ends_with("DUE (snoozed)"), "{row:?}");
    assert!(g
        .json(&["due", "--attention"])
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["rule_id"] == f.replace.as_str()));

    let msg = g.stdout(&["snooze", &f.replace, "--until", "2025-01-10"]);
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
    assert!(g.stdout(&["due"]).contains("(bike retired)"));
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

#[test]
fn rules_added_without_a_warn_fraction_take_the_settings_default_warning_point() {
    let g = Garage::new();
    g.write_settings(serde_json::json!({ "default_warn_fraction": 0.6 }));
    // A preset's rules, and a rule added by hand without --warn and with it.
    let (chain, preset) = g.add_component(&["--kind", "chain"]);
    let warn = |rule: &str| num(&g.status_of(rule)["warn_fraction"]);
    assert!(!preset.is_empty());
    for rule in preset.values() {
        assert_eq!(warn(rule), 0.6, "preset rule");
    }
    let add = |extra: &[&str]| {
        let args = [
            &[
                "rule", "add", &chain, "--task", "Wax", "--metric", "rides", "--every", "5",
            ],
            extra,
        ]
        .concat();
        g.json(&args)["id"].as_str().expect("rule id").to_owned()
    };
    assert_eq!(warn(&add(&[])), 0.6);
    assert_eq!(warn(&add(&["--warn", "0.9"])), 0.9);
    // Without settings, the built-in 0.8.
    std::fs::remove_file(g.file("settings.json")).expect("remove settings");
    assert_eq!(warn(&add(&[])), 0.8);
}
