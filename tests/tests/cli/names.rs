//! Names stored exactly as typed.

use pedalwrencher_tests::cli::{id_of, Garage};
use serde_json::Value;

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
    let table = g.stdout(&["bikes"]);
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
