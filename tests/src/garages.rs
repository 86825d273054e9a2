//! Garages the tests build straight through the core.

use std::path::Path;

use pedalwrencher_core::garage::bikes::{self, NewBike};
use pedalwrencher_core::garage::components::NewComponent;
use pedalwrencher_core::garage::rides::{self, NewRide};
use pedalwrencher_core::garage::rules::{self, NewRule};
use pedalwrencher_core::garage::workshop;
use pedalwrencher_core::{Metric, Store, Timestamp};

/// A garage with `n` rules due now, one chain each on one bike ("Workhorse"): each becomes
/// exactly one reminder at the level "due".
pub fn with_due_rules(dir: &Path, n: usize) {
    let mut store = Store::open_dir(dir).unwrap();
    let now = store.now();
    store
        .atomically(|s| {
            let bike = bikes::add(
                s,
                NewBike {
                    name: "Workhorse".into(),
                    kind: None,
                    strava_gear_id: None,
                    notes: String::new(),
                },
            )?
            .id;
            for i in 0..n {
                let c = workshop::add_component(
                    s,
                    NewComponent {
                        kind: "chain".into(),
                        name: Some(format!("Chain {i:04}")),
                        bike_id: Some(bike.clone()),
                        installed_at: Some(Timestamp(now.millis() - 30 * 86_400_000).into()),
                        without_rules: true,
                        ..NewComponent::default()
                    },
                )?;
                rules::add(
                    s,
                    &c.id,
                    NewRule {
                        task: "Replace".into(),
                        metric: Metric::DistanceM,
                        interval: 100_000.0,
                        warn_fraction: None,
                        repeat: false,
                        filter: Default::default(),
                    },
                )?;
            }
            rides::add(
                s,
                NewRide {
                    bike_id: Some(bike),
                    start_at: Timestamp(now.millis() - 86_400_000).into(),
                    distance_m: 150_000.0,
                    moving_time_s: 18_000.0,
                    ..serde_json::from_str(
                        r#"{"start_at": 0, "distance_m": 0, "moving_time_s": 0}"#,
                    )
                    .unwrap()
                },
            )?;
            Ok(())
        })
        .unwrap();
}

/// The benchmarks' large garage in `dir`: `bike_count` bikes of 15 parts with three rules each
/// (distance, outdoor time, days), and `ride_count` rides spread over five years, as a Strava import
/// brings them. `make bench` measures the app on it (tests/benches/app.rs).
pub fn large(dir: &Path, bike_count: usize, ride_count: usize) -> pedalwrencher_core::Result<()> {
    use pedalwrencher_core::garage::rides::RideSource;
    use pedalwrencher_core::ActivityFilter;

    let mut store = Store::open_dir(dir)?;
    let now = store.now();
    let start = now.plus_days(-5 * 365);
    let bike_ids = store.atomically(|s| {
        let mut ids = Vec::new();
        for b in 0..bike_count {
            let bike = bikes::add(
                s,
                NewBike {
                    name: format!("Bike {b}"),
                    ..Default::default()
                },
            )?;
            for c in 0..15 {
                let part = NewComponent {
                    kind: "custom".into(),
                    name: Some(format!("Part {b}.{c}")),
                    bike_id: Some(bike.id.clone()),
                    installed_at: Some(start.plus_days(c * 30).into()),
                    without_rules: true,
                    ..Default::default()
                };
                let comp = workshop::add_component(s, part)?;
                let specs = [
                    (Metric::DistanceM, 3_000_000.0, ActivityFilter::All),
                    (Metric::MovingTimeS, 180_000.0, ActivityFilter::Outdoor),
                    (Metric::Days, 365.0, ActivityFilter::All),
                ];
                for (metric, interval, filter) in specs {
                    let rule = NewRule {
                        task: metric.to_string(),
                        metric,
                        interval,
                        warn_fraction: None,
                        repeat: false,
                        filter,
                    };
                    rules::add(s, &comp.id, rule)?;
                }
            }
            ids.push(bike.id);
        }
        Ok(ids)
    })?;
    let span = now.millis() - start.millis();
    let list = (0..ride_count)
        .map(|i| NewRide {
            source: RideSource::Strava,
            external_id: Some(format!("{}", 10_000_000_000u64 + i as u64)),
            bike_id: Some(bike_ids[i % bike_ids.len()].clone()),
            start_at: Timestamp(start.millis() + i as i64 * (span / ride_count.max(1) as i64))
                .into(),
            distance_m: 20_000.0 + (i % 80) as f64 * 1_000.0,
            moving_time_s: 3_600.0 + (i % 90) as f64 * 60.0,
            elapsed_time_s: None,
            elevation_m: (i % 1_500) as f64,
            energy_kj: Some(500.0 + (i % 700) as f64),
            sport_type: "Ride".into(),
            indoor: i % 7 == 0,
            commute: false,
            name: format!("Ride {i}"),
        })
        .collect();
    rides::import(&mut store, list)?;
    Ok(())
}
