//! A Strava ride with numbers a ride cannot have is kept but flagged for review; the rider keeps
//! or excludes it, and an excluded ride counts for nothing.

use pedalwrencher_tests::cli::{num, str_of};
use pedalwrencher_tests::fake_strava::FakeActivity;

use super::{fake_with, Rig, DAY, T0};

#[test]
fn an_impossible_strava_ride_is_kept_flagged_and_once_excluded_counts_for_nothing() {
    let normal = FakeActivity::ride(10_000_000_001, T0 - 2 * DAY, 50_000.0, Some("b100"));
    // An extra zero or three: 5,000 km.
    let typo = FakeActivity::ride(10_000_000_002, T0 - DAY, 5_000_000.0, Some("b100"));
    let rig = Rig::new(fake_with(vec![normal, typo]));
    rig.sync(false);

    let all = rig.g.json(&["rides"]);
    assert_eq!(all.as_array().unwrap().len(), 2, "both kept: {all}");
    let flagged = rig.g.json(&["rides", "--flagged"]);
    let flagged = flagged.as_array().unwrap();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    let ride = &flagged[0];
    assert_eq!(num(&ride["distance_m"]), 5_000_000.0);
    assert_eq!(ride["review"][0]["field"], "distance_m");
    assert_eq!(num(&ride["review"][0]["limit"]), 1_000_000.0);
    assert_eq!(ride["excluded"], false);
    let id = str_of(&ride["id"]);
    // Flagged, not yet excluded: it still counts.
    let road = |g: &pedalwrencher_tests::cli::Garage| {
        g.bikes()
            .into_iter()
            .find(|b| b["name"] == "Road bike")
            .unwrap()
    };
    assert_eq!(num(&road(&rig.g)["distance_m"]), 5_050_000.0);

    let excluded = rig.g.json(&["ride", "review", &id, "exclude"]);
    assert_eq!(excluded["excluded"], true);
    assert_eq!(excluded["review"].as_array().unwrap().len(), 0);
    assert_eq!(num(&road(&rig.g)["distance_m"]), 50_000.0);
    assert_eq!(
        rig.g
            .json(&["rides", "--flagged"])
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // A full resync lists the same numbers again: still excluded, not flagged again.
    rig.sync(true);
    assert_eq!(
        rig.g
            .json(&["rides", "--flagged"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(num(&road(&rig.g)["distance_m"]), 50_000.0);

    // Counted again on request.
    let included = rig.g.json(&["ride", "review", &id, "include"]);
    assert_eq!(included["excluded"], false);
    assert_eq!(num(&road(&rig.g)["distance_m"]), 5_050_000.0);
}
