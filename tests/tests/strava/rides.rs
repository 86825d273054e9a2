//! Rides after the first import: bikes chosen here or changed in Strava, rides deleted here or
//! there, through sync and full sync.

use super::{fake_with, history, n, Rig, DAY};

#[test]
fn a_manual_bike_for_a_gearless_ride_survives_sync_and_full_sync_until_strava_names_gear() {
    let activities = history(40, DAY);
    let rig = Rig::new(fake_with(activities.clone()));
    rig.sync(false);
    let gearless = activities
        .iter()
        .find(|a| a.gear_id.is_none() && a.sport_type != "Run")
        .unwrap()
        .id;
    let ride_id: String = rig
        .g
        .db()
        .query_row(
            "SELECT id FROM rides WHERE external_id = ?1",
            [gearless.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    let road: String = rig
        .g
        .db()
        .query_row("SELECT id FROM bikes WHERE name = 'Road bike'", [], |r| {
            r.get(0)
        })
        .unwrap();
    rig.g.json(&["ride", "assign", &ride_id, "--bike", &road]);
    let bike_of = || -> Option<String> {
        rig.g
            .db()
            .query_row("SELECT bike_id FROM rides WHERE id = ?1", [&ride_id], |r| {
                r.get(0)
            })
            .unwrap()
    };
    rig.sync(false);
    assert_eq!(bike_of().as_deref(), Some(road.as_str()), "after sync");
    rig.sync(true);
    assert_eq!(
        bike_of().as_deref(),
        Some(road.as_str()),
        "after sync --full"
    );
    // Strava names gear for it: Strava's word wins from then on.
    rig.fake
        .state()
        .activities
        .iter_mut()
        .find(|a| a.id == gearless)
        .unwrap()
        .gear_id = Some("b200".into());
    rig.sync(false);
    let gravel: String = rig
        .g
        .db()
        .query_row("SELECT id FROM bikes WHERE name = 'Gravel bike'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(bike_of().as_deref(), Some(gravel.as_str()));
}

#[test]
fn a_bike_changed_on_a_ride_in_the_window_moves_its_wear_and_a_ride_deleted_there_disappears() {
    let activities = history(40, DAY);
    let rig = Rig::new(fake_with(activities.clone()));
    rig.sync(false);
    // A chain on the road bike since before the history.
    let road: String = rig
        .g
        .db()
        .query_row("SELECT id FROM bikes WHERE name = 'Road bike'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let chain = rig.g.json(&[
        "component",
        "add",
        "--kind",
        "chain",
        "--bike",
        &road,
        "--installed",
        "2025-01-01",
    ]);
    let replace = chain["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["task"] == "Replace")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let used = || -> f64 {
        rig.g
            .json(&["due"])
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule_id"] == replace.as_str())
            .unwrap()["used"]
            .as_f64()
            .unwrap()
    };
    let before = used();
    // In Strava, the newest road ride moves to the gravel bike and another road ride is deleted.
    let (moved, moved_km, deleted, deleted_km) = {
        let st = rig.fake.state();
        let mut road_rides = st
            .activities
            .iter()
            .filter(|a| a.gear_id.as_deref() == Some("b100") && a.sport_type == "Ride");
        let m = road_rides.next().unwrap().clone();
        let d = road_rides.next().unwrap().clone();
        (m.id, m.distance_m, d.id, d.distance_m)
    };
    {
        let mut st = rig.fake.state();
        st.activities
            .iter_mut()
            .find(|a| a.id == moved)
            .unwrap()
            .gear_id = Some("b200".into());
        st.activities.retain(|a| a.id != deleted);
    }
    let report = rig.sync(false);
    assert_eq!(n(&report, "rides_updated"), 1, "{report}");
    assert_eq!(n(&report, "rides_deleted"), 1, "{report}");
    assert!((used() - (before - moved_km - deleted_km)).abs() < 1e-6);
    // And a ride deleted in Strava comes back if Strava lists it again.
    let back = activities.iter().find(|a| a.id == deleted).unwrap().clone();
    rig.fake.state().activities.push(back);
    let report = rig.sync(false);
    assert_eq!(n(&report, "rides_restored"), 1, "{report}");
}

#[test]
fn a_ride_deleted_here_stays_deleted_through_every_sync() {
    let activities = history(20, DAY);
    let rig = Rig::new(fake_with(activities.clone()));
    rig.sync(false);
    let id: String = rig
        .g
        .db()
        .query_row(
            "SELECT id FROM rides WHERE source = 'strava' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    rig.g.json(&["ride", "delete", &id]);
    rig.sync(false);
    rig.sync(true);
    let deleted: bool = rig
        .g
        .db()
        .query_row(
            "SELECT deleted_at IS NOT NULL FROM rides WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(deleted);
}

#[test]
fn a_ride_deleted_in_strava_before_the_window_survives_sync_and_goes_with_full_sync() {
    // Rides every 10 days: the newest ones fall in the 30-day window, the oldest do not.
    let activities = history(30, 10 * DAY);
    let rig = Rig::new(fake_with(activities.clone()));
    rig.sync(false);
    let old = activities
        .iter()
        .rev()
        .find(|a| a.sport_type == "Ride")
        .unwrap()
        .id;
    rig.fake.state().activities.retain(|a| a.id != old);
    let live = |id: i64| -> bool {
        rig.g
            .db()
            .query_row(
                "SELECT deleted_at IS NULL FROM rides WHERE external_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .unwrap()
    };
    let report = rig.sync(false);
    assert_eq!(n(&report, "rides_deleted"), 0, "{report}");
    assert!(live(old), "outside the window, a normal sync cannot know");
    let report = rig.sync(true);
    assert_eq!(n(&report, "rides_deleted"), 1, "{report}");
    assert!(!live(old));
}
