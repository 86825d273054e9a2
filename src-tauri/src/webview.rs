//! The web view set up for what the window is, a few forms and lists over local data, rather than
//! for a browser (WebKitGTK's defaults, and wry's). On Linux:
//! - no accelerated compositing (hardware acceleration "never"): WebKit paints the page on the CPU
//!   into one buffer the window draws, instead of compositing layers through OpenGL. The page has
//!   nothing that needs layers (no video, 3D or canvas), and the GL path is what an idle window
//!   spent its memory on: with a software renderer (no GPU, or Mesa's llvmpipe as under Xvfb) the
//!   web process held about 236 MB PSS on the demo garage against 136 MB without it, and the first
//!   dashboard was drawn sooner (README, Benchmarks). Seen only under Xvfb (X11 without a
//!   compositing window manager) and only by WebDriver: a window entirely covered by another draws
//!   no frames until it is uncovered (`requestAnimationFrame` waits too), a resize asked for before
//!   the first frame fails, and of two such windows at once one stopped answering WebDriver once it
//!   had synced; the e2e tests repaint an invisible pixel while a screenshot is taken, wait for
//!   the first frame, and their one test of two apps gives one of them WebKit's defaults and opens
//!   it underneath (tests/tests/e2e/devices.rs);
//! - the "document viewer" cache model: WebKit's smallest memory caches (no back/forward pages, a
//!   small resource cache); the UI is one page of a few local files;
//! - no WebGL, no WebAudio, no page cache (wry turns them on; the UI uses none of them).
//!
//! `PEDALWRENCHER_WEBVIEW_DEFAULTS=1` keeps WebKit's defaults: what `make bench` compares with, and
//! the way back should a graphics driver draw the tuned view wrongly.

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
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebView, WebViewExt,
    };

    pub fn tune(view: &WebView) {
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        if let Some(settings) = WebViewExt::settings(view) {
            settings.set_enable_webgl(false);
            settings.set_enable_webaudio(false);
            settings.set_enable_page_cache(false);
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    }
}
