//! Listings: `bikes` and `due`, as tables and as JSON.

use pedalwrencher_tests::cli::{id_of, num, Garage};
use serde_json::Value;

use super::fixture;

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
    assert!(g.stdout(&["bikes"]).contains("No bikes yet"));
    let road = g.add_bike("Road");
    g.add_ride(Some(&road), "2025-01-10", "1234.4", &["--time", "40h"]);

    let out = g.stdout(&["bikes"]);
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
    let out = f.g.stdout(&["due"]);
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
