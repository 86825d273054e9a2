//! End to end: the real app binary, driven through tauri-driver and WebKitWebDriver, on a fresh
//! data folder. Run by `make test` inside `tests/scripts/headless.sh` (Xvfb + a D-Bus session).
//!
//! [`app::App`] starts the app and its WebDriver session; [`pages`] has an object per screen or
//! panel (the garage, the header, the dialogs, the Strava, Notifications and Devices panels), so
//! each test reads as the rider's steps; [`desktop`] is the notification daemon around the app.

mod app;
mod app_process;
mod desktop;
mod opener;
mod pages;
mod window;
mod x_window;

mod accessibility;
mod autostart;
mod backup;
mod devices;
mod garage;
mod header;
mod import;
mod notifications;
mod places;
mod strava;
mod tray;
mod tree;
mod units;
