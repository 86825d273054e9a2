//! Reminders from the app: desktop notifications (counted at the D-Bus session), a failing email
//! channel, and the app draining one garage together with `serve`.

use std::ffi::OsString;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pedalwrencher_core::store::DB_FILE;
use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::fake_twilio::{self, FakeTwilio};
use pedalwrencher_tests::garages;
use pedalwrencher_tests::healthcheck::Healthcheck;
use pedalwrencher_tests::loopback::free_port;
use pedalwrencher_tests::process::Running;

use crate::app::{app_binary, App};
use crate::desktop::{has, Desktop};
use crate::window::{Result, WAIT};

/// The timer period the app runs its cycle with in these tests.
const TICK_MS: u64 = 1500;

/// One bike with a chain and a 3,100 km ride: both chain rules (replace every 3,000 km, clean
/// and lube every 300 km) are due.
fn due_chain_garage() -> Garage {
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
    garage.add_ride(Some(&bike), "2026-02-01", "3100", &[]);
    garage
}

/// How many cycles the app's loop has recorded in its heartbeat.
fn app_cycles(garage: &Garage) -> i64 {
    rusqlite::Connection::open(garage.file(DB_FILE))
        .and_then(|c| {
            c.query_row(
                "SELECT COALESCE(MAX(cycles), 0) FROM heartbeats WHERE name = 'app'",
                [],
                |r| r.get(0),
            )
        })
        .unwrap_or(0)
}

/// Three chains on one bike, past both their rules after one long ride: six reminders at once.
#[tokio::test(flavor = "current_thread")]
async fn six_reminders_at_once_raise_one_summary_notification() {
    let garage = Garage::new();
    let bike = garage.add_bike("Commuter");
    for _ in 0..3 {
        garage.add_component(&[
            "--kind",
            "chain",
            "--bike",
            &bike,
            "--installed",
            "2026-01-01",
        ]);
    }
    garage.add_ride(Some(&bike), "2026-02-01", "3100", &[]);
    let desktop = Desktop::start(garage.path());
    let app = App::open(garage.path()).await;

    let steps = async {
        app.dashboard().component_row("[data-state='due']").await?;
        let calls = desktop
            .wait_calls("the summary", |calls| {
                calls.iter().any(|c| has(c, "6 reminders"))
            })
            .await;
        assert_eq!(calls.len(), 1, "one notification for six: {calls:#?}");
        assert!(
            has(&calls[0], "and 3 more. Open Pedalwrencher to see them all."),
            "the summary names the first three and counts the rest: {:?}",
            calls[0]
        );
        Ok(())
    };
    let steps: Result = steps.await;
    app.finish(steps, "six reminders at once").await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_due_component_raises_exactly_one_desktop_notification_and_none_on_the_next_tick() {
    let garage = due_chain_garage();
    let desktop = Desktop::start(garage.path());
    let healthcheck = Healthcheck::start();
    let env: [(&str, OsString); 2] = [
        ("PEDALWRENCHER_CYCLE_MS", TICK_MS.to_string().into()),
        (
            "PEDALWRENCHER_HEALTHCHECK_URL",
            healthcheck.url("/ping/app").into(),
        ),
    ];
    let app = App::open_with(garage.path(), &env, None).await;

    let steps = async {
        let (window, dashboard) = (app.window(), app.dashboard());
        dashboard.component_row("[data-state='due']").await?;
        let reminder =
            |c: &Vec<String>| has(c, "Replace due: Chain") || has(c, "Clean and lube due: Chain");
        let calls = desktop
            .wait_calls("the two chain reminders", |calls| {
                calls.iter().filter(|c| reminder(c)).count() >= 2
            })
            .await;
        let replace: Vec<_> = calls
            .iter()
            .filter(|c| has(c, "Replace due: Chain"))
            .collect();
        let lube: Vec<_> = calls
            .iter()
            .filter(|c| has(c, "Clean and lube due: Chain"))
            .collect();
        assert_eq!(replace.len(), 1, "one Replace reminder: {calls:#?}");
        assert_eq!(lube.len(), 1, "one Clean and lube reminder: {calls:#?}");
        assert!(
            has(
                replace[0],
                "Commuter: replace the Chain — 100 km past its 3,000 km interval."
            ),
            "the body says which bike, which part, what to do and how far past: {:?}",
            replace[0]
        );
        assert!(
            has(lube[0], "Commuter: clean and lube the Chain"),
            "the lube body: {:?}",
            lube[0]
        );
        assert_eq!(calls.len(), 2, "nothing else was shown: {calls:#?}");
        eprintln!("Notify calls after start: {}", calls.len());

        // A click on a reminder (dunst's default action on the newest one) opens the app at
        // that part: its page.
        desktop.click_newest();
        app.window().find("[data-testid='component-page']").await?;
        let title = app.places().title().await?;
        assert!(title.contains("Chain"), "the part's page: {title}");

        // The next timer ticks (three of them, counted by the app's heartbeat) and a cycle run
        // by hand show nothing new.
        let before = app_cycles(&garage);
        let deadline = Instant::now() + WAIT;
        while app_cycles(&garage) < before + 3 {
            assert!(
                Instant::now() < deadline,
                "the app's cycle did not tick three times"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let panel = app.header().open_notifications().await?;
        let note = panel.check_now().await?;
        assert!(note.contains("nothing new"), "check now: {note}");
        tokio::time::sleep(Duration::from_millis(TICK_MS + 500)).await;
        let after = desktop.calls();
        eprintln!(
            "Notify calls after further ticks and Check now: {}",
            after.len()
        );
        assert_eq!(
            after.len(),
            2,
            "no new notification on later cycles: {after:#?}"
        );

        // Every healthy cycle pinged the healthcheck URL (a GET), never its /fail.
        let pinged = healthcheck.requests();
        eprintln!("healthcheck pings: {}", pinged.len());
        assert!(pinged.len() >= 3, "a ping per cycle: {pinged:?}");
        assert!(
            pinged.iter().all(|l| l == "GET /ping/app"),
            "healthy pings only: {pinged:?}"
        );

        // The desktop channel's counts in the panel.
        let stats = panel
            .wait_stats("notification", "the sent count", |t| t.contains("2 sent"))
            .await?;
        assert!(!stats.contains("failed"), "{stats}");
        panel.scroll_to_top().await?;
        // "Send test" on the desktop channel shows one more notification and says so.
        let result = panel.send_test("notification").await?;
        assert!(result.contains("Test notification shown."), "{result}");
        let calls = desktop
            .wait_calls("the test notification", |calls| {
                calls.iter().any(|c| has(c, "Pedalwrencher test"))
            })
            .await;
        assert_eq!(calls.len(), 3, "the two reminders and the test: {calls:#?}");
        window.readme_screenshot("notifications.png").await?;
        Result::Ok(())
    }
    .await;
    app.finish(steps, "native notification flow").await;
}

#[tokio::test(flavor = "current_thread")]
async fn an_email_channel_that_fails_for_good_warns_once_and_shows_a_banner() {
    let garage = due_chain_garage();
    // Nothing listens on this loopback port: every attempt is "connection refused".
    let closed_port = free_port();
    let desktop = Desktop::start(garage.path());
    let healthcheck = Healthcheck::start();
    let env: [(&str, OsString); 6] = [
        (
            "PEDALWRENCHER_HEALTHCHECK_URL",
            healthcheck.url("/ping/app").into(),
        ),
        ("PEDALWRENCHER_CYCLE_MS", "300".into()),
        ("PEDALWRENCHER_DELIVERY_BACKOFF_MS", "1".into()),
        (
            "PEDALWRENCHER_SMTP_URL",
            format!("smtp://127.0.0.1:{closed_port}").into(),
        ),
        ("PEDALWRENCHER_EMAIL_TO", "rider@example.com".into()),
        ("PEDALWRENCHER_SECRETS", "file".into()),
    ];
    let app = App::open_with(garage.path(), &env, None).await;

    let steps = async {
        let (window, dashboard) = (app.window(), app.dashboard());
        let banner = dashboard
            .wait_channel_failed_banner(|t| t.contains("Email reminders are failing"))
            .await?;
        assert!(banner.contains("connection refused"), "banner: {banner}");
        assert!(
            banner.contains("Check Notifications settings."),
            "banner: {banner}"
        );
        let warning = |c: &Vec<String>| has(c, "Email reminders are failing: connection refused");
        desktop
            .wait_calls("the failing-email warning", |calls| {
                calls.iter().any(warning)
            })
            .await;
        // More cycles pass: the episode is warned about once.
        tokio::time::sleep(Duration::from_millis(2000)).await;
        let calls = desktop.calls();
        eprintln!("Notify calls with a failing email channel: {}", calls.len());
        assert_eq!(
            calls.iter().filter(|c| warning(c)).count(),
            1,
            "one warning per episode: {calls:#?}"
        );
        assert_eq!(calls.len(), 3, "two reminders and one warning: {calls:#?}");
        window.readme_screenshot("failed-channel.png").await?;
        // An unhealthy cycle pings the healthcheck's /fail.
        let pinged = healthcheck.requests();
        assert!(
            pinged.iter().any(|l| l == "GET /ping/app/fail"),
            "a /fail ping once the channel failed: {pinged:?}"
        );

        // The panel shows the failing channel too.
        let panel = dashboard.open_notifications_from_banner().await?;
        panel
            .wait_failing("email", "the email failure", |t| {
                t.contains("connection refused")
            })
            .await?;
        // "Send test" on email says in words why it cannot send.
        let result = panel.send_test("email").await?;
        assert!(result.contains("Connection refused"), "{result}");
        window.screenshot("failed-channel-panel.png").await?;

        // The SMTP password typed in the panel goes to the secret store, never settings.json.
        let secret = "e2e-Pa55word-not-in-settings";
        panel.type_smtp_password(secret).await?;
        panel.save().await?;
        panel.wait_password_stored().await?;
        let settings = std::fs::read_to_string(garage.file("settings.json"))
            .expect("the panel wrote settings.json");
        assert!(
            !settings.contains(secret),
            "settings.json holds the password: {settings}"
        );
        let secrets = std::fs::read_to_string(garage.file("secrets.json")).unwrap_or_default();
        assert!(
            secrets.contains(secret),
            "the password is in the secrets file"
        );
        Result::Ok(())
    }
    .await;
    app.finish(steps, "failed channel flow").await;
}

/// The app (its delivery cycle) and `serve` draining the same garage at the same time: 1,000 due
/// reminders, each texted exactly once (counted at the fake Twilio). The fake answers slowly, and
/// `serve` starts only once the app has begun sending, so the two really drain at once.
#[tokio::test(flavor = "current_thread")]
async fn the_app_and_serve_draining_one_garage_at_once_send_each_of_1000_reminders_exactly_once() {
    const N: usize = 1000;
    let fake = FakeTwilio::start();
    let mut garage = Garage::new();
    garage.texting(&fake, "+447700900123");
    garages::with_due_rules(garage.path(), N);
    // Texts only: a thousand desktop notifications would prove nothing more.
    std::fs::write(
        garage.file("settings.json"),
        r#"{"notify_native": false, "notify_sms": true}"#,
    )
    .unwrap();
    for _ in 0..N {
        fake.state()
            .faults
            .push_back(fake_twilio::Fault::Slow(Duration::from_millis(4)));
    }
    // The app configured as `serve` is: the same garage, the same Twilio.
    let app = Command::new(app_binary())
        .envs(garage.env())
        .env("PEDALWRENCHER_DATA_DIR", garage.path())
        .env("NO_PROXY", "127.0.0.1,localhost")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the app");
    let mut app = Running::new(app, "the app");
    // Wait (bounded) until the app has begun sending, then start serve beside it.
    let deadline = Instant::now() + WAIT;
    while fake.state().messages.is_empty() {
        assert!(Instant::now() < deadline, "the app sent nothing");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let serve = garage.run(&["serve", "--cycles", "1", "--interval-seconds", "1"]);
    assert!(
        serve.status.success(),
        "{}",
        String::from_utf8_lossy(&serve.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while fake.state().messages.len() < N {
        assert!(
            Instant::now() < deadline,
            "only {} of {N} texts arrived",
            fake.state().messages.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.kill();
    let st = fake.state();
    assert_eq!(st.messages.len(), N, "every reminder texted exactly once");
    // Both drained: serve's cycle line says how many it sent ("sent 522, …"), the app the rest.
    let log = String::from_utf8_lossy(&serve.stderr).to_string();
    let by_serve: usize = log
        .split("sent ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("serve's log has no count: {log}"));
    assert!(
        by_serve > 0 && by_serve < N,
        "serve sent {by_serve} of {N}: not both drained"
    );
    assert!(st.bodies().values().all(|&n| n == 1), "no body twice");
    eprintln!(
        "app + serve: {} texts for {N} reminders; serve's log:\n{}",
        st.messages.len(),
        String::from_utf8_lossy(&serve.stderr)
    );
}
