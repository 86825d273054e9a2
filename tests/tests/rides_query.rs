//! The Rides place's query: newest first, each filter alone (bike, unassigned, flagged, indoor,
//! source, date range), paging, and the total the pager shows (core `rides::list`, `rides::count`).

use pedalwrencher_core::garage::bikes::{self, NewBike};
use pedalwrencher_core::garage::rides::{self, NewRide, RideQuery, RideSource};
use pedalwrencher_core::time::{resolve, DateMeaning};
use pedalwrencher_core::{BikeId, Store, Timestamp, When};

fn new_ride(bike: Option<&BikeId>, date: &str, km: f64, indoor: bool) -> NewRide {
    NewRide {
        bike_id: bike.cloned(),
        start_at: When::Typed(format!("{date}T10:00:00Z")),
        distance_m: km * 1000.0,
        moving_time_s: 3600.0,
        elapsed_time_s: None,
        elevation_m: 0.0,
        energy_kj: None,
        sport_type: "Ride".into(),
        indoor,
        commute: false,
        name: date.into(),
        source: RideSource::Manual,
        external_id: None,
    }
}

fn at(date: &str) -> Timestamp {
    resolve(
        "date",
        &format!("{date}T00:00:00Z"),
        DateMeaning::RideStart,
        Timestamp::now(),
    )
    .unwrap()
}

/// The names (dates) `q` lists, and the total it counts.
fn names(s: &Store, q: RideQuery) -> (Vec<String>, i64) {
    let list = rides::list(s, &q).unwrap();
    (
        list.into_iter().map(|r| r.name).collect(),
        rides::count(s, &q).unwrap(),
    )
}

#[test]
fn each_filter_and_paging_list_the_right_rides_newest_first_with_their_total() {
    let mut s = Store::open_in_memory().unwrap();
    let road = bikes::add(
        &mut s,
        NewBike {
            name: "Road".into(),
            ..NewBike::default()
        },
    )
    .unwrap()
    .id;
    rides::add(&mut s, new_ride(Some(&road), "2025-01-01", 40.0, false)).unwrap();
    rides::add(&mut s, new_ride(Some(&road), "2025-02-01", 30.0, true)).unwrap();
    rides::add(&mut s, new_ride(None, "2025-03-01", 20.0, false)).unwrap();
    let mut from_file = new_ride(Some(&road), "2025-04-01", 5_000.0, false);
    from_file.source = RideSource::File;
    from_file.external_id = Some("f1".into());
    rides::import(&mut s, vec![from_file]).unwrap();
    let deleted = rides::add(&mut s, new_ride(None, "2025-05-01", 10.0, false)).unwrap();
    rides::delete(&mut s, &deleted.id).unwrap();

    let all = RideQuery::default();
    let everything = ["2025-04-01", "2025-03-01", "2025-02-01", "2025-01-01"];
    assert_eq!(
        names(&s, all.clone()),
        (everything.iter().map(|d| d.to_string()).collect(), 4)
    );
    let cases: Vec<(RideQuery, Vec<&str>)> = vec![
        (
            RideQuery {
                bike: Some(road.clone()),
                ..all.clone()
            },
            vec!["2025-04-01", "2025-02-01", "2025-01-01"],
        ),
        (
            RideQuery {
                unassigned_only: true,
                ..all.clone()
            },
            vec!["2025-03-01"],
        ),
        (
            RideQuery {
                flagged_only: true,
                ..all.clone()
            },
            vec!["2025-04-01"],
        ),
        (
            RideQuery {
                indoor: Some(true),
                ..all.clone()
            },
            vec!["2025-02-01"],
        ),
        (
            RideQuery {
                source: Some(RideSource::File),
                ..all.clone()
            },
            vec!["2025-04-01"],
        ),
        (
            RideQuery {
                from: Some(at("2025-02-01")),
                until: Some(at("2025-04-01")),
                ..all.clone()
            },
            vec!["2025-03-01", "2025-02-01"],
        ),
    ];
    for (q, want) in cases {
        let total = want.len() as i64;
        assert_eq!(
            names(&s, q.clone()),
            (want.iter().map(|d| d.to_string()).collect(), total),
            "{q:?}"
        );
    }
    // A page: the total is of every ride the filters let through.
    let page = RideQuery {
        offset: Some(1),
        limit: Some(2),
        ..all
    };
    assert_eq!(
        names(&s, page),
        (vec!["2025-03-01".to_owned(), "2025-02-01".to_owned()], 4)
    );
}

/// The garage's bike totals (core `bikes::list`, summed through the index `rides_bike_totals`):
/// live rides only, none excluded, each bike its own, and zeros for a bike with no ride.
#[test]
fn bike_totals_count_each_bikes_live_rides_and_leave_out_deleted_and_excluded_ones() {
    let mut s = Store::open_in_memory().unwrap();
    let mut bike = |name: &str| {
        bikes::add(
            &mut s,
            NewBike {
                name: name.into(),
                ..NewBike::default()
            },
        )
        .unwrap()
        .id
    };
    let (road, gravel) = (bike("Road"), bike("Gravel"));
    bike("Spare");
    rides::add(&mut s, new_ride(Some(&road), "2025-01-01", 40.0, false)).unwrap();
    rides::add(&mut s, new_ride(Some(&road), "2025-01-02", 30.5, false)).unwrap();
    let deleted = rides::add(&mut s, new_ride(Some(&road), "2025-01-03", 100.0, false))
        .unwrap()
        .id;
    let excluded = rides::add(&mut s, new_ride(Some(&road), "2025-01-04", 900.0, false))
        .unwrap()
        .id;
    rides::add(&mut s, new_ride(Some(&gravel), "2025-01-05", 12.0, false)).unwrap();
    rides::add(&mut s, new_ride(None, "2025-01-06", 7.0, false)).unwrap();
    rides::delete(&mut s, &deleted).unwrap();
    rides::review(&mut s, &excluded, rides::Verdict::Exclude).unwrap();

    let totals: Vec<(String, i64, f64, f64)> = bikes::list(&s)
        .unwrap()
        .into_iter()
        .map(|b| (b.name, b.rides, b.distance_m, b.moving_time_s))
        .collect();
    assert_eq!(
        totals,
        vec![
            ("Gravel".into(), 1, 12_000.0, 3600.0),
            ("Road".into(), 2, 70_500.0, 7200.0),
            ("Spare".into(), 0, 0.0, 0.0),
        ]
    );
}
