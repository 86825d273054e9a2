//! The main window, brought back by the tray, a click on a reminder and a second launch. (Closing
//! it hides it to the tray: `tray::close_requested`.)

use std::sync::Mutex;

use tauri::{AppHandle, Manager, Runtime};

/// The label of the one window (tauri.conf.json).
pub const MAIN: &str = "main";

/// Whether the window is made yet, and if not, whether it was asked for meanwhile. A second
/// launch can arrive (on the single-instance plugin's D-Bus thread) as soon as the plugins are
/// up, before setup has made the window, or even begun: a show asked for then is kept, not lost.
enum Window {
    NotYet { show_asked: bool },
    Made,
}

static WINDOW: Mutex<Window> = Mutex::new(Window::NotYet { show_asked: false });

fn window() -> std::sync::MutexGuard<'static, Window> {
    WINDOW.lock().unwrap_or_else(|p| p.into_inner())
}

/// Shows the window, restored and in front; asked before it is made, once it is.
pub fn show<R: Runtime>(app: &AppHandle<R>) {
    {
        let mut window = window();
        if let Window::NotYet { show_asked } = &mut *window {
            *show_asked = true;
            tracing::info!("the window is not made yet: shown once it is");
            return;
        }
    }
    show_now(app);
}

/// Setup has made the window: shows it if that was asked meanwhile.
pub fn made<R: Runtime>(app: &AppHandle<R>) {
    let asked = {
        let mut window = window();
        let asked = matches!(*window, Window::NotYet { show_asked: true });
        *window = Window::Made;
        asked
    };
    if asked {
        show_now(app);
    }
}

fn show_now<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window(MAIN) else {
        tracing::warn!("no window to show");
        return;
    };
    let _ = window.unminimize();
    let _ = window.show();
    let _ = window.set_focus();
}
