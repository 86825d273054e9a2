//! How long start-up takes: from the start of the process to the first dashboard drawn. A script
//! run in the window at each page load waits for the dashboard (its bikes, or the offer of the
//! demo garage when the garage is empty), lets two frames be drawn, and calls `first_render`,
//! which logs, once, "first render" and the time since [`begin`]. `make bench` reads that line
//! (tests/benches/app.rs); a rider's log shows it too. The script sends the page's own steps
//! along (its load, the app's marks, its paints), so the debug timeline covers both processes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

static START: OnceLock<(Instant, f64)> = OnceLock::new();
static REPORTED: AtomicBool = AtomicBool::new(false);

/// The start of start-up: first thing in `run`. The wall clock is kept beside the monotonic one
/// because the page's times count from its own origin, given in wall-clock milliseconds.
pub fn begin() {
    START.get_or_init(|| {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0);
        (Instant::now(), wall)
    });
}

fn since_start() -> u128 {
    START
        .get()
        .map(|(s, _)| s.elapsed().as_millis())
        .unwrap_or(0)
}

/// The page's steps up to its first dashboard, as the start-up script gathers them from the
/// Performance API: milliseconds since `time_origin` (wall-clock milliseconds).
#[derive(Debug, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct PageSteps {
    pub time_origin: f64,
    pub steps: Vec<(String, f64)>,
}

impl PageSteps {
    /// Each step in milliseconds since `start` (wall-clock milliseconds), in the order they
    /// happened.
    fn since(&self, start: f64) -> Vec<(f64, &str)> {
        let mut steps: Vec<(f64, &str)> = self
            .steps
            .iter()
            .map(|(name, t)| (self.time_origin + t - start, name.as_str()))
            .collect();
        steps.sort_by(|a, b| a.0.total_cmp(&b.0));
        steps
    }
}

/// A step of start-up and the time since [`begin`], logged at debug level under the target
/// `startup` (`PEDALWRENCHER_LOG=info,startup=debug` shows the timeline).
pub fn mark(what: &str) {
    let ms = since_start();
    tracing::debug!(target: "startup", "{ms:>6} ms  {what}");
}

/// Run before the page's own scripts, in a window shown at start: asks for the garage's first
/// reads now, before the page's bundle has loaded, and the garage store takes them for its first
/// load (ui/src/lib/platform/firstReads.ts). Once per window: a reload reads afresh. Not for a
/// window hidden at start (started at login), where the background runner starts at once and could
/// change the garage before the page listens for changes; in a shown window it waits for the first
/// dashboard ([`drawn`]). Failures are the store's to report: marked handled here so none is
/// reported twice.
pub const EARLY_READS: &str = r#"(() => {
  const ipc = window.__TAURI_INTERNALS__;
  try {
    if (!ipc || sessionStorage.getItem("pedalwrencher.firstReads")) return;
    sessionStorage.setItem("pedalwrencher.firstReads", "asked");
  } catch {
    return;
  }
  const reads = {
    garage: ipc.invoke("garage"),
    dueList: ipc.invoke("due_list"),
    presets: ipc.invoke("presets"),
  };
  Object.values(reads).forEach((read) => read.catch(() => {}));
  performance.mark("garage asked for");
  window.__PEDALWRENCHER_FIRST_READS__ = reads;
})();"#;

/// Run before the page's own scripts: watches for the dashboard (the test ids are the ones the
/// e2e tests find it by). Two animation frames after the dashboard is in the document, it was
/// drawn. The steps sent along: the document's load (navigation timing), each file's arrival, the
/// app's own marks (`performance.mark` in ui/src) and the paints WebKit reports; should gathering
/// them fail, the report goes without them (the runner waits for it).
pub const SCRIPT: &str = r#"(() => {
  const dashboard = () =>
    document.querySelector("[data-testid='bike-card'], [data-testid='load-demo']");
  const steps = () => {
    try {
      return gather();
    } catch {
      return { timeOrigin: 0, steps: [] };
    }
  };
  const gather = () => {
    const out = [];
    const nav = performance.getEntriesByType("navigation")[0];
    if (nav) {
      out.push(["page asked for", nav.requestStart], ["page received", nav.responseEnd],
        ["document parsed", nav.domInteractive],
        ["DOMContentLoaded done", nav.domContentLoadedEventEnd]);
    }
    for (const r of performance.getEntriesByType("resource")) {
      out.push([`${r.name.split("/").pop()} received`, r.responseEnd]);
    }
    for (const e of [...performance.getEntriesByType("mark"), ...performance.getEntriesByType("paint")]) {
      out.push([e.name, e.startTime]);
    }
    out.push(["second frame", performance.now()]);
    return { timeOrigin: performance.timeOrigin, steps: out.filter(([, t]) => t > 0) };
  };
  const report = () =>
    requestAnimationFrame(() =>
      requestAnimationFrame(() =>
        window.__TAURI_INTERNALS__.invoke("first_render", { page: steps() }).catch(() => {})));
  const watch = () => {
    if (dashboard()) return report();
    const seen = new MutationObserver(() => {
      if (dashboard()) {
        seen.disconnect();
        performance.mark("dashboard in the document");
        report();
      }
    });
    seen.observe(document.documentElement, { childList: true, subtree: true });
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watch, { once: true });
  } else {
    watch();
  }
})();"#;

/// Opened once the first dashboard is drawn (or start-up gave up waiting for it): see [`drawn`].
static DRAWN: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// How long work held back for the first paint waits at most (a window that never draws its
/// dashboard — the garage could not be opened, say — must not hold the reminders back for ever).
const DRAWN_AT_MOST: Duration = Duration::from_secs(5);

/// Waits until the window has drawn its first dashboard, or [`DRAWN_AT_MOST`]; at once when no
/// window is shown (started at login, in the tray). Work that the first paint does not need (the
/// background runner's first cycle: syncs, the delivery cycle, their D-Bus calls and garage reads)
/// waits here, so it does not compete with the window for the store and the CPU while it starts.
pub async fn drawn(shown: bool) {
    // Registered before the check, so a first render reported in between is not missed.
    let notified = DRAWN.notified();
    tokio::pin!(notified);
    notified.as_mut().enable();
    if !shown || REPORTED.load(Ordering::SeqCst) {
        return;
    }
    let _ = tokio::time::timeout(DRAWN_AT_MOST, notified).await;
}

/// The dashboard was drawn: logged the first time only, after the page's steps.
pub fn rendered(page: &PageSteps) {
    if REPORTED.swap(true, Ordering::SeqCst) {
        return;
    }
    DRAWN.notify_waiters();
    if let Some((_, wall)) = START.get() {
        for (ms, name) in page.since(*wall) {
            tracing::debug!(target: "startup", "{ms:>6.0} ms  page: {name}");
        }
    }
    let ms = since_start();
    tracing::info!(
        ms,
        "first render: the dashboard is drawn {ms} ms after start"
    );
}

#[cfg(test)]
mod tests {
    use super::PageSteps;

    #[test]
    fn page_steps_count_from_the_process_start_in_order() {
        let page = PageSteps {
            // The page's origin, 200 ms after the process started at 1,000,000 ms.
            time_origin: 1_000_200.0,
            steps: vec![
                ("second frame".into(), 300.5),
                ("bundle evaluated".into(), 60.0),
            ],
        };
        assert_eq!(
            page.since(1_000_000.0),
            vec![(260.0, "bundle evaluated"), (500.5, "second frame")]
        );
    }
}
