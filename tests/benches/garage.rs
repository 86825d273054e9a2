//! `make bench`: a large garage (20 bikes × 15 components × 3 rules, 50,000 rides) in a real
//! SQLite file. Prints the time to insert the rides and to evaluate every rule. Reports numbers;
//! asserts nothing about speed.

use std::time::{Duration, Instant};

use pedalwrencher_core::bikes::{self, NewBike};
use pedalwrencher_core::components::{self, NewComponent};
use pedalwrencher_core::rides::{self, NewRide, RideSource};
use pedalwrencher_core::rules::{self, NewRule};
use pedalwrencher_core::{usage, ActivityFilter, BikeId, Metric, Store, Timestamp};

const BIKES: usize = 20;
const COMPONENTS_PER_BIKE: usize = 15;
const RIDES: usize = 50_000;
const EVAL_RUNS: usize = 50;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open_dir(dir.path())?;
    let now = Timestamp::now();
    let start = now.plus_days(-5 * 365);

    let bike_ids: Vec<BikeId> = store.atomically(|s| {
        let mut ids = Vec::new();
        for b in 0..BIKES {
            let bike = bikes::add(
                s,
                NewBike {
                    name: format!("Bike {b}"),
                    ..Default::default()
                },
            )?;
            for c in 0..COMPONENTS_PER_BIKE {
                let comp = components::add(
                    s,
                    NewComponent {
                        kind: "custom".into(),
                        name: Some(format!("Part {b}.{c}")),
                        bike_id: Some(bike.id.clone()),
                        installed_at: Some(start.plus_days((c * 30) as i64)),
                        without_rules: true,
                        ..Default::default()
                    },
                )?;
                let specs = [
                    (Metric::DistanceM, 3_000_000.0, ActivityFilter::All),
                    (Metric::MovingTimeS, 180_000.0, ActivityFilter::Outdoor),
                    (Metric::Days, 365.0, ActivityFilter::All),
                ];
                for (metric, interval, filter) in specs {
                    let rule = NewRule {
                        task: format!("{metric}"),
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
    let rides: Vec<NewRide> = (0..RIDES)
        .map(|i| NewRide {
            source: RideSource::Strava,
            external_id: Some(format!("{}", 10_000_000_000u64 + i as u64)),
            bike_id: Some(bike_ids[i % BIKES].clone()),
            // Evenly spread over five years but inserted out of order (7,919 is prime to 50,000).
            start_at: Timestamp(
                start.millis() + ((i * 7_919) % RIDES) as i64 * (span / RIDES as i64),
            ),
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

    let t = Instant::now();
    let report = rides::import(&mut store, rides)?;
    let insert = t.elapsed();
    assert_eq!(report.inserted, RIDES);

    let mut evals = Vec::with_capacity(EVAL_RUNS);
    let mut rule_count = 0;
    for _ in 0..EVAL_RUNS {
        let t = Instant::now();
        let statuses = rules::statuses(&store, Timestamp::now())?;
        evals.push(t.elapsed());
        rule_count = statuses.len();
    }

    let t = Instant::now();
    usage::rebuild(&mut store)?;
    let rebuild = t.elapsed();

    let mut single = Vec::new();
    for i in 0..20 {
        let t = Instant::now();
        rides::add(
            &mut store,
            NewRide {
                source: RideSource::Manual,
                external_id: None,
                bike_id: Some(bike_ids[i % BIKES].clone()),
                start_at: now.plus_days(-1),
                distance_m: 42_000.0,
                moving_time_s: 5_400.0,
                elapsed_time_s: None,
                elevation_m: 400.0,
                energy_kj: None,
                sport_type: "Ride".into(),
                indoor: false,
                commute: false,
                name: "Bench ride".into(),
            },
        )?;
        single.push(t.elapsed());
    }

    println!("garage: {BIKES} bikes x {COMPONENTS_PER_BIKE} components x 3 rules = {rule_count} rules, {RIDES} rides (SQLite file, WAL)");
    println!(
        "insert {RIDES} rides (one transaction, wear brought up to date): {}",
        ms(insert)
    );
    println!(
        "evaluate every rule ({rule_count}): median {} over {EVAL_RUNS} runs (min {}, max {})",
        ms(median(evals.clone())),
        ms(*evals.iter().min().unwrap_or(&Duration::ZERO)),
        ms(*evals.iter().max().unwrap_or(&Duration::ZERO))
    );
    println!("rebuild the wear cache from every ride: {}", ms(rebuild));
    println!(
        "log one ride (wear of the 45 rules it touches updated): median {}",
        ms(median(single))
    );
    Ok(())
}
