//! How long start-up takes: from the start of the process to the first dashboard drawn. A script
//! run in the window at each page load waits for the dashboard (its bikes, or the offer of the
//! demo garage when the garage is empty), lets two frames be drawn, and calls `first_render`,
//! which logs, once, "first render" and the time since [`begin`]. `make bench` reads that line
//! (tests/benches/app.rs); a rider's log shows it too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();
static REPORTED: AtomicBool = AtomicBool::new(false);

/// The start of start-up: first thing in `run`.
pub fn begin() {
    START.get_or_init(Instant::now);
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

/// The dashboard was drawn: logged the first time only.
pub fn rendered() {
    if REPORTED.swap(true, Ordering::SeqCst) {
        return;
    }
    let ms = START.get().map(|s| s.elapsed().as_millis()).unwrap_or(0);
    tracing::info!(
        ms,
        "first render: the dashboard is drawn {ms} ms after start"
    );
}
