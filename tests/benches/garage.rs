//! `make bench`: a large garage (20 bikes × 15 components × 3 rules, 50,000 rides) in a real
//! SQLite file. Prints the time to insert the rides with change capture on, off, and as a plain
//! INSERT (`capture.rs`), and to evaluate every rule; the same with a third of the parts mounted
//! on wheels and a wheel moved with its parts (`tree.rs`); then a first
//! Strava import of 10,000 activities from the fake Strava on loopback (requests used, wall time,
//! and the local, non-network part) and a re-sync with nothing new; and device sync: a new device
//! joining that garage, and pushing and applying 1,000 changes; what the rider's window asks of
//! that garage (a page of rides, a bike page), and a backup and restore of it. Reports numbers;
//! asserts nothing about speed. Each garage figure is taken several times: this machine is shared
//! and single runs vary by half.

mod ride_import;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pedalwrencher_core::garage::bikes::{self, NewBike};
use pedalwrencher_core::garage::components::NewComponent;
use pedalwrencher_core::garage::rides::{self, NewRide, RideSource};
use pedalwrencher_core::garage::rules::{self, NewRule};
use pedalwrencher_core::garage::workshop;
use pedalwrencher_core::secrets::MemorySecrets;
use pedalwrencher_core::store::SystemClock;
use pedalwrencher_core::strava::api::Config;
use pedalwrencher_core::strava::auth::{Connected, Issued};
use pedalwrencher_core::strava::{connection, sync};
use pedalwrencher_core::sync::batch::Batch;
use pedalwrencher_core::sync::transport::MemoryTransport;
use pedalwrencher_core::sync::{self as dev_sync, apply, outgoing};
use pedalwrencher_core::wear::{self, usage};
use pedalwrencher_core::{ActivityFilter, BikeId, ComponentId, Metric, Store, Timestamp};
use pedalwrencher_tests::fake_strava::{
    FakeActivity, FakeGear, FakeState, FakeStrava, CLIENT_ID, CLIENT_SECRET,
};
use tempfile::TempDir;

#[path = "garage/capture.rs"]
mod capture;
#[path = "garage/tree.rs"]
mod tree;

const BIKES: usize = 20;
const COMPONENTS_PER_BIKE: usize = 15;
const RIDES: usize = 50_000;
const INSERT_ROUNDS: usize = 5;
const EVAL_RUNS: usize = 50;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn stats(mut v: Vec<Duration>) -> String {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "median {:.2} ms (min {:.2}, max {:.2}; {} runs)",
        ms(v[v.len() / 2]),
        ms(v[0]),
        ms(v[v.len() - 1]),
        v.len()
    )
}

/// An empty garage of bikes, components and rules, each component mounted from a different day.
/// With `on_wheels`, a third of each bike's parts (5 of 15) are mounted on one of its first two
/// parts (its wheels, mounted on the bike) instead of on the bike.
fn garage(now: Timestamp, on_wheels: bool) -> Res<(TempDir, Store, Vec<BikeId>)> {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open_dir(dir.path())?;
    let start = now.plus_days(-5 * 365);
    let bike_ids = store.atomically(|s| {
        let mut ids = Vec::new();
        for b in 0..BIKES {
            let bike = bikes::add(
                s,
                NewBike {
                    name: format!("Bike {b}"),
                    ..Default::default()
                },
            )?;
            let mut wheels: Vec<ComponentId> = Vec::new();
            for c in 0..COMPONENTS_PER_BIKE {
                let wheel = (on_wheels && c % 3 == 2).then(|| wheels[c % 2].clone());
                let part = NewComponent {
                    kind: "custom".into(),
                    name: Some(format!("Part {b}.{c}")),
                    bike_id: wheel.is_none().then(|| bike.id.clone()),
                    parent_id: wheel,
                    installed_at: Some(start.plus_days((c * 30) as i64).into()),
                    without_rules: true,
                    ..Default::default()
                };
                let comp = workshop::add_component(s, part)?;
                if c < 2 {
                    wheels.push(comp.id.clone());
                }
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
    Ok((dir, store, bike_ids))
}

fn ride(bike: &BikeId, i: usize, start_at: Timestamp) -> NewRide {
    NewRide {
        source: RideSource::Strava,
        external_id: Some(format!("{}", 10_000_000_000u64 + i as u64)),
        bike_id: Some(bike.clone()),
        start_at: start_at.into(),
        distance_m: 20_000.0 + (i % 80) as f64 * 1_000.0,
        moving_time_s: 3_600.0 + (i % 90) as f64 * 60.0,
        elapsed_time_s: None,
        elevation_m: (i % 1_500) as f64,
        energy_kj: Some(500.0 + (i % 700) as f64),
        sport_type: "Ride".into(),
        indoor: i.is_multiple_of(7),
        commute: false,
        name: format!("Ride {i}"),
    }
}

fn main() -> Res<()> {
    // First, so its peak memory is its own.
    ride_import::run()?;
    let now = Timestamp::now();
    let start = now.plus_days(-5 * 365);
    let span = now.millis() - start.millis();

    // Evenly spread over five years but inserted out of order (7,919 is prime to 50,000).
    let rides_for = |bike_ids: &[BikeId]| -> Vec<NewRide> {
        (0..RIDES)
            .map(|i| {
                let at = Timestamp(
                    start.millis() + ((i * 7_919) % RIDES) as i64 * (span / RIDES as i64),
                );
                ride(&bike_ids[i % BIKES], i, at)
            })
            .collect()
    };
    let (inserts, last) = capture::measure(INSERT_ROUNDS, || garage(now, false), rides_for)?;
    let Some((_dir, mut store, bike_ids)) = last else {
        return Ok(());
    };

    let mut evals = Vec::with_capacity(EVAL_RUNS);
    let mut rule_count = 0;
    for _ in 0..EVAL_RUNS {
        let t = Instant::now();
        rule_count = wear::statuses(&mut store)?.len();
        evals.push(t.elapsed());
    }

    let mut rebuilds = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        usage::rebuild(&mut store)?;
        rebuilds.push(t.elapsed());
    }

    let mut single = Vec::new();
    for i in 0..20 {
        let mut one = ride(&bike_ids[i % BIKES], RIDES + i, now.plus_days(-1));
        one.source = RideSource::Manual;
        let t = Instant::now();
        rides::add(&mut store, one)?;
        single.push(t.elapsed());
    }

    println!("garage: {BIKES} bikes x {COMPONENTS_PER_BIKE} components x 3 rules = {rule_count} rules, {RIDES} rides (SQLite file, WAL)");
    let ratio = capture::median_ratio(&inserts.on, &inserts.off);
    let over_plain = capture::median_ratio(&inserts.on, &inserts.plain);
    let cpu_ratio = capture::median_ratio(&inserts.on_cpu, &inserts.off_cpu);
    let cpu_over_plain = capture::median_ratio(&inserts.on_cpu, &inserts.plain_cpu);
    println!(
        "insert {RIDES} rides (one transaction, wear brought up to date), capture ON (README before: 1060 ms): {}; cpu {}",
        stats(inserts.on),
        stats(inserts.on_cpu)
    );
    println!(
        "insert {RIDES} rides, same import, capture OFF (sync triggers dropped, nothing pending): {}; cpu {}",
        stats(inserts.off),
        stats(inserts.off_cpu)
    );
    println!(
        "insert {RIDES} rides, plain prepared INSERT per row in one transaction (no import logic, wear or capture): {}; cpu {}",
        stats(inserts.plain),
        stats(inserts.plain_cpu)
    );
    println!("capture cost (medians of per-round ratios; target ON / OFF <= 1.30): wall ON / OFF = {ratio:.2}x, ON / plain = {over_plain:.2}x; cpu ON / OFF = {cpu_ratio:.2}x, ON / plain = {cpu_over_plain:.2}x");
    println!("evaluate every rule ({rule_count}): {}", stats(evals));
    println!(
        "rebuild the wear cache from every ride: {}",
        stats(rebuilds)
    );
    println!(
        "log one ride (wear of the 45 rules it touches updated): {}",
        stats(single)
    );
    tree::parts_on_wheels(now, || garage(now, true), &rides_for)?;
    window_places(&mut store, &bike_ids)?;
    backup_and_restore(&mut store)?;
    device_sync(store)?;
    strava_import()
}

/// What the rider's window asks the core for on the big garage: the Rides place's first page
/// (50 of 50,000, newest first, with the total for the pager), all rides and one bike's; and a
/// bike page (its parts, 12 months of distance, each part's cost).
fn window_places(store: &mut Store, bike_ids: &[BikeId]) -> Res<()> {
    use pedalwrencher_core::garage::components;
    use pedalwrencher_core::garage::cost;
    let page = |q: &rides::RideQuery, store: &Store| -> Res<usize> {
        Ok(rides::list(store, q)?.len() + rides::count(store, q)? as usize)
    };
    let all = rides::RideQuery {
        limit: Some(50),
        ..Default::default()
    };
    let one_bike = rides::RideQuery {
        bike: Some(bike_ids[3].clone()),
        limit: Some(50),
        offset: Some(1_000),
        ..Default::default()
    };
    let (mut first, mut by_bike, mut bike_page) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..20 {
        let t = Instant::now();
        page(&all, store)?;
        first.push(t.elapsed());
        let t = Instant::now();
        page(&one_bike, store)?;
        by_bike.push(t.elapsed());
        let t = Instant::now();
        let bike = &bike_ids[i % BIKES];
        let parts = components::list(store, Some(bike), false)?;
        cost::distance_by_month(store, bike, 12)?;
        for p in &parts {
            cost::component_cost(store, &p.component.id)?;
        }
        bike_page.push(t.elapsed());
    }
    println!(
        "rides page (first 50 of {RIDES}, with the total): {}",
        stats(first)
    );
    println!(
        "rides page of one bike (50 from the 1,000th, with the total): {}",
        stats(by_bike)
    );
    println!(
        "bike page ({COMPONENTS_PER_BIKE} parts with their cost, 12 months of distance): {}",
        stats(bike_page)
    );
    Ok(())
}

/// Backing up the big garage to a file and restoring it onto an empty garage (validated, all
/// rows with their ids, wear rebuilt).
fn backup_and_restore(store: &mut Store) -> Res<()> {
    use pedalwrencher_core::backup;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("backup.json");
    let t = Instant::now();
    backup::export(store, &file, &mut |_| {})?;
    let exported = t.elapsed();
    let size = std::fs::metadata(&file)?.len();
    let mut empty = Store::open_dir(&dir.path().join("restored"))?;
    let t = Instant::now();
    backup::restore(&mut empty, &file, &mut |_| {})?;
    let restored = t.elapsed();
    println!(
        "backup the garage: {:.0} ms ({:.1} MB); restore it onto an empty garage: {:.0} ms",
        exported.as_secs_f64() * 1000.0,
        size as f64 / 1e6,
        restored.as_secs_f64() * 1000.0
    );
    Ok(())
}

const SYNC_CHANGES: usize = 1_000;

/// Device sync on the big garage: the first device pushes it (a snapshot) to a target, a new
/// device joins from it (download, decrypt, merge, wear rebuilt: the whole pass), then 1,000
/// field changes are pushed (local part: read and encode) and applied on the new device (local
/// part: merge and wear).
fn device_sync(store: Store) -> Res<()> {
    const PASS: &str = "bench passphrase";
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let target = MemoryTransport::new();
    let first = Mutex::new(store);
    let t = Instant::now();
    let pushed = runtime.block_on(dev_sync::pass(&first, &target, PASS, "first"))?;
    println!(
        "device sync, first device pushes the garage: {:.0} ms ({} file, {:.1} MB encrypted; README before: 905 ms)",
        t.elapsed().as_secs_f64() * 1000.0,
        pushed.pushed_files,
        pushed.pushed_bytes as f64 / 1e6
    );
    let joiner_dir = tempfile::tempdir()?;
    let joiner = Mutex::new(Store::open_dir(joiner_dir.path())?);
    let (t, c) = (Instant::now(), capture::cpu_now());
    let joined = runtime.block_on(dev_sync::pass(&joiner, &target, PASS, "joiner"))?;
    println!(
        "device sync, a new device joins ({} fields, {} rows): {:.0} ms, cpu {:.0} ms (target < 2 s; README before: 1450 ms)",
        joined.applied.fields,
        joined.applied.rows_created,
        t.elapsed().as_secs_f64() * 1000.0,
        (capture::cpu_now() - c).as_secs_f64() * 1000.0
    );

    let mut pushes = Vec::new();
    let mut applies = Vec::new();
    for round in 0..5 {
        let batch = {
            let mut a = first.lock().unwrap();
            a.atomically(|s| {
                s.connection().execute(
                    "UPDATE rides SET name = name || ?1 WHERE id IN (SELECT id FROM rides ORDER BY id LIMIT ?2)",
                    (format!(" {round}"), SYNC_CHANGES as i64),
                )?;
                Ok(())
            })?;
            let t = Instant::now();
            let files = outgoing::prepare(&mut a)?;
            pushes.push(t.elapsed());
            let file = files.last().expect("a segment");
            outgoing::mark_sent(&mut a, file.seq)?;
            let batch = Batch::decode(&file.body)?;
            assert_eq!(batch.cells(), SYNC_CHANGES);
            batch
        };
        let mut b = joiner.lock().unwrap();
        let t = Instant::now();
        let applied = apply::apply(&mut b, std::slice::from_ref(&batch), &[])?;
        applies.push(t.elapsed());
        assert_eq!(applied.fields, SYNC_CHANGES);
    }
    println!(
        "device sync, push {SYNC_CHANGES} changes (local: capture read and encode): {} (target < 500 ms; README before: 2.65 ms)",
        stats(pushes)
    );
    println!(
        "device sync, apply {SYNC_CHANGES} changes (local: merge, wear rebuilt): {} (target < 500 ms; README before: 68 ms)",
        stats(applies)
    );
    Ok(())
}

const ACTIVITIES: usize = 10_000;

/// A first Strava import of 10,000 activities, then a re-sync with nothing new.
fn strava_import() -> Res<()> {
    let mut state = FakeState::default();
    state.gear = ["b1", "b2", "b3"]
        .iter()
        .map(|id| FakeGear {
            id: (*id).into(),
            name: format!("Bike {id}"),
            retired: false,
            frame_type: 3,
        })
        .collect();
    let newest = Timestamp::now().millis() / 1000 - 86_400;
    state.activities = (0..ACTIVITIES)
        .map(|i| {
            let gear = ["b1", "b2", "b3"][i % 3];
            FakeActivity::ride(
                1_000_000 + i as i64,
                newest - i as i64 * 4 * 3600,
                30_000.0,
                Some(gear),
            )
        })
        .collect();
    let fake = FakeStrava::start(state);
    let refresh_token = fake.state().issue_refresh_token();

    let dir = tempfile::tempdir()?;
    let access = Mutex::new(Store::open_dir(dir.path())?);
    let secrets = MemorySecrets::default();
    let connected = Connected {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        athlete_id: 1,
        athlete_name: "Bench".into(),
        scopes: "read,activity:read_all,profile:read_all".into(),
        // An expired access token: the first sync refreshes, as a real one would after 6 hours.
        tokens: Issued {
            access_token: "expired".into(),
            expires_at: 0,
            refresh_token,
        },
    };
    connection::save(&access, &secrets, &connected)?;
    let config = Config {
        base_url: fake.url(),
        ..Config::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let options = sync::Options::default();
    let run = |label: &str| -> Res<()> {
        let lists_before = fake.state().count("GET /api/v3/athlete/activities");
        let tokens_before = fake.state().count("POST /oauth/token");
        let t = Instant::now();
        let report = runtime.block_on(sync::sync(
            &access,
            &secrets,
            &config,
            Arc::new(SystemClock),
            &options,
        ))?;
        let wall = t.elapsed();
        let st = fake.state();
        println!(
            "{label}: {} rides added; {} activity-list requests, {} athlete, {} gear, {} token; wall {:.0} ms, local (non-network) {} ms",
            report.changes.rides_added,
            st.count("GET /api/v3/athlete/activities") - lists_before,
            1,
            report.gear_requests,
            st.count("POST /oauth/token") - tokens_before,
            wall.as_secs_f64() * 1000.0,
            report.local_ms
        );
        Ok(())
    };
    run(&format!(
        "Strava first import of {ACTIVITIES} activities (local target < 500 ms; README before: local 231 ms)"
    ))?;
    run("Strava re-sync with nothing new")?;
    Ok(())
}
