//! How long start-up takes: from the start of the process to the first dashboard drawn. A script
//! run in the window at each page load waits for the dashboard (its bikes, or the offer of the
//! demo garage when the garage is empty), lets two frames be drawn, and calls `first_render`,
//! which logs, once, "first render" and the time since [`begin`]. `make bench` reads that line
//! (tests/benches/app.rs); a rider's log shows it too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static START: OnceLock<Instant> = OnceLock::new();
static REPORTED: AtomicBool = AtomicBool::new(false);

/// The start of start-up: first thing in `run`.
pub fn begin() {
    START.get_or_init(Instant::now);
}

/// A step of start-up and the time since [`begin`], logged at debug level under the target
/// `startup` (`PEDALWRENCHER_LOG=info,startup=debug` shows the timeline).
pub fn mark(what: &str) {
    let ms = START.get().map(|s| s.elapsed().as_millis()).unwrap_or(0);
    tracing::debug!(target: "startup", "{ms:>6} ms  {what}");
}

/// Run before the page's own scripts; the test ids are the ones the e2e tests find the
/// dashboard by. Two animation frames after the dashboard is in the document, it was drawn.
pub const SCRIPT: &str = r#"(() => {
  const dashboard = () =>
    document.querySelector("[data-testid='bike-card'], [data-testid='load-demo']");
  const report = () =>
    requestAnimationFrame(() =>
      requestAnimationFrame(() =>
        window.__TAURI_INTERNALS__.invoke("first_render").catch(() => {})));
  const watch = () => {
    if (dashboard()) return report();
    const seen = new MutationObserver(() => {
      if (dashboard()) {
        seen.disconnect();
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

/// The dashboard was drawn: logged the first time only.
pub fn rendered() {
    if REPORTED.swap(true, Ordering::SeqCst) {
        return;
    }
    DRAWN.notify_waiters();
    let ms = START.get().map(|s| s.elapsed().as_millis()).unwrap_or(0);
    tracing::info!(
        ms,
        "first render: the dashboard is drawn {ms} ms after start"
    );
}
