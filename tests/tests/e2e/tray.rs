//! The desktop app in the tray: closing the window leaves it running (reminders go on, and it
//! says so once), a second launch on the same garage shows the first window and exits, and the
//! login entry's `--in-tray` start shows no window.

use std::ffi::OsString;
use std::time::{Duration, Instant};

use pedalwrencher_tests::cli::Garage;
use x11_dl::xlib;

use crate::app::{saved_setting, App};
use crate::app_process::{self, alive};
use crate::desktop::{has, Desktop};
use crate::window::{Result, WAIT};
use crate::x_window::X;

const TITLE: &str = "Pedalwrencher";
const NOTICE: &str = "Pedalwrencher is still running";

/// One bike with a chain and no ride yet: nothing is due.
fn chain_garage() -> (Garage, String) {
    let garage = Garage::new();
    let bike = garage.add_bike("Commuter");
    garage.add_component(&[
        "--kind",
        "chain",
        "--bike",
        &bike,
        "--installed",
        "2026-01-01",
    ]);
    (garage, bike)
}

/// Waits (bounded) until `ok` holds.
async fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !ok() {
        assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The app's window, once it exists.
async fn main_window(x: &X, pid: u32) -> xlib::Window {
    let mut found = None;
    wait_for("the app's X window", || {
        found = x.window_of(pid, TITLE);
        found.is_some()
    })
    .await;
    found.expect("found above")
}

fn notices(desktop: &Desktop) -> usize {
    desktop.calls().iter().filter(|c| has(c, NOTICE)).count()
}

#[tokio::test(flavor = "current_thread")]
async fn closing_the_window_leaves_the_app_in_the_tray_and_a_part_due_later_still_reminds() {
    let (garage, bike) = chain_garage();
    let desktop = Desktop::start(garage.path());
    let log = garage.file("app.log");
    let env: [(&str, OsString); 1] = [("PEDALWRENCHER_CYCLE_MS", "1500".into())];
    let app = App::open_with(garage.path(), &env, Some(&log)).await;

    let steps = async {
        app.dashboard().wait_bike().await?;
        let pid = app_process::pid(garage.path()).await;
        let x = X::connect();
        let window = main_window(&x, pid).await;
        wait_for("the window on screen", || x.is_viewable(window)).await;
        let log_says = |text: &str| {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains(text)
        };
        wait_for("the tray's first count", || log_says("tray: Nothing due")).await;
        // The start-up mark `make bench` times the app by.
        wait_for("the first render logged", || {
            log_says("first render: the dashboard is drawn")
        })
        .await;

        // The rider closes the window: it goes, the app stays, and says where it went.
        x.close(window);
        wait_for("the window to go", || !x.is_viewable(window)).await;
        desktop
            .wait_calls("the tray notice", |calls| {
                calls.iter().any(|c| has(c, NOTICE))
            })
            .await;
        assert!(alive(pid), "the app ended when its window was closed");
        wait_for("the notice remembered in settings.json", || {
            saved_setting(garage.path(), "tray_notice_shown") == true
        })
        .await;

        // A ride logged elsewhere (the CLI) makes the chain due: the app, window closed, still
        // reminds, and the tray's count follows.
        garage.add_ride(Some(&bike), "2026-02-01", "3100", &[]);
        let calls = desktop
            .wait_calls("the chain reminder", |calls| {
                calls.iter().any(|c| has(c, "Replace due: Chain"))
            })
            .await;
        eprintln!("Notify calls with the window closed: {calls:#?}");
        wait_for("the tray to count the chain", || {
            log_says("tray: 1 part due")
        })
        .await;
        assert!(alive(pid), "the app is still running");
        assert!(!x.is_viewable(window), "the window stayed closed");
        assert_eq!(notices(&desktop), 1, "the tray notice once");
        Ok(())
    };
    let steps: Result = steps.await;
    app.finish(steps, "close to the tray, then a reminder")
        .await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_second_launch_shows_the_first_window_and_exits() {
    let (garage, _) = chain_garage();
    let desktop = Desktop::start(garage.path());
    let app = App::open(garage.path()).await;

    let steps = async {
        app.dashboard().wait_bike().await?;
        let pid = app_process::pid(garage.path()).await;
        let x = X::connect();
        let window = main_window(&x, pid).await;
        x.close(window);
        wait_for("the window to go", || !x.is_viewable(window)).await;
        desktop
            .wait_calls("the tray notice", |calls| {
                calls.iter().any(|c| has(c, NOTICE))
            })
            .await;

        // The rider starts the app again (from the menu, say): that launch hands over and ends.
        let mut second = app_process::launch(garage.path(), &[], &garage.file("second.log"));
        let status = second.wait_within(WAIT);
        let second_log = std::fs::read_to_string(garage.file("second.log")).unwrap_or_default();
        assert!(
            status.success(),
            "the second launch: {status}; its log:\n{second_log}"
        );
        wait_for("the first window shown again", || x.is_viewable(window)).await;
        assert!(alive(pid), "the first app is the one still running");
        let visibility = app
            .window()
            .execute("return document.visibilityState;", vec![])
            .await?;
        assert_eq!(visibility, "visible", "the page is shown again");

        // Closed again: no second notice (it was said once).
        x.close(window);
        wait_for("the window to go again", || !x.is_viewable(window)).await;
        assert!(alive(pid));
        assert_eq!(
            notices(&desktop),
            1,
            "the tray notice once: {:#?}",
            desktop.calls()
        );
        Ok(())
    };
    let steps: Result = steps.await;
    app.finish(steps, "a second launch").await;
}

#[tokio::test(flavor = "current_thread")]
async fn started_at_login_the_app_waits_in_the_tray_until_launched_again() {
    let (garage, _) = chain_garage();
    let log = garage.file("app.log");
    let mut first = app_process::launch(garage.path(), &["--in-tray"], &log);
    let pid = first.pid();
    let x = X::connect();
    // Logged once setup has made the window: by then a window to be shown would be.
    wait_for("the app set up in the tray", || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("started at login: waiting in the tray")
    })
    .await;
    // A window never shown has no X window yet (GTK makes it when it is first shown).
    let shown = x.window_of(pid, TITLE).is_some_and(|w| x.is_viewable(w));
    assert!(!shown, "started at login, the window is not shown");

    let status =
        app_process::launch(garage.path(), &[], &garage.file("second.log")).wait_within(WAIT);
    assert!(status.success(), "the second launch: {status}");
    let window = main_window(&x, pid).await;
    wait_for("the window shown", || x.is_viewable(window)).await;
    assert!(first.exited().is_none(), "the first app still runs");
}

/// A second launch that lands while the first app is still setting up (its single-instance name
/// is taken when the plugins start, the window is made later) still shows the window, once made.
/// The test is that second launch: it watches the bus for the name and calls the running app's
/// `ExecuteCallback` the moment the name appears, exactly as the plugin's second launch does,
/// so the hand-over arrives before the window exists, every time (asserted from the log).
#[tokio::test(flavor = "current_thread")]
async fn a_second_launch_during_start_up_shows_the_window_once_made() {
    let (garage, _) = chain_garage();
    let log = garage.file("app.log");
    let bus = zbus::blocking::Connection::session().expect("the session bus");
    let names = name_taken(&bus);
    let mut first = app_process::launch(garage.path(), &["--in-tray"], &log);
    let pid = first.pid();
    let name = names
        .recv_timeout(WAIT)
        .expect("the app's single-instance name");
    let path = format!("/{}", name.replace('.', "/").replace('-', "_"));
    bus.call_method(
        Some(name.as_str()),
        path.as_str(),
        Some("org.SingleInstance.DBus"),
        "ExecuteCallback",
        &(vec!["pedalwrencher".to_owned()], "/"),
    )
    .expect("the hand-over accepted");

    let x = X::connect();
    let window = main_window(&x, pid).await;
    wait_for("the window shown", || x.is_viewable(window)).await;
    let said = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        said.contains("the window is not made yet: shown once it is"),
        "the hand-over came before the window was made:\n{said}"
    );
    assert!(first.exited().is_none(), "the first app still runs");
}

/// The next single-instance name of a garage taken on the bus, sent once it is.
fn name_taken(bus: &zbus::blocking::Connection) -> std::sync::mpsc::Receiver<String> {
    let dbus = zbus::blocking::fdo::DBusProxy::new(bus).expect("the bus's own interface");
    let changes = dbus
        .receive_name_owner_changed()
        .expect("name changes watched");
    let (tx, rx) = std::sync::mpsc::channel();
    // Blocks on the bus until the name comes; the receiver's timeout bounds the wait, and the
    // thread ends with the test process.
    std::thread::spawn(move || {
        for change in changes {
            let Ok(args) = change.args() else { continue };
            let taken = args.new_owner().is_some() && args.old_owner().is_none();
            if taken && args.name().starts_with("app.pedalwrencher.garage_") {
                let _ = tx.send(args.name().to_string());
                return;
            }
        }
    });
    rx
}
