//! Numbers a ride cannot have are refused when typed (exit 2, nothing stored) unless `--force`.

use pedalwrencher_tests::cli::{id_of, num, Garage};

#[test]
fn ride_add_refuses_impossible_numbers_with_the_reason_and_stores_nothing() {
    let g = Garage::new();
    let road = g.add_bike("Road");
    let base = ["ride", "add", "--bike", &road, "--date", "2025-03-01"];
    let with = |extra: &[&'static str]| -> Vec<String> {
        base.iter()
            .map(|s| s.to_string())
            .chain(extra.iter().map(|s| s.to_string()))
            .collect()
    };
    for (extra, reason) in [
        (
            &["--distance", "99999999"][..],
            "a distance of 99,999,999 km is more than one ride can cover (1,000 km at most)",
        ),
        (
            &["--distance", "100", "--time", "99999"][..],
            "a moving time of 99,999h00 is longer than one ride (48 hours at most)",
        ),
        (
            &["--distance", "100", "--elevation", "999000"][..],
            "999,000 m of climbing is more than one ride can climb (20,000 m at most)",
        ),
        (
            &["--distance", "300", "--time", "2"][..],
            "300 km in 2h00 is 150 km/h on average",
        ),
        (
            &["--distance", "10", "--elevation", "600"][..],
            "600 m of climbing over 10 km is more than 50 m per km",
        ),
    ] {
        let args = with(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let stderr = g.rejects(&args, 2, reason);
        assert!(stderr.contains("add --force to keep it"), "{stderr}");
    }
    assert_eq!(g.count("rides"), 0);

    // A real long ride passes; a confirmed impossible one is stored as typed.
    g.ok(
        &with(&["--distance", "600", "--time", "30", "--elevation", "6000"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let forced = g.json(
        &with(&["--distance", "2000", "--force"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(num(&forced["distance_m"]), 2_000_000.0);
    // Confirmed by the rider: nothing left to review.
    assert_eq!(forced["review"].as_array().unwrap().len(), 0);
    assert_eq!(g.count("rides"), 2);
}

#[test]
fn ride_edit_refuses_impossible_numbers_unless_forced() {
    let g = Garage::new();
    let road = g.add_bike("Road");
    let ride = id_of(&g.json(&[
        "ride",
        "add",
        "--bike",
        &road,
        "--date",
        "2025-03-01",
        "--distance",
        "40",
    ]));
    g.rejects(
        &["ride", "edit", &ride, "--distance", "40000"],
        2,
        "a distance of 40,000 km is more than one ride can cover",
    );
    // Editing something else of a plausible ride is not affected.
    g.ok(&["ride", "edit", &ride, "--name", "Loop"]);
    let edited = g.json(&["ride", "edit", &ride, "--distance", "40000", "--force"]);
    assert_eq!(num(&edited["distance_m"]), 40_000_000.0);
    assert_eq!(num(&g.bike(&road)["distance_m"]), 40_000_000.0);
}
