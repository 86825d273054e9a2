//! Parts on parts: a wheelset carries its tyre and cassette from bike to bike, and their wear
//! follows it exactly, also when the move is typed in after the rides (back-dated).

use pedalwrencher_tests::cli::{num, Garage};
use serde_json::Value;

/// Two bikes; a wheelset on Road since 2025-01-01 with a tyre and a cassette on it; a chain on
/// Road itself. Returns the ids and the rules the acceptance checks read.
struct Wheels {
    g: Garage,
    road: String,
    winter: String,
    wheelset: String,
    tyre: String,
    cassette: String,
    /// The wheelset's truing rule (distance, every ride).
    true_rule: String,
    /// The wheelset's freehub rule (distance, outdoor rides).
    freehub: String,
    /// The tyre's Replace (outdoor rides only).
    tyre_replace: String,
    cassette_replace: String,
    chain_replace: String,
}

fn wheels() -> Wheels {
    let g = Garage::new();
    let road = g.add_bike("Road");
    let winter = g.add_bike("Winter");
    let (wheelset, ws_rules) = g.add_component(&[
        "--kind",
        "wheelset",
        "--name",
        "Race wheels",
        "--bike",
        &road,
        "--installed",
        "2025-01-01",
    ]);
    let (tyre, tyre_rules) = g.add_component(&[
        "--kind",
        "tyre",
        "--name",
        "Rear tyre",
        "--on",
        &wheelset,
        "--installed",
        "2025-01-01",
    ]);
    let (cassette, cassette_rules) = g.add_component(&[
        "--kind",
        "cassette",
        "--on",
        &wheelset,
        "--installed",
        "2025-01-01",
    ]);
    let (_, chain_rules) = g.add_component(&[
        "--kind",
        "chain",
        "--bike",
        &road,
        "--installed",
        "2025-01-01",
    ]);
    Wheels {
        true_rule: ws_rules["True wheels and check spoke tension"].clone(),
        freehub: ws_rules["Clean and grease freehub"].clone(),
        tyre_replace: tyre_rules["Replace"].clone(),
        cassette_replace: cassette_rules["Replace"].clone(),
        chain_replace: chain_rules["Replace"].clone(),
        g,
        road,
        winter,
        wheelset,
        tyre,
        cassette,
    }
}

impl Wheels {
    /// Every checked rule's usage in km: (true, freehub, tyre, cassette, chain).
    fn km(&self) -> (f64, f64, f64, f64, f64) {
        let due = self.g.due();
        let used = |rule: &str| {
            let r = due
                .iter()
                .find(|r| r["rule_id"] == rule)
                .unwrap_or_else(|| panic!("rule {rule} in due"));
            num(&r["used"]) / 1000.0
        };
        (
            used(&self.true_rule),
            used(&self.freehub),
            used(&self.tyre_replace),
            used(&self.cassette_replace),
            used(&self.chain_replace),
        )
    }
}

fn listed(g: &Garage, id: &str) -> Value {
    g.json(&["components"])
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} listed"))
}

#[test]
fn a_wheelset_moved_between_bikes_carries_its_tyre_and_cassette_and_their_wear() {
    let w = wheels();
    let g = &w.g;
    g.add_ride(Some(&w.road), "2025-01-10", "100", &[]); // Road with the wheels: all count
    g.add_ride(Some(&w.winter), "2025-01-15", "30", &[]); // Winter, no wheels: none
    g.add_ride(Some(&w.road), "2025-01-20", "10", &["--indoor"]); // trainer: not the tyre
    assert_eq!(w.km(), (110.0, 100.0, 100.0, 110.0, 110.0));

    // One move of the wheelset takes the tyre and the cassette along.
    let moved = g.json(&[
        "component",
        "move",
        &w.wheelset,
        "--bike",
        &w.winter,
        "--at",
        "2025-02-01",
    ]);
    assert_eq!(moved["bike_id"], w.winter.as_str());
    g.add_ride(Some(&w.road), "2025-02-10", "50", &[]); // Road: only the chain now
    g.add_ride(Some(&w.winter), "2025-02-15", "70", &[]); // Winter: the wheels and their parts
    assert_eq!(w.km(), (180.0, 170.0, 170.0, 180.0, 160.0));

    // The listing shows the tree, its JSON the parent and the resolved bike.
    let tyre = listed(g, &w.tyre);
    assert_eq!(tyre["parent_id"], w.wheelset.as_str());
    assert_eq!(tyre["bike_id"], w.winter.as_str());
    assert_eq!(tyre["bike"], "Winter");
    let wheelset = listed(g, &w.wheelset);
    assert_eq!(wheelset["parent_id"], Value::Null);
    assert_eq!(wheelset["bike_id"], w.winter.as_str());
    let table = g.stdout(&["components"]);
    let lines: Vec<&str> = table.lines().collect();
    let at = |id: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} in\n{table}"))
    };
    assert!(at(&w.tyre) > at(&w.wheelset) && at(&w.cassette) > at(&w.wheelset));
    assert!(lines[at(&w.tyre)].contains("└ Rear tyre"), "{table}");
    assert!(!lines[at(&w.wheelset)].contains('└'), "{table}");

    // `due` names the bike and the wheel.
    let due = g.due();
    let tyre_due = due
        .iter()
        .find(|r| r["rule_id"] == w.tyre_replace.as_str())
        .expect("tyre rule");
    assert_eq!(tyre_due["path"], "Winter › Race wheels › Rear tyre");
    assert_eq!(tyre_due["component"], "Rear tyre");
    assert_eq!(tyre_due["bike"], "Winter");
    let row = g
        .stdout(&["due"])
        .lines()
        .find(|l| l.starts_with(&w.tyre_replace))
        .expect("tyre row")
        .to_owned();
    assert!(row.contains("Race wheels › Rear tyre"), "{row}");

    // Taking the tyre off the wheel ends its share from then; the cassette rides on.
    let off = g.json(&["component", "remove", &w.tyre, "--at", "2025-03-01"]);
    assert_eq!(
        (
            off["removed_from"].clone(),
            off["removed_from_kind"].clone()
        ),
        (Value::from(w.wheelset.as_str()), Value::from("part"))
    );
    g.add_ride(Some(&w.winter), "2025-03-05", "40", &[]);
    assert_eq!(w.km(), (220.0, 210.0, 170.0, 220.0, 160.0));
    assert_eq!(listed(g, &w.tyre)["bike_id"], Value::Null);

    // Back on Road; the tyre goes back on the wheel too.
    g.json(&[
        "component",
        "move",
        &w.wheelset,
        "--bike",
        &w.road,
        "--at",
        "2025-04-01",
    ]);
    g.json(&[
        "component",
        "install",
        &w.tyre,
        "--on",
        &w.wheelset,
        "--at",
        "2025-04-01",
    ]);
    g.add_ride(Some(&w.road), "2025-04-10", "25", &[]);
    g.add_ride(Some(&w.winter), "2025-04-11", "5", &[]);
    assert_eq!(w.km(), (245.0, 235.0, 195.0, 245.0, 185.0));
    g.assert_integrity();
}

#[test]
fn a_back_dated_wheelset_move_recounts_its_parts_rides_on_both_bikes() {
    let w = wheels();
    let g = &w.g;
    // Every ride is typed in first; the move that happened on 2025-02-01 comes after.
    g.add_ride(Some(&w.road), "2025-01-10", "100", &[]);
    g.add_ride(Some(&w.winter), "2025-01-15", "30", &[]);
    g.add_ride(Some(&w.road), "2025-02-10", "50", &[]);
    g.add_ride(Some(&w.winter), "2025-02-15", "70", &[]);
    g.add_ride(Some(&w.winter), "2025-03-10", "20", &[]);
    assert_eq!(w.km(), (150.0, 150.0, 150.0, 150.0, 150.0));

    g.json(&[
        "component",
        "move",
        &w.wheelset,
        "--bike",
        &w.winter,
        "--at",
        "2025-02-01",
    ]);
    // Road's 100 before the move and Winter's 70 + 20 after it; the chain stays on Road.
    assert_eq!(w.km(), (190.0, 190.0, 190.0, 190.0, 150.0));

    // Back-dated moves of a child: the cassette spent March on a spare wheel on the shelf, so
    // March's ride on Winter does not wear it...
    let (spare, spare_rules) = g.add_component(&["--kind", "wheel", "--name", "Spare wheel"]);
    g.json(&[
        "component",
        "move",
        &w.cassette,
        "--on",
        &spare,
        "--at",
        "2025-03-01",
    ]);
    g.json(&[
        "component",
        "move",
        &w.cassette,
        "--on",
        &w.wheelset,
        "--at",
        "2025-04-01",
    ]);
    assert_eq!(w.km(), (190.0, 190.0, 190.0, 170.0, 150.0));
    // ...until the spare wheel turns out to have been on Winter that month: the ride counts
    // for the wheel and, through it, for the cassette again.
    g.json(&[
        "component",
        "install",
        &spare,
        "--bike",
        &w.winter,
        "--at",
        "2025-03-01",
        "--until",
        "2025-04-01",
    ]);
    assert_eq!(w.km(), (190.0, 190.0, 190.0, 190.0, 150.0));
    let spare_true = &spare_rules["True and check spoke tension"];
    assert_eq!(g.used(spare_true), 20_000.0);
    g.assert_integrity();
}

#[test]
fn a_part_cannot_be_mounted_on_itself_through_its_children() {
    let w = wheels();
    let g = &w.g;
    // The wheelset on its own tyre: the tyre is on the wheelset.
    let err = g.rejects(
        &["component", "install", &w.wheelset, "--on", &w.tyre],
        1,
        "on itself",
    );
    assert!(err.contains("take that one off first"), "{err}");
    g.rejects(
        &["component", "move", &w.wheelset, "--on", &w.wheelset],
        1,
        "on itself",
    );
    // Two levels: a wheel in the wheelset, the tyre moved onto the wheel; the wheelset on the
    // tyre would close the loop wheelset › wheel › tyre › wheelset.
    let (wheel, _) = g.add_component(&["--kind", "wheel", "--on", &w.wheelset]);
    g.json(&["component", "move", &w.tyre, "--on", &wheel]);
    g.rejects(
        &["component", "move", &w.wheelset, "--on", &w.tyre],
        1,
        "on itself",
    );
    // A part on a shelved parent is fine; its wear waits for the parent to reach a bike.
    let (tubeless, _) = g.add_component(&["--kind", "sealant", "--on", &wheel]);
    assert_eq!(listed(g, &tubeless)["parent_id"], wheel.as_str());
    // Either target, not both, not neither.
    g.fails_with(&["component", "move", &w.tyre], 2, "--bike");
    g.fails_with(
        &[
            "component",
            "move",
            &w.tyre,
            "--bike",
            &w.road,
            "--on",
            &wheel,
        ],
        2,
        "cannot be used with",
    );
    g.assert_integrity();
}

/// The ids in a retire or replace report's list (`moved` or `shelved`).
fn ids(report: &Value, list: &str) -> Vec<String> {
    report[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} in {report}"))
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect()
}

#[test]
fn a_replaced_wheelset_hands_its_parts_to_the_new_one_and_a_retired_one_shelves_them() {
    let w = wheels();
    let g = &w.g;
    g.add_ride(Some(&w.road), "2025-01-10", "100", &[]);

    // Replaced: the tyre and the cassette go onto the new wheelset and keep counting.
    let replaced = g.json(&["component", "replace", &w.wheelset, "--at", "2025-02-01"]);
    let second = replaced["id"].as_str().expect("fresh id").to_owned();
    // Listed oldest mounting first, then by name.
    assert_eq!(
        ids(&replaced, "moved"),
        [w.cassette.clone(), w.tyre.clone()]
    );
    assert!(ids(&replaced, "shelved").is_empty());
    g.add_ride(Some(&w.road), "2025-02-10", "50", &[]);
    assert_eq!(g.used(&w.tyre_replace), 150_000.0);
    assert_eq!(g.used(&w.cassette_replace), 150_000.0);
    assert_eq!(listed(g, &w.tyre)["parent_id"], second.as_str());
    assert_eq!(listed(g, &w.tyre)["bike_id"], w.road.as_str());

    // Replaced with --shelve-parts: they come off; the ride after does not wear them.
    let text = g.stdout(&[
        "component",
        "replace",
        &second,
        "--at",
        "2025-03-01",
        "--shelve-parts",
    ]);
    assert!(
        text.contains("On the shelf now: Cassette, Rear tyre."),
        "{text}"
    );
    g.add_ride(Some(&w.road), "2025-03-10", "20", &[]);
    assert_eq!(g.used(&w.tyre_replace), 150_000.0);
    assert_eq!(g.used(&w.cassette_replace), 150_000.0);
    assert_eq!(listed(g, &w.tyre)["parent_id"], Value::Null);
    assert_eq!(listed(g, &w.tyre)["bike_id"], Value::Null);
    let third = listed_on(g, &w.road, "wheelset");

    // The tyre goes on the third wheelset; retiring that one before the tyre went on is
    // refused and changes nothing, retiring it after shelves the tyre.
    g.json(&[
        "component",
        "install",
        &w.tyre,
        "--on",
        &third,
        "--at",
        "2025-04-01",
    ]);
    g.add_ride(Some(&w.road), "2025-04-10", "5", &[]);
    assert_eq!(g.used(&w.tyre_replace), 155_000.0);
    let err = g.rejects(
        &["component", "retire", &third, "--at", "2025-03-15"],
        2,
        "\"Rear tyre\" was mounted on",
    );
    assert!(err.contains("pick a later date"), "{err}");
    let retired = g.json(&["component", "retire", &third, "--at", "2025-05-01"]);
    assert_eq!(retired["retired"], true);
    assert_eq!(ids(&retired, "shelved"), [w.tyre.as_str()]);
    g.add_ride(Some(&w.road), "2025-05-10", "7", &[]);
    assert_eq!(g.used(&w.tyre_replace), 155_000.0);
    assert_eq!(listed(g, &w.tyre)["bike_id"], Value::Null);
    // The chain, on the bike itself, counted every ride.
    assert_eq!(g.used(&w.chain_replace), 182_000.0);
    g.assert_integrity();
}

/// The id of the one part of `kind` on `bike` now.
fn listed_on(g: &Garage, bike: &str, kind: &str) -> String {
    let all = g.json(&["components", "--bike", bike]);
    let found: Vec<&Value> = all
        .as_array()
        .expect("components")
        .iter()
        .filter(|c| c["kind"] == kind)
        .collect();
    assert_eq!(found.len(), 1, "one {kind} on {bike}: {all}");
    found[0]["id"].as_str().expect("id").to_owned()
}
