//! A long import tells how far it has come: `sync` prints a line on stderr every 500 rides (the
//! count so far and the oldest date reached) and one at each rate-limit pause, in order (`serve`
//! logs the same lines); and the
//! units follow the athlete's measurement preference until the rider chooses.

use chrono::{TimeZone, Utc};

use super::*;

/// The `Strava: …` progress lines of a run's stderr (the log may be there too).
fn progress_lines(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.starts_with("Strava: "))
        .map(str::to_owned)
        .collect()
}

/// Rides among the first `n` of [`history`] (runs are mixed in).
fn rides_among(n: usize) -> usize {
    history(n, DAY)
        .iter()
        .filter(|a| a.sport_type != "Run")
        .count()
}

/// The UTC date (the CLI runs with TZ=UTC) the `i`-th activity of a history started.
fn date_of(i: usize, spacing: i64) -> String {
    Utc.timestamp_opt(T0 - i as i64 * spacing, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string()
}

#[test]
fn a_long_import_prints_rides_so_far_and_the_oldest_date_every_500_rides() {
    let spacing = 3 * 3600;
    let rig = Rig::new(fake_with(history(1_200, spacing)));
    let out = rig.g.run(&["--json", "sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Pages of 200, each from the oldest start of the one before (inclusive, so they overlap by
    // one): the third page reaches activity 597 and passes 500 rides, the sixth reaches 1,194 and
    // passes 1,000; a line each, counting every ride once.
    assert_eq!(
        progress_lines(&out.stderr),
        [
            format!(
                "Strava: {} rides so far, back to {}",
                rides_among(598),
                date_of(597, spacing)
            ),
            format!(
                "Strava: {} rides so far, back to {}",
                rides_among(1_195),
                date_of(1_194, spacing)
            ),
        ]
    );
    // Stdout is still the report alone.
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(n(&report, "rides_added"), rides_among(1_200) as i64);
}

/// `serve`, the headless runner a home server keeps, logs the same lines during its Strava pass,
/// each after the log's time stamp.
#[test]
fn serve_logs_how_far_a_long_import_has_come() {
    let spacing = 3 * 3600;
    let rig = Rig::new(fake_with(history(1_200, spacing)));
    let out = rig
        .g
        .run(&["serve", "--cycles", "1", "--interval-seconds", "1"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    let lines: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split_once(" Strava: ").map(|(_, rest)| rest))
        .filter(|rest| rest.contains("rides so far"))
        .collect();
    assert_eq!(
        lines,
        [
            format!(
                "{} rides so far, back to {}",
                rides_among(598),
                date_of(597, spacing)
            ),
            format!(
                "{} rides so far, back to {}",
                rides_among(1_195),
                date_of(1_194, spacing)
            ),
        ],
        "{log}"
    );
}

#[test]
fn a_rate_limit_pause_is_told_before_the_import_goes_on() {
    let rig = Rig::new(fake_with(history(600, 3 * 3600)));
    {
        let mut st = rig.fake.state();
        st.limits.window_ms = 1_500;
        st.use_up_window();
    }
    let out = rig.g.run_with(
        &["--json", "sync"],
        &[("PEDALWRENCHER_STRAVA_RATE_WINDOW_MS", "1500")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = progress_lines(&out.stderr);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("Strava: paused for Strava's rate limit until "),
        "{lines:?}"
    );
    let until = lines[0].rsplit(' ').next().unwrap_or_default();
    assert!(
        until.len() == 5 && until.as_bytes()[2] == b':',
        "a local HH:MM: {until}"
    );
    assert_eq!(
        lines[1],
        format!(
            "Strava: {} rides so far, back to {}",
            rides_among(598),
            date_of(597, 3 * 3600)
        )
    );
}

fn units(g: &Garage) -> String {
    let text = std::fs::read_to_string(g.file("settings.json")).unwrap_or_default();
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    v["units"].as_str().unwrap_or("metric").to_owned()
}

#[test]
fn an_athlete_who_uses_feet_gets_imperial_units_when_the_rider_never_chose() {
    let rig = Rig::new(fake_with(history(10, DAY)));
    rig.fake.state().measurement_preference = "feet".into();
    let report = rig.sync(false);
    assert_eq!(units(&rig.g), "imperial");
    // The pass says so, and the app tells an open window (src-tauri/src/events.rs).
    assert_eq!(report["units"], "imperial", "{report}");
    // Set once: the next pass leaves them, and says nothing.
    let again = rig.sync(false);
    assert!(again.get("units").is_none(), "{again}");
}

#[test]
fn the_riders_own_choice_of_units_wins_over_strava() {
    let rig = Rig::new(fake_with(history(10, DAY)));
    rig.fake.state().measurement_preference = "feet".into();
    // What the app's settings writer leaves once the rider picked units (core's settings::update
    // marks the choice; its unit tests pin that down).
    rig.g
        .write_settings(serde_json::json!({"units": "metric", "units_chosen": true}));
    rig.sync(false);
    assert_eq!(units(&rig.g), "metric");
}
