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
