//! The web view set up for what the window is, a few forms and lists over local data, rather than
//! for a browser (WebKitGTK's defaults, and wry's). On Linux:
//! - the "document viewer" cache model: WebKit's smallest memory caches (no back/forward pages, a
//!   small resource cache); the UI is one page of a few local files;
//! - no WebGL, no WebAudio, no page cache (wry turns them on; the UI uses none of them).
//!
//! Not here: turning accelerated compositing off (hardware acceleration "never"). Under Xvfb a
//! window so set, when another window covers it, stopped drawing frames: WebDriver screenshots
//! and `requestAnimationFrame` waited for ever (the two-device e2e test hung twice). WebKit's own
//! `WEBKIT_DISABLE_COMPOSITING_MODE=1` does the same for a rider who wants it; `make bench`
//! measures it (README, Benchmarks).
//!
//! `make bench` measures it against WebKit's defaults: `PEDALWRENCHER_WEBVIEW_DEFAULTS=1` keeps
//! them (also the way back should a graphics driver draw the tuned view wrongly).

use tauri::WebviewWindow;

/// Set to `1`: WebKit's defaults, untouched.
pub const DEFAULTS: &str = "PEDALWRENCHER_WEBVIEW_DEFAULTS";

/// Applies the settings above to `window`'s web view (before its page has done much: call it
/// right after building the window).
pub fn tune(window: &WebviewWindow) {
    if std::env::var_os(DEFAULTS).is_some_and(|v| v == "1") {
        tracing::info!("web view: WebKit's defaults ({DEFAULTS}=1)");
        return;
    }
    #[cfg(target_os = "linux")]
    if let Err(e) = window.with_webview(|webview| linux::tune(&webview.inner())) {
        tracing::warn!("could not set up the web view: {e}");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

#[cfg(target_os = "linux")]
mod linux {
    use webkit2gtk::{CacheModel, SettingsExt, WebContextExt, WebView, WebViewExt};

    pub fn tune(view: &WebView) {
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        if let Some(settings) = WebViewExt::settings(view) {
            settings.set_enable_webgl(false);
            settings.set_enable_webaudio(false);
            settings.set_enable_page_cache(false);
        }
    }
}
