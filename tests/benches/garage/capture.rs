//! The cost of change capture: the same 50,000 rides through the same import
//! (`rides::import`: one transaction, wear brought up to date) into a fresh garage each time,
//! with capture on (as shipped) and off (every sync trigger dropped first, so nothing is captured
//! and nothing is stamped at commit), beside a plain prepared INSERT of the same rows into the same
//! table (no import logic, no wear, no capture): the floor. The three alternate round by round, so
//! a busy neighbour on this shared machine slows them alike; the ratio is taken per round (on and
//! off measured back to back) and its median reported, with the medians of the times.
//!
//! Capture on runs in the import's bulk window, which gives its transaction a page cache of at
//! least 4 MiB (`store/bulk.rs` says why); capture off has no window and keeps SQLite's default
//! 2 MiB. The README gives the ratio with both at 4 MiB beside it ("The cost of change capture").

use std::time::{Duration, Instant};

use pedalwrencher_core::garage::rides::{self, NewRide};
use pedalwrencher_core::{BikeId, Store};
use rusqlite::Connection;
use tempfile::TempDir;

use super::Res;

/// A garage the timed insert has filled, kept for the rest of the benchmark.
pub type Filled = (TempDir, Store, Vec<BikeId>);

/// Wall times, and this thread's CPU times beside them: on a machine other builds share, the CPU
/// time of the inserting thread says what the insert costs when wall time mostly says how busy
/// the neighbours were.
pub struct Rounds {
    pub on: Vec<Duration>,
    pub off: Vec<Duration>,
    pub plain: Vec<Duration>,
    pub on_cpu: Vec<Duration>,
    pub off_cpu: Vec<Duration>,
    pub plain_cpu: Vec<Duration>,
}

/// The CPU time this thread has used (Linux: `/proc/thread-self/schedstat`, nanoseconds on CPU);
/// zero where that is not available.
pub fn cpu_now() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

/// Runs `rounds` rounds of the three inserts; returns the times and the last captured garage.
pub fn measure(
    rounds: usize,
    garage: impl Fn() -> Res<(TempDir, Store, Vec<BikeId>)>,
    rides: impl Fn(&[BikeId]) -> Vec<NewRide>,
) -> Res<(Rounds, Option<Filled>)> {
    let mut out = Rounds {
        on: Vec::new(),
        off: Vec::new(),
        plain: Vec::new(),
        on_cpu: Vec::new(),
        off_cpu: Vec::new(),
        plain_cpu: Vec::new(),
    };
    let mut last = None;
    for _ in 0..rounds {
        let (dir, mut store, bike_ids) = garage()?;
        let list = rides(&bike_ids);
        let count = list.len();
        let (t, c) = (Instant::now(), cpu_now());
        let report = rides::import(&mut store, list)?;
        out.on.push(t.elapsed());
        out.on_cpu.push(cpu_now() - c);
        assert_eq!(report.inserted, count);
        assert!(
            captured_rows(store.connection())? >= count,
            "capture on records every ride"
        );
        last = Some((dir, store, bike_ids));

        let (_dir, mut store, bike_ids) = garage()?;
        drop_capture(store.connection())?;
        let before = captured_rows(store.connection())?;
        let list = rides(&bike_ids);
        let (t, c) = (Instant::now(), cpu_now());
        let report = rides::import(&mut store, list)?;
        out.off.push(t.elapsed());
        out.off_cpu.push(cpu_now() - c);
        assert_eq!(report.inserted, count);
        assert_eq!(
            captured_rows(store.connection())?,
            before,
            "capture off records nothing"
        );

        let (_dir, store, bike_ids) = garage()?;
        drop_capture(store.connection())?;
        let list = rides(&bike_ids);
        let (t, c) = (Instant::now(), cpu_now());
        plain_insert(store.connection(), &list)?;
        out.plain.push(t.elapsed());
        out.plain_cpu.push(cpu_now() - c);
    }
    Ok((out, last))
}

/// The median of per-round ratios `a[i] / b[i]`.
pub fn median_ratio(a: &[Duration], b: &[Duration]) -> f64 {
    let mut r: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    r.sort_by(f64::total_cmp);
    r[r.len() / 2]
}

/// Capture off: the garage's sync triggers dropped (whatever their shape), so an insert records
/// nothing for sync and the commit has nothing to stamp. The garage was committed before, so
/// nothing is pending either.
fn drop_capture(conn: &Connection) -> Res<()> {
    let names = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync\\_%' ESCAPE '\\'")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    assert!(!names.is_empty(), "the garage has capture triggers");
    for name in names {
        conn.execute_batch(&format!("DROP TRIGGER \"{name}\""))?;
    }
    Ok(())
}

/// Every row of every sync bookkeeping table (`sync_…`): capture off must add none.
fn captured_rows(conn: &Connection) -> Res<usize> {
    let tables = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'sync\\_%' ESCAPE '\\'")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut n = 0;
    for t in tables {
        n += conn.query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| {
            r.get::<_, i64>(0)
        })? as usize;
    }
    Ok(n)
}

/// The floor: the same rows, one prepared INSERT each, in one transaction, nothing else.
fn plain_insert(conn: &Connection, list: &[NewRide]) -> Res<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    {
        let mut stmt = conn.prepare(
            "INSERT INTO rides (id, source, external_id, bike_id, start_at, distance_m, moving_time_s,
                 elapsed_time_s, elevation_m, energy_kj, sport_type, indoor, commute, name, created_at, updated_at)
             VALUES (?1, 'strava', ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
        )?;
        let now = pedalwrencher_core::Timestamp::now().millis();
        for r in list {
            let start = match &r.start_at {
                pedalwrencher_core::When::At(t) => t.millis(),
                pedalwrencher_core::When::Typed(_) => now,
            };
            stmt.execute(rusqlite::params![
                uuid_v7(),
                r.external_id,
                r.bike_id.as_ref().map(BikeId::as_str),
                start,
                r.distance_m,
                r.moving_time_s,
                r.elevation_m,
                r.energy_kj,
                r.sport_type,
                r.indoor,
                r.commute,
                r.name,
                now,
            ])?;
        }
    }
    conn.execute_batch("COMMIT")?;
    Ok(())
}

fn uuid_v7() -> String {
    pedalwrencher_core::RideId::new().as_str().to_owned()
}
