//! Parts on parts: the same garage with a third of the parts on wheels (5 of each bike's 15 parts
//! on one of its first two parts, mounted on the bike). Inserting the rides, evaluating every
//! rule, rebuilding the wear cache, and moving a wheel (with its parts) to another bike a year ago.

use std::time::Instant;

use pedalwrencher_core::garage::components;
use pedalwrencher_core::garage::installations::{self, Mount};
use pedalwrencher_core::garage::rides::{self, NewRide};
use pedalwrencher_core::wear::{self, usage};
use pedalwrencher_core::{BikeId, Store, Timestamp};
use tempfile::TempDir;

use super::{stats, Res, EVAL_RUNS, INSERT_ROUNDS, RIDES};

pub fn parts_on_wheels(
    now: Timestamp,
    garage: impl Fn() -> Res<(TempDir, Store, Vec<BikeId>)>,
    rides_for: &impl Fn(&[BikeId]) -> Vec<NewRide>,
) -> Res<()> {
    let mut inserts = Vec::new();
    let mut last = None;
    for _ in 0..INSERT_ROUNDS {
        let (dir, mut store, bike_ids) = garage()?;
        let list = rides_for(&bike_ids);
        let t = Instant::now();
        let report = rides::import(&mut store, list)?;
        inserts.push(t.elapsed());
        assert_eq!(report.inserted, RIDES);
        last = Some((dir, store, bike_ids));
    }
    let (_dir, mut store, bike_ids) = last.ok_or("no insert round")?;
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
    let wheels: Vec<_> = components::list(&store, Some(&bike_ids[0]), false)?
        .into_iter()
        .filter(|c| c.component.name == "Part 0.0" || c.component.name == "Part 0.1")
        .map(|c| c.component.id)
        .collect();
    let mut moves = Vec::new();
    for (round, wheel) in wheels.iter().enumerate() {
        let to = &bike_ids[1 + round];
        let t = Instant::now();
        installations::move_onto(
            &mut store,
            wheel,
            &Mount::Bike(to.clone()),
            &now.plus_days(-365 + round as i64).into(),
        )?;
        moves.push(t.elapsed());
    }
    println!("parts on parts: the same garage, 5 of each bike's 15 parts on one of its 2 wheels ({rule_count} rules)");
    println!(
        "parts on parts: insert {RIDES} rides (one transaction, wear brought up to date): {}",
        stats(inserts)
    );
    println!(
        "parts on parts: evaluate every rule ({rule_count}): {}",
        stats(evals)
    );
    println!(
        "parts on parts: rebuild the wear cache from every ride: {}",
        stats(rebuilds)
    );
    println!(
        "parts on parts: move a wheel with its parts to another bike, a year back: {}",
        stats(moves)
    );
    Ok(())
}
