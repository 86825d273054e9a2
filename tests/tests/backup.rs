//! Restore alongside a garage whose rows clash with the backup's (the same Strava bike, the same
//! file ride under other ids): the clashing rows and the rows that belong to them are skipped
//! with the reason, the rest is added, and progress is reported to the end (core `backup`).

use pedalwrencher_core::backup::{self, Progress, Stage};
use pedalwrencher_core::garage::bikes::{self, NewBike};
use pedalwrencher_core::garage::components::NewComponent;
use pedalwrencher_core::garage::rides::{self, NewRide, RideSource};
use pedalwrencher_core::garage::workshop;
use pedalwrencher_core::{BikeId, Store, When};

fn bike(s: &mut Store, name: &str, gear: &str) -> BikeId {
    bikes::add(
        s,
        NewBike {
            name: name.into(),
            strava_gear_id: Some(gear.into()),
            ..NewBike::default()
        },
    )
    .unwrap()
    .id
}

fn file_ride(s: &mut Store, bike: &BikeId, external: &str) {
    rides::import(
        s,
        vec![NewRide {
            source: RideSource::File,
            external_id: Some(external.into()),
            bike_id: Some(bike.clone()),
            start_at: When::Typed("2025-06-01".into()),
            distance_m: 40_000.0,
            moving_time_s: 5_400.0,
            elapsed_time_s: None,
            elevation_m: 300.0,
            energy_kj: None,
            sport_type: "Ride".into(),
            indoor: false,
            commute: false,
            name: "Loop".into(),
        }],
    )
    .unwrap();
}

#[test]
fn rows_that_clash_and_rows_that_belong_to_them_are_skipped_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut from = Store::open_dir(&dir.path().join("from")).unwrap();
    let road = bike(&mut from, "Road", "b1");
    workshop::add_component(
        &mut from,
        NewComponent {
            kind: "chain".into(),
            bike_id: Some(road.clone()),
            installed_at: Some(When::Typed("2025-01-01".into())),
            ..NewComponent::default()
        },
    )
    .unwrap();
    file_ride(&mut from, &road, "ride-1");
    let file = dir.path().join("backup.json");
    backup::export(&mut from, &file, &mut |_| {}).unwrap();

    let mut to = Store::open_dir(&dir.path().join("to")).unwrap();
    let mine = bike(&mut to, "Mine", "b1");
    file_ride(&mut to, &mine, "ride-1");
    let mut seen: Vec<Progress> = Vec::new();
    let report = backup::restore(&mut to, &file, &mut |p| seen.push(p)).unwrap();

    assert!(!report.onto_empty);
    let reasons: Vec<(&str, &str)> = report
        .skipped_rows
        .iter()
        .map(|s| (s.table.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("bikes", "a bike here is already linked to the same Strava bike"),
            ("rides", "the same ride (same source and id there, e.g. the same Strava activity) is already in this garage under another id"),
            ("installations", "it belongs to a row of bikes that was skipped or is not in the file"),
        ]
    );
    assert_eq!(report.added.get("components"), Some(&1));
    assert_eq!(report.added.get("rules"), Some(&2));
    assert_eq!(report.added.get("installations"), Some(&0));
    let broken: i64 = to
        .connection()
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0);
    // The skipped installation left nothing for sync to send.
    let orphan_clock: i64 = to
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM sync_clock c WHERE c.tbl = 'installations'
             AND NOT EXISTS (SELECT 1 FROM installations i WHERE i.id = c.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphan_clock, 0);

    let stages: Vec<Stage> = seen.iter().map(|p| p.stage).collect();
    assert_eq!(stages.first(), Some(&Stage::Reading));
    assert!(stages.contains(&Stage::Writing));
    assert_eq!(stages.last(), Some(&Stage::Done));
    let last = seen.last().unwrap();
    assert_eq!(last.done, last.total);
}
