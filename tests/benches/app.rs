//! `make bench`, second part: the release app beside an empty Tauri 2 window built with the same
//! profile (src-tauri/examples/empty_window.rs), in the same run, on the demo garage and on a
//! 50,000-ride garage. For each: the time from starting the process to its first render (the
//! app: the dashboard drawn; the empty window: its blank page loaded), and the proportional
//! memory (PSS, from /proc/<pid>/smaps_rollup) of the process and every process under it (the
//! WebKit web and network processes) after a minute idle. Start-up is the median of several
//! starts, the two programs alternating (a single start swings by a fifth or more on a shared
//! machine, the first after a build more); memory is taken once each. Needs a display: the
//! Makefile runs it under tests/scripts/headless.sh. Reports numbers; asserts nothing about them.
//!
//! `PEDALWRENCHER_BENCH_STARTS` sets how many starts each program gets (7 by default);
//! `PEDALWRENCHER_BENCH_IDLE_S` shortens the idle minute (to try the bench itself);
//! `PEDALWRENCHER_BENCH_ENV="NAME=value …"` starts both programs with more environment (to
//! compare WebKit settings); `PEDALWRENCHER_BENCH_LOGS=DIR` keeps each program's log there (with
//! `PEDALWRENCHER_LOG=info,startup=debug` in the environment, the app's start-up timeline).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pedalwrencher_core::garage::demo;
use pedalwrencher_core::Store;
use pedalwrencher_tests::garages;
use pedalwrencher_tests::process::Running;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// What both programs log once they have drawn their first page.
const MARKER: &str = "first render";

struct Measure {
    /// kB, by process name (the app, WebKitWebProcess, WebKitNetworkProcess…).
    pss: BTreeMap<String, u64>,
}

/// Start-up times of one program, in the order taken.
struct Starts(Vec<Duration>);

impl Starts {
    fn sorted_ms(&self) -> Vec<u128> {
        let mut ms: Vec<u128> = self.0.iter().map(Duration::as_millis).collect();
        ms.sort_unstable();
        ms
    }

    fn median_ms(&self) -> u128 {
        let ms = self.sorted_ms();
        ms[ms.len() / 2]
    }

    fn range(&self) -> String {
        let ms = self.sorted_ms();
        format!("{}–{}", ms[0], ms[ms.len() - 1])
    }
}

impl Measure {
    fn total_mb(&self) -> f64 {
        self.pss.values().sum::<u64>() as f64 / 1024.0
    }

    fn parts(&self) -> String {
        self.pss
            .iter()
            .map(|(name, kb)| format!("{name} {:.0}", *kb as f64 / 1024.0))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn release_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("release")
}

/// Every process under `root`, `root` included.
fn tree(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "pid (comm) state ppid …": the fields after the last ')'.
            let ppid = stat.rsplit(')').next()?.split_whitespace().nth(1)?;
            Some((pid, ppid.parse().ok()?))
        })
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parents.iter().filter(|(_, p)| *p == parent).map(|(c, _)| c));
        i += 1;
    }
    found
}

/// PSS in kB by process name, over `pids`.
fn pss(pids: &[u32]) -> BTreeMap<String, u64> {
    let mut by_name = BTreeMap::new();
    for pid in pids {
        let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
            continue;
        };
        let kb: u64 = rollup
            .lines()
            .find_map(|l| l.strip_prefix("Pss:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .map(|c| c.trim().to_owned())
            .unwrap_or_else(|_| pid.to_string());
        *by_name.entry(name).or_insert(0) += kb;
    }
    by_name
}

fn extra_env() -> Vec<(String, String)> {
    std::env::var("PEDALWRENCHER_BENCH_ENV")
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn log_path(program: &Path, data: &Path) -> PathBuf {
    data.join(format!(
        "{}.log",
        program
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("program")
    ))
}

/// Starts `program` on the garage in `data` and waits for its first render: the running
/// program and the time from its start.
fn start(program: &Path, data: &Path) -> Res<(Running, Duration)> {
    let log = log_path(program, data);
    let started = Instant::now();
    let child = Command::new(program)
        .env("PEDALWRENCHER_DATA_DIR", data)
        .envs(extra_env())
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log)?))
        .spawn()?;
    let mut running = Running::new(child, &program.display().to_string());
    loop {
        if std::fs::read_to_string(&log)?.contains(MARKER) {
            return Ok((running, started.elapsed()));
        }
        if let Some(status) = running.exited() {
            return Err(format!(
                "{} ended ({status}) before drawing anything; its log:\n{}",
                program.display(),
                std::fs::read_to_string(&log)?
            )
            .into());
        }
        if started.elapsed() > Duration::from_secs(120) {
            return Err(format!("{} drew nothing within 2 minutes", program.display()).into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Ends `running` and waits until the processes under it (`pids`, its own first) are gone too,
/// so the next program starts alone (and the app's single instance is free again).
fn stop(mut running: Running, pids: &[u32]) {
    running.kill();
    let deadline = Instant::now() + Duration::from_secs(30);
    while pids[1..]
        .iter()
        .any(|p| Path::new(&format!("/proc/{p}")).exists())
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `n` starts of each of `programs` on `data`, alternating, each ended once it has drawn.
fn start_times(programs: [&Path; 2], data: &Path, n: usize) -> Res<[Starts; 2]> {
    let mut times = [Starts(Vec::new()), Starts(Vec::new())];
    for _ in 0..n {
        for (program, starts) in programs.iter().zip(times.iter_mut()) {
            let (running, took) = start(program, data)?;
            let pids = tree(running.pid());
            stop(running, &pids);
            starts.0.push(took);
        }
    }
    Ok(times)
}

/// Starts `program` on the garage in `data`, waits for its first render, then `idle`, then
/// measures its memory; the program and the processes under it are ended before returning.
fn measure(program: &Path, data: &Path, idle: Duration) -> Res<Measure> {
    let (running, _) = start(program, data)?;
    // Idle on purpose: what the processes settle on, not a wait for something to happen.
    std::thread::sleep(idle);
    let pids = tree(running.pid());
    let pss = pss(&pids);
    stop(running, &pids);
    if let Some(keep) = std::env::var_os("PEDALWRENCHER_BENCH_LOGS") {
        let log = log_path(program, data);
        let name = format!(
            "{}-{}",
            data.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("garage"),
            log.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("program.log")
        );
        std::fs::create_dir_all(&keep)?;
        std::fs::copy(&log, Path::new(&keep).join(name))?;
    }
    Ok(Measure { pss })
}

fn main() -> Res<()> {
    if std::env::var_os("DISPLAY").is_none() {
        return Err("no DISPLAY: run it through `make bench` (tests/scripts/headless.sh)".into());
    }
    let release = release_dir();
    let app = release.join("pedalwrencher");
    let empty = release.join("examples").join("empty_window");
    for p in [&app, &empty] {
        if !p.exists() {
            return Err(format!("{} is missing: `make bench` builds it", p.display()).into());
        }
    }
    let idle = Duration::from_secs(
        std::env::var("PEDALWRENCHER_BENCH_IDLE_S")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );
    let starts: usize = std::env::var("PEDALWRENCHER_BENCH_STARTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(7);

    let demo_dir = tempfile::tempdir()?;
    demo::load(&mut Store::open_dir(demo_dir.path())?)?;
    let large_dir = tempfile::tempdir()?;
    garages::large(large_dir.path(), 20, 50_000)?;

    println!(
        "release app beside an empty Tauri 2 window (same profile), {starts} alternating starts each, {} s idle{}",
        idle.as_secs(),
        match extra_env() {
            env if env.is_empty() => String::new(),
            env => format!(
                "; environment: {}",
                env.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }
    );
    for (garage, dir) in [("demo garage", &demo_dir), ("50,000 rides", &large_dir)] {
        let [a_starts, e_starts] = start_times([&app, &empty], dir.path(), starts)?;
        let e = measure(&empty, dir.path(), idle)?;
        let a = measure(&app, dir.path(), idle)?;
        println!(
            "{garage}: start {} ms vs empty {} ms ({:.2}x; medians, app {} ms, empty {} ms); PSS {:.0} MB vs empty {:.0} MB ({:.2}x)",
            a_starts.median_ms(),
            e_starts.median_ms(),
            a_starts.median_ms() as f64 / e_starts.median_ms() as f64,
            a_starts.range(),
            e_starts.range(),
            a.total_mb(),
            e.total_mb(),
            a.total_mb() / e.total_mb()
        );
        println!("  app MB:   {}", a.parts());
        println!("  empty MB: {}", e.parts());
    }
    Ok(())
}
