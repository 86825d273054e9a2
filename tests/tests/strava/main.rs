//! Strava sync end to end through the real CLI binary against a fake Strava on loopback (written
//! from Strava's documentation: tests/src/fake_strava/). Each test is named after the behaviour
//! it pins down.

use std::collections::BTreeMap;

use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::fake_strava::{FakeActivity, FakeGear, FakeState, FakeStrava};
use rusqlite::Connection;
use serde_json::Value;

mod browser;
mod connection;
mod flagged;
mod import;
mod progress;
mod rides;

/// Mid-2026, in epoch seconds: every fake activity starts before it.
const T0: i64 = 1_780_000_000;

const DAY: i64 = 86_400;

fn gear(id: &str, name: &str, retired: bool) -> FakeGear {
    FakeGear {
        id: id.into(),
        name: name.into(),
        retired,
        frame_type: 3,
    }
}

/// `n` activities, newest at `T0`, one every `spacing` seconds, spread over three bikes (one of
/// them retired in Strava), with runs and gear-less rides mixed in.
fn history(n: usize, spacing: i64) -> Vec<FakeActivity> {
    (0..n)
        .map(|i| {
            let id = 10_000_000_000 + i as i64;
            let gear = match i % 7 {
                0 => None,
                1..=3 => Some("b100"),
                4 | 5 => Some("b200"),
                _ => Some("b300"),
            };
            let mut a = FakeActivity::ride(
                id,
                T0 - i as i64 * spacing,
                20_000.0 + (i % 50) as f64 * 1000.0,
                gear,
            );
            if i % 11 == 0 {
                a.sport_type = "Run".into();
            }
            if i % 13 == 0 {
                a.sport_type = "VirtualRide".into();
                a.trainer = true;
            }
            a
        })
        .collect()
}

fn fake_with(activities: Vec<FakeActivity>) -> FakeStrava {
    let mut state = FakeState::default();
    state.gear = vec![
        gear("b100", "Road bike", false),
        gear("b200", "Gravel bike", false),
        gear("b300", "Old steel", true),
    ];
    state.activities = activities;
    FakeStrava::start(state)
}

/// Strava's totals for cycling activities, per gear id (None: no gear), to compare with ours.
fn expected(activities: &[FakeActivity]) -> BTreeMap<Option<String>, (i64, f64)> {
    let name = |g: &Option<String>| {
        g.as_deref().map(|g| {
            match g {
                "b100" => "Road bike",
                "b200" => "Gravel bike",
                _ => "Old steel",
            }
            .to_owned()
        })
    };
    let mut out: BTreeMap<Option<String>, (i64, f64)> = BTreeMap::new();
    for a in activities.iter().filter(|a| a.sport_type != "Run") {
        let e = out.entry(name(&a.gear_id)).or_default();
        e.0 += 1;
        e.1 += a.distance_m;
    }
    out
}

fn n(v: &Value, key: &str) -> i64 {
    v[key].as_i64().unwrap_or_else(|| panic!("{key} in {v}"))
}

/// A garage whose CLI talks to the fake, configured by environment variables as a headless
/// server would be (client id, secret and a refresh token).
struct Rig {
    g: Garage,
    fake: FakeStrava,
    refresh_token: String,
}

impl Rig {
    fn new(fake: FakeStrava) -> Rig {
        let refresh_token = fake.state().issue_refresh_token();
        let mut g = Garage::new();
        g.strava(&fake, &refresh_token)
            .set("PEDALWRENCHER_STRAVA_BACKOFF_MS", "20")
            // Everything logged, so that the secret checks see it all.
            .set("PEDALWRENCHER_LOG", "debug");
        Rig {
            g,
            fake,
            refresh_token,
        }
    }

    fn sync(&self, full: bool) -> Value {
        if full {
            self.g.json(&["sync", "--full"])
        } else {
            self.g.json(&["sync"])
        }
    }

    /// Live Strava rides per bike name (None: unassigned), with their total distance.
    fn totals(&self) -> BTreeMap<Option<String>, (i64, f64)> {
        let conn: Connection = self.g.db();
        let mut stmt = conn
            .prepare(
                "SELECT b.name, COUNT(*), SUM(r.distance_m) FROM rides r LEFT JOIN bikes b ON b.id = r.bike_id
                 WHERE r.source = 'strava' AND r.deleted_at IS NULL GROUP BY b.name",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
            .unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    /// No token or secret the fake ever issued is in the CLI's output or the garage's files.
    fn assert_no_secret_leaked(&self) {
        let secrets = self.fake.state().secrets();
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        self.g.assert_no_secret(&secrets);
    }
}
