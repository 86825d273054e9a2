//! Rejected input: a clear message, the exit code, no panic, the database unchanged.

use super::fixture;

#[test]
fn unknown_ids_are_not_found_with_exit_1() {
    let f = fixture();
    let (g, b, c, r) = (&f.g, f.road.as_str(), f.chain.as_str(), f.ride.as_str());
    let no_bike = "no bike has the id 'nope'";
    let no_component = "no component has the id 'nope'";
    let no_rule = "no rule has the id 'nope'";
    let no_ride = "no ride has the id 'nope'";
    let cases: &[(&[&str], &str)] = &[
        (&["bike", "edit", "nope", "--name", "X"], no_bike),
        (&["bike", "retire", "nope"], no_bike),
        (&["components", "--bike", "nope"], no_bike),
        (&["rides", "--bike", "nope"], no_bike),
        (
            &["ride", "add", "--bike", "nope", "--distance", "5"],
            no_bike,
        ),
        (&["ride", "assign", r, "--bike", "nope"], no_bike),
        (
            &["component", "add", "--kind", "chain", "--bike", "nope"],
            no_bike,
        ),
        (
            &[
                "component",
                "install",
                c,
                "--bike",
                "nope",
                "--at",
                "2024-01-01",
                "--until",
                "2024-02-01",
            ],
            no_bike,
        ),
        (
            &[
                "component",
                "move",
                c,
                "--bike",
                "nope",
                "--at",
                "2025-02-01",
            ],
            no_bike,
        ),
        (&["component", "install", "nope", "--bike", b], no_component),
        (&["component", "move", "nope", "--bike", b], no_component),
        (&["component", "remove", "nope"], no_component),
        (&["component", "retire", "nope"], no_component),
        (&["component", "replace", "nope"], no_component),
        (
            &[
                "rule", "add", "nope", "--task", "T", "--metric", "rides", "--every", "5",
            ],
            no_component,
        ),
        (&["ride", "assign", "nope", "--bike", b], no_ride),
        (&["ride", "delete", "nope"], no_ride),
        (&["done", "nope"], no_rule),
        (&["snooze", "nope", "--days", "3"], no_rule),
        (&["rule", "edit", "nope", "--every", "5"], no_rule),
        (&["rule", "delete", "nope"], no_rule),
    ];
    for (args, needle) in cases {
        let stderr = g.rejects(args, 1, needle);
        assert!(
            stderr.contains("pedalwrencher-cli "),
            "the message says where to find ids: {stderr}"
        );
    }
}

#[test]
fn negative_or_zero_interval_is_rejected_quoting_what_was_typed() {
    let f = fixture();
    let g = &f.g;
    let stderr = g.rejects(
        &[
            "rule",
            "add",
            &f.chain,
            "--task",
            "T",
            "--metric",
            "moving_time",
            "--every=-50",
        ],
        2,
        "interval cannot be negative",
    );
    assert!(
        stderr.contains("(-50)"),
        "quote the hours typed, not seconds: {stderr}"
    );
    g.rejects(
        &[
            "rule", "add", &f.chain, "--task", "T", "--metric", "distance", "--every", "0",
        ],
        2,
        "interval must be greater than zero",
    );
    g.rejects(
        &["rule", "edit", &f.replace, "--every=-3"],
        2,
        "interval cannot be negative (-3)",
    );
    g.rejects(
        &["rule", "edit", &f.replace, "--warn", "1.5"],
        2,
        "warn fraction must be a fraction",
    );
    let stderr = g.rejects(
        &["ride", "add", "--bike", &f.road, "--distance=-5"],
        2,
        "distance cannot be negative",
    );
    assert!(
        stderr.contains("(-5)"),
        "quote the km typed, not metres: {stderr}"
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--elevation=-1"],
        2,
        "elevation gain cannot be negative (-1)",
    );
    g.rejects(
        &[
            "component",
            "add",
            "--kind",
            "chain",
            "--used-distance=-100",
        ],
        2,
        "starting distance cannot be negative (-100)",
    );
    g.rejects(&["done", &f.replace, "--cost=-5"], 2, "is not an amount");
}

#[test]
fn nan_and_infinite_quantities_are_rejected() {
    let f = fixture();
    let g = &f.g;
    g.rejects(
        &[
            "rule", "add", &f.chain, "--task", "T", "--metric", "distance", "--every", "NaN",
        ],
        2,
        "interval must be a number, not NaN",
    );
    g.rejects(
        &[
            "rule", "add", &f.chain, "--task", "T", "--metric", "days", "--every", "inf",
        ],
        2,
        "interval must be a number",
    );
    g.rejects(
        &["rule", "edit", &f.replace, "--every", "NaN"],
        2,
        "interval must be a number",
    );
    g.rejects(
        &["rule", "edit", &f.replace, "--warn", "NaN"],
        2,
        "warn fraction",
    );
    g.rejects(
        &["ride", "add", "--bike", &f.road, "--distance", "NaN"],
        2,
        "distance must be a number, not NaN",
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--elevation", "NaN"],
        2,
        "elevation gain must be a number",
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--energy", "NaN"],
        2,
        "energy must be a number",
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--time", "NaN"],
        2,
        "is not a duration",
    );
    g.rejects(
        &[
            "component",
            "add",
            "--kind",
            "chain",
            "--used-distance",
            "NaN",
        ],
        2,
        "starting distance must be a number",
    );
    g.rejects(
        &["component", "add", "--kind", "chain", "--cost", "NaN"],
        2,
        "'NaN' is not an amount",
    );
    g.rejects(
        &["done", &f.replace, "--cost", "inf"],
        2,
        "is not an amount",
    );
}

#[test]
fn empty_names_are_rejected() {
    let f = fixture();
    let g = &f.g;
    g.rejects(&["bike", "add", ""], 2, "bike name is empty");
    g.rejects(&["bike", "add", "   "], 2, "bike name is empty");
    g.rejects(
        &["bike", "edit", &f.road, "--name", " "],
        2,
        "bike name is empty",
    );
    g.rejects(
        &[
            "rule", "add", &f.chain, "--task", "", "--metric", "rides", "--every", "5",
        ],
        2,
        "task is empty",
    );
    g.rejects(
        &["rule", "edit", &f.replace, "--task", "  "],
        2,
        "task is empty",
    );
}

#[test]
fn ten_thousand_character_names_are_rejected() {
    let f = fixture();
    let g = &f.g;
    let long = "x".repeat(10_000);
    let too_long = "is 10000 characters long; keep it to 200 or fewer";
    g.rejects(&["bike", "add", &long], 2, too_long);
    g.rejects(&["bike", "edit", &f.road, "--name", &long], 2, too_long);
    g.rejects(
        &["component", "add", "--kind", "chain", "--name", &long],
        2,
        too_long,
    );
    g.rejects(
        &[
            "rule", "add", &f.chain, "--task", &long, "--metric", "rides", "--every", "5",
        ],
        2,
        too_long,
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--name", &long],
        2,
        too_long,
    );
    g.rejects(
        &["bike", "add", &"x".repeat(201)],
        2,
        "is 201 characters long",
    );
    g.rejects(&["bike", "add", "tab\u{7}bell"], 2, "control characters");
}

#[test]
fn overlapping_installation_is_a_conflict_with_exit_1() {
    let f = fixture();
    let g = &f.g;
    // The chain is on Road since 2025-01-01, open-ended.
    let stderr = g.rejects(
        &[
            "component",
            "install",
            &f.chain,
            "--bike",
            &f.gravel,
            "--at",
            "2025-03-01",
        ],
        1,
        "already on \"Road\" since 2025-01-01",
    );
    assert!(stderr.contains("remove or move it first"), "{stderr}");
    g.rejects(
        &[
            "component",
            "install",
            &f.chain,
            "--bike",
            &f.gravel,
            "--at",
            "2024-12-01",
            "--until",
            "2025-01-02",
        ],
        1,
        "already on \"Road\"",
    );
    g.rejects(
        &[
            "component",
            "install",
            &f.chain,
            "--bike",
            &f.road,
            "--at",
            "2024-06-01",
        ],
        1,
        "already on",
    );
    // A back-dated span that fits is fine; overlapping it is not.
    g.json(&[
        "component",
        "install",
        &f.chain,
        "--bike",
        &f.gravel,
        "--at",
        "2024-06-01",
        "--until",
        "2024-07-01",
    ]);
    g.rejects(
        &[
            "component",
            "install",
            &f.chain,
            "--bike",
            &f.road,
            "--at",
            "2024-06-15",
            "--until",
            "2024-06-20",
        ],
        1,
        "already on \"Gravel\" from 2024-06-01 to 2024-07-01",
    );
    // Spans that end before they start are bad input, not a conflict.
    g.rejects(
        &[
            "component",
            "install",
            &f.chain,
            "--bike",
            &f.gravel,
            "--at",
            "2024-03-01",
            "--until",
            "2024-02-01",
        ],
        2,
        "removal date must be after the installation date",
    );
    g.rejects(
        &["component", "remove", &f.chain, "--at", "2024-12-01"],
        2,
        "removal date must be after the installation date (2025-01-01)",
    );
    g.rejects(
        &[
            "component",
            "move",
            &f.chain,
            "--bike",
            &f.gravel,
            "--at",
            "2024-12-01",
        ],
        2,
        "removal date must be after",
    );
    // On the shelf there is nothing to remove or move.
    let (sealant, _) = g.add_component(&["--kind", "sealant"]);
    g.rejects(
        &["component", "remove", &sealant],
        1,
        "not mounted on any bike",
    );
    g.rejects(
        &["component", "move", &sealant, "--bike", &f.road],
        1,
        "use install instead of move",
    );
}

#[test]
fn unknown_preset_kind_is_rejected_with_the_list_of_kinds() {
    let f = fixture();
    let stderr = f.g.rejects(
        &["component", "add", "--kind", "sprocket", "--bike", &f.road],
        2,
        "unknown component kind 'sprocket'",
    );
    assert!(
        stderr.contains("chain") && stderr.contains("custom"),
        "{stderr}"
    );
    f.g.rejects(
        &["bike", "add", "Tandem", "--kind", "tandem"],
        2,
        "unknown bike kind 'tandem'",
    );
}

#[test]
fn bad_dates_are_rejected() {
    let f = fixture();
    let g = &f.g;
    let bad = "is not a date; write it as YYYY-MM-DD";
    g.rejects(
        &["ride", "add", "--distance", "5", "--date", "2025-02-30"],
        2,
        bad,
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--date", "yesterday"],
        2,
        bad,
    );
    g.rejects(
        &["ride", "add", "--distance", "5", "--date", "10/01/2025"],
        2,
        bad,
    );
    g.rejects(
        &[
            "component",
            "add",
            "--kind",
            "chain",
            "--bike",
            &f.road,
            "--installed",
            "2025-13-01",
        ],
        2,
        bad,
    );
    g.rejects(
        &[
            "component",
            "install",
            &f.chain,
            "--bike",
            &f.gravel,
            "--at",
            "2024-01-01",
            "--until",
            "soon",
        ],
        2,
        bad,
    );
    g.rejects(
        &["component", "remove", &f.chain, "--at", "2025-01-10T25:00"],
        2,
        bad,
    );
    g.rejects(&["done", &f.replace, "--date", "2025-1-1x"], 2, bad);
    g.rejects(&["snooze", &f.replace, "--until", "next week"], 2, bad);
}

#[test]
fn unknown_metric_or_filter_is_rejected() {
    let f = fixture();
    let g = &f.g;
    let stderr = g.rejects(
        &[
            "rule", "add", &f.chain, "--task", "T", "--metric", "furlongs", "--every", "5",
        ],
        2,
        "unknown metric 'furlongs'",
    );
    assert!(
        stderr.contains("distance, moving_time, rides, elevation, energy, days"),
        "{stderr}"
    );
    g.rejects(
        &[
            "rule",
            "add",
            &f.chain,
            "--task",
            "T",
            "--metric",
            "rides",
            "--every",
            "5",
            "--filter",
            "sometimes",
        ],
        2,
        "unknown ride filter 'sometimes'",
    );
    g.rejects(
        &["rule", "edit", &f.replace, "--filter", "never"],
        2,
        "unknown ride filter 'never'",
    );
}

#[test]
fn bad_usage_exits_2_without_touching_the_garage() {
    let f = fixture();
    let g = &f.g;
    g.rejects(&[], 2, "Usage:");
    g.rejects(&["bike"], 2, "Usage:");
    g.rejects(&["frobnicate"], 2, "unrecognized subcommand");
    g.rejects(&["ride", "add"], 2, "--distance <DISTANCE>");
    g.rejects(
        &["ride", "add", "--distance", "five"],
        2,
        "invalid value 'five'",
    );
    g.rejects(&["ride", "assign", &f.ride], 2, "--bike <BIKE>");
    g.rejects(
        &["--units", "furlongs", "bikes"],
        2,
        "unknown units 'furlongs'",
    );
    g.rejects(&["snooze", &f.replace], 2, "say how long");
    g.rejects(
        &["snooze", &f.replace, "--days", "3", "--clear"],
        2,
        "cannot be used with",
    );
    // A snooze past what a date can hold used to print "until ?".
    g.rejects(&["snooze", &f.replace, "--days", "4294967295"], 2, "--days");
    g.rejects(
        &["snooze", &f.replace, "--days", "36501"],
        2,
        "not in 1..=36500",
    );
    // --installed without --bike used to be dropped silently, leaving the part on the shelf.
    g.rejects(
        &[
            "component",
            "add",
            "--kind",
            "chain",
            "--installed",
            "2025-01-01",
        ],
        2,
        "--bike <BIKE>",
    );

    let help = g.stdout(&["--help"]);
    assert!(help.contains("Exit codes: 0 ok, 1 failure"), "{help}");
}
