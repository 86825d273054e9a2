//! `backup FILE` and `restore FILE`: the whole garage out and back, every id kept onto an empty
//! garage, rows already here kept alongside one, and damaged, truncated or foreign files refused
//! with nothing changed.

use std::path::Path;

use pedalwrencher_tests::cli::{num, str_of, Garage};

/// The demo garage with a few more things done to it: a service, a deleted ride, a retired bike.
fn lived_in() -> Garage {
    let g = Garage::with_demo();
    let due = g.due();
    let rule = str_of(&due[0]["rule_id"]);
    g.ok(&[
        "done",
        &rule,
        "--cost",
        "12.50",
        "--notes",
        "new, \"shiny\"",
    ]);
    let rides = g.json(&["rides", "--limit", "3"]);
    g.ok(&["ride", "delete", &str_of(&rides[2]["id"])]);
    let bike = str_of(&g.bikes()[0]["id"]);
    g.ok(&["bike", "retire", &bike]);
    g
}

fn backup(g: &Garage) -> std::path::PathBuf {
    let file = g.file("garage-backup.json");
    let report = g.json(&["backup", file.to_str().unwrap()]);
    assert_eq!(report["format_version"], 1);
    assert!(Path::new(&str_of(&report["rides_csv"])).is_file());
    file
}

#[test]
fn restore_onto_an_empty_garage_keeps_every_id_and_prints_the_same_json() {
    let from = lived_in();
    let before = from.views();
    let file = backup(&from);

    let to = Garage::new();
    let report = to.json(&["restore", file.to_str().unwrap()]);
    assert_eq!(report["onto_empty"], true, "{report}");
    assert_eq!(
        report["skipped_rows"].as_array().unwrap().len(),
        0,
        "{report}"
    );
    assert_eq!(num(&report["added"]["bikes"]), 3.0);
    let after = to.views();
    assert_eq!(before.len(), after.len());
    for ((what, b), (_, a)) in before.iter().zip(&after) {
        assert_eq!(b, a, "`{what}` differs after restore");
    }
    // The tombstone came too: the deleted ride stays deleted, with its id.
    assert_eq!(from.count("rides"), to.count("rides"));
    to.assert_integrity();
}

#[test]
fn restore_alongside_a_garage_adds_what_is_new_and_keeps_what_is_here() {
    let from = lived_in();
    let file = backup(&from);

    // Into itself: everything is already here.
    let counts = from.counts();
    let again = from.json(&["restore", file.to_str().unwrap()]);
    assert_eq!(again["onto_empty"], false);
    assert_eq!(
        again["added"]
            .as_object()
            .unwrap()
            .values()
            .map(num)
            .sum::<f64>(),
        0.0
    );
    let skipped = &again["skipped_rows"][0];
    assert_eq!(
        str_of(&skipped["reason"]),
        "already in this garage (the copy here is kept as it is)"
    );
    assert_eq!(from.counts(), counts);

    // Into a garage with a bike of its own, renamed there: the rider's bike stays, the backup's
    // rows arrive beside it.
    let other = Garage::new();
    let mine = other.add_bike("My commuter");
    let report = other.json(&["restore", file.to_str().unwrap()]);
    assert_eq!(report["onto_empty"], false);
    assert_eq!(num(&report["added"]["bikes"]), 3.0);
    let names: Vec<String> = other.bikes().iter().map(|b| str_of(&b["name"])).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert_eq!(other.bike(&mine)["name"], "My commuter");
    other.assert_integrity();
}

#[test]
fn damaged_truncated_foreign_and_newer_files_are_refused_and_change_nothing() {
    let from = lived_in();
    let file = backup(&from);
    let text = std::fs::read_to_string(&file).unwrap();
    let csv = file.with_file_name("garage-backup.rides.csv");
    let bad = |name: &str, content: &str| {
        let path = from.file(name);
        std::fs::write(&path, content).unwrap();
        path
    };
    // One distance changed by hand (still valid JSON): the checksum tells.
    let damaged = bad("damaged.json", &text.replacen("81000", "81001", 1));
    assert_ne!(std::fs::read_to_string(&damaged).unwrap(), text);
    let truncated = bad("truncated.json", &text[..text.len() / 2]);
    let garbled = bad(
        "garbled.json",
        &text.replacen("\"rows\": [", "\"rows\": [}", 1),
    );
    let foreign = bad("foreign.json", "{\"bikes\": []}");
    let newer = bad(
        "newer.json",
        &text.replacen("\"version\": 1", "\"version\": 2", 1),
    );

    let cases: [(&Path, &str); 6] = [
        (
            &damaged,
            "the file is damaged (its contents do not match its checksum",
        ),
        (&truncated, "the file is truncated"),
        (&garbled, "the file is damaged (not valid at line"),
        (&foreign, "it is not a Pedalwrencher backup"),
        (&csv, "it is not a Pedalwrencher backup"),
        (
            &newer,
            "it was made by a newer Pedalwrencher (backup format v2",
        ),
    ];
    let empty = Garage::new();
    empty.ok(&["bikes"]);
    for (path, reason) in cases {
        let path = path.to_str().unwrap();
        let stderr = from.rejects(&["restore", path], 2, reason);
        assert!(stderr.contains("Nothing was changed"), "{stderr}");
        empty.rejects(&["restore", path], 2, reason);
    }
    assert_eq!(empty.count("bikes"), 0);
}
