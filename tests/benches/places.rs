//! `make bench`, third part: the rider's two heaviest places in the release app on the
//! 50,000-ride garage (tests/benches/app.rs's garage). The app runs under tauri-driver, as in the
//! e2e tests, but the release build; WebDriver only clicks, and the page times itself, so its
//! round trips do not count:
//! - Rides: from the click on the Rides tab until its first page of rows is in the document and
//!   two animation frames have been drawn (as the first render is measured, src-tauri/src/startup.rs);
//! - a bike: from the click on a bike's name on the garage until its page shows its parts and its
//!   month chart (its rides are counted on it from the start).
//!
//! Each is timed [`RUNS`] times, back on the garage (drawn) between runs, and printed as the
//! median, beside the core's time for the same query the window's command makes on the same
//! garage file. Needs a display: the Makefile runs it under tests/scripts/headless.sh. Reports
//! numbers; asserts nothing about them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use pedalwrencher_core::garage::{bikes, cost, rides};
use pedalwrencher_core::Store;
use pedalwrencher_tests::garages;
use pedalwrencher_tests::loopback::{free_port, wait_until_accepting};
use pedalwrencher_tests::process::Running;
use serde_json::{json, Value};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Timed navigations to each place.
const RUNS: usize = 5;
/// Timed core queries, each.
const CORE_RUNS: usize = 20;
/// The Rides place's page size (ui/src/pages/rides/RidesPage.svelte).
const RIDES_PAGE: u32 = 100;

/// Run in the page before a click: a promise, `window.__drawn`, that resolves two animation
/// frames after the place `arguments[0]` is in the document, with the milliseconds since the
/// click reached the page (`performance.now()` at the click's capture on the window). The place's
/// content arrives in later mutations, so a mutation observer sees it; an "unavailable" note in
/// its stead (a command failed) resolves with the note, so the bench says why instead of waiting.
const ARM: &str = r#"
const place = arguments[0];
const drawn = {
  garage: () => document.querySelector("[data-testid='bike-card']") && {},
  rides: () => {
    const rows = document.querySelectorAll("[data-testid='ride-row']").length;
    if (rows) return { rows };
    const failed = document.querySelector("[data-testid='rides-unavailable']");
    return failed && { failed: failed.textContent };
  },
  bike: () => {
    const page = document.querySelector("[data-testid='bike-page']");
    const chart = page && page.querySelector("[data-testid='bike-chart']");
    if (!chart) return null;
    const failed = chart.querySelector("[data-testid='unavailable']");
    if (failed) return { failed: failed.textContent };
    const parts = page.querySelectorAll("[data-testid='component-row']").length;
    const months = chart.querySelectorAll("ol[aria-label='Distance per month'] li").length;
    return parts && months ? { parts, months } : null;
  },
}[place];
window.__drawn = new Promise((resolve) => {
  let clicked = null;
  let seen = null;
  const check = () => {
    if (clicked === null) return;
    const found = drawn();
    if (!found) return;
    seen.disconnect();
    requestAnimationFrame(() =>
      requestAnimationFrame(() => resolve({ ...found, ms: performance.now() - clicked })));
  };
  seen = new MutationObserver(check);
  seen.observe(document.documentElement, { childList: true, subtree: true, characterData: true });
  window.addEventListener("click", () => { clicked = performance.now(); }, { capture: true, once: true });
});
"#;

/// Waits for the promise [`ARM`] made.
const DRAWN: &str = r#"
const done = arguments[arguments.length - 1];
window.__drawn.then(done, (e) => done({ failed: String(e) }));
"#;

/// Waits, without timing, until the garage is drawn (the app has just started).
const GARAGE_DRAWN: &str = r#"
const done = arguments[arguments.length - 1];
const drawn = () => document.querySelector("[data-testid='bike-card']");
if (drawn()) return done(true);
const seen = new MutationObserver(() => {
  if (drawn()) { seen.disconnect(); done(true); }
});
seen.observe(document.documentElement, { childList: true, subtree: true });
"#;

fn release_app() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("release")
        .join("pedalwrencher")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn runs(v: &[f64]) -> String {
    v.iter()
        .map(|m| format!("{m:.0}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The core's share: the queries the window's commands make for these two places
/// (`rides_page`: a page of rides and the total; `bike_distance_by_month`: 12 months), on the
/// same garage file. Returns the medians in ms.
fn core_times(data: &Path) -> Res<(f64, f64)> {
    let store = Store::open_dir(data)?;
    let page = rides::RideQuery {
        limit: Some(RIDES_PAGE),
        ..Default::default()
    };
    let bike_ids: Vec<_> = bikes::list(&store)?.into_iter().map(|b| b.id).collect();
    let (mut rides_page, mut bike_months) = (Vec::new(), Vec::new());
    for i in 0..CORE_RUNS {
        let t = Instant::now();
        rides::list(&store, &page)?;
        rides::count(&store, &page)?;
        rides_page.push(ms(t.elapsed()));
        let t = Instant::now();
        cost::distance_by_month(&store, &bike_ids[i % bike_ids.len()], 12)?;
        bike_months.push(ms(t.elapsed()));
    }
    Ok((median(rides_page), median(bike_months)))
}

/// The release app under tauri-driver on the garage in `data`; its log goes to `log`.
struct Window {
    client: Client,
    _driver: Running,
}

impl Window {
    async fn open(app: &Path, data: &Path, log: &Path) -> Res<Window> {
        let (port, native_port) = (free_port(), free_port());
        let child = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("PEDALWRENCHER_DATA_DIR", data)
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(log)?))
            .spawn()
            .map_err(|e| format!("tauri-driver ({e}): `cargo install tauri-driver --locked`"))?;
        let mut driver = Running::new(child, "tauri-driver");
        // The proxy listens at once; a session asked for before WebKitWebDriver behind it is up
        // fails (as in tests/tests/e2e/app.rs).
        for p in [native_port, port] {
            wait_until_accepting(p, Duration::from_secs(30), || {
                driver.exited().map(|s| s.to_string())
            })
            .map_err(|why| format!("the WebDriver {why}"))?;
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            json!({ "application": app.canonicalize()? }),
        );
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await?;
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(Duration::from_secs(120)),
                None,
                None,
            ))
            .await?;
        Ok(Window {
            client,
            _driver: driver,
        })
    }

    /// Clicks the `nth` element matching `css` and returns what the page measured until `place`
    /// was drawn.
    async fn time_click(&self, place: &str, css: &str, nth: usize) -> Res<Value> {
        self.client.execute(ARM, vec![json!(place)]).await?;
        let found = self.client.find_all(Locator::Css(css)).await?;
        let target = found
            .get(nth % found.len().max(1))
            .ok_or_else(|| format!("nothing to click for {place}: {css}"))?;
        target.click().await?;
        let drawn = self.client.execute_async(DRAWN, vec![]).await?;
        if let Some(why) = drawn.get("failed") {
            return Err(format!("{place} could not be drawn: {why}").into());
        }
        Ok(drawn)
    }

    /// Times `RUNS` navigations from the garage to `place` (by the `nth` = run's element matching
    /// `css`), each followed by a timed return to the garage. Returns what each measured.
    async fn visits(&self, place: &str, css: &str) -> Res<(Vec<Value>, Vec<f64>)> {
        let (mut there, mut back) = (Vec::new(), Vec::new());
        for run in 0..RUNS {
            there.push(self.time_click(place, css, run).await?);
            let garage = self
                .time_click("garage", "[data-testid='nav-garage']", 0)
                .await?;
            back.push(garage["ms"].as_f64().unwrap_or(f64::NAN));
        }
        Ok((there, back))
    }
}

fn field(v: &[Value], name: &str) -> Vec<f64> {
    v.iter()
        .map(|m| m[name].as_f64().unwrap_or(f64::NAN))
        .collect()
}

async fn window_times(app: &Path, data: &Path) -> Res<()> {
    let log = data.join("app.log");
    let window = Window::open(app, data, &log).await?;
    let measured = async {
        window.client.execute_async(GARAGE_DRAWN, vec![]).await?;
        let rides = window.visits("rides", "[data-testid='nav-rides']").await?;
        let bike = window.visits("bike", "[data-testid='bike-name'] a").await?;
        Ok::<_, Box<dyn std::error::Error>>((rides, bike))
    }
    .await;
    let closed = window.client.close().await;
    let ((rides, back_from_rides), (bike, back_from_bike)) = measured.map_err(|e| {
        format!(
            "{e}; the app's log:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    })?;
    closed?;

    let (rides_ms, bike_ms) = (field(&rides, "ms"), field(&bike, "ms"));
    let back: Vec<f64> = back_from_rides.into_iter().chain(back_from_bike).collect();
    let (core_rides, core_months) = core_times(data)?;
    println!(
        "Rides, from the tab's click to its first {} rows drawn: median {:.0} ms (runs {}); \
         the core's page query: {:.2} ms",
        rides[0]["rows"],
        median(rides_ms.clone()),
        runs(&rides_ms),
        core_rides
    );
    println!(
        "a bike, from its name's click on the garage to its page drawn ({} parts, {} months): \
         median {:.0} ms (runs {}); the core's month query: {:.2} ms",
        bike[0]["parts"],
        bike[0]["months"],
        median(bike_ms.clone()),
        runs(&bike_ms),
        core_months
    );
    println!(
        "back to the garage, from the tab's click to its cards drawn: median {:.0} ms (runs {})",
        median(back.clone()),
        runs(&back)
    );
    Ok(())
}

fn main() -> Res<()> {
    if std::env::var_os("DISPLAY").is_none() {
        return Err("no DISPLAY: run it through `make bench` (tests/scripts/headless.sh)".into());
    }
    let app = release_app();
    if !app.exists() {
        return Err(format!("{} is missing: `make bench` builds it", app.display()).into());
    }
    let data = tempfile::tempdir()?;
    garages::large(data.path(), 20, 50_000)?;
    println!("the release app's places on 50,000 rides (20 bikes × 15 parts), {RUNS} runs each");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(window_times(&app, data.path()))
}
