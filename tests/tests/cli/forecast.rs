//! `due --json` says when each rule will be due at the recent pace (`forecast_days`).

use chrono::{Duration, Utc};
use pedalwrencher_tests::cli::{num, Garage};

fn days_ago(n: i64) -> String {
    (Utc::now() - Duration::days(n))
        .format("%Y-%m-%d")
        .to_string()
}

#[test]
fn due_json_forecasts_days_at_the_last_eight_weeks_pace_and_null_when_not_ridden() {
    let g = Garage::new();
    let road = g.add_bike("Road");
    let (_, rules) = g.add_component(&[
        "--kind",
        "chain",
        "--bike",
        &road,
        "--installed",
        &days_ago(200),
    ]);
    let (_, shelf) = g.add_component(&["--kind", "chain", "--name", "Spare chain"]);
    // Before the window: use, not pace.
    g.add_ride(Some(&road), &days_ago(100), "1000", &[]);
    // 560 km in the last 56 days: 10 km a day.
    for n in 0..8 {
        g.add_ride(Some(&road), &days_ago(7 * n + 2), "70", &[]);
    }
    let replace = g.status_of(&rules["Replace"]);
    // 3000 - 1560 = 1440 km left at 10 km a day.
    assert_eq!(num(&replace["forecast_days"]), 144.0);
    // Clean and lube every 300 km: long overdue.
    assert_eq!(
        num(&g.status_of(&rules["Clean and lube"])["forecast_days"]),
        0.0
    );
    assert!(g.status_of(&shelf["Replace"])["forecast_days"].is_null());
}
