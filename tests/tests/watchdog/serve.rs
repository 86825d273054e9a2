//! `serve`: the healthcheck pings of a healthy and an unhealthy cycle, and stopping it by a signal
//! between cycles or in the middle of a delivery.

use std::process::ExitStatus;
use std::time::Duration;

use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::fake_twilio::{FakeTwilio, Fault};
use pedalwrencher_tests::garages;
use pedalwrencher_tests::healthcheck::Healthcheck;
use pedalwrencher_tests::loopback::free_port;
use pedalwrencher_tests::process::wait_until;
use pedalwrencher_tests::sql;

use super::{garage, now_ms, outbox_states, HOUR_MS, PHONE};

#[test]
fn serve_pings_the_healthcheck_url_after_a_healthy_cycle_and_fail_after_an_unhealthy_one() {
    let server = Healthcheck::start();
    let mut rig = garage();
    rig.ok(&["demo"]);
    rig.set(
        "PEDALWRENCHER_HEALTHCHECK_URL",
        &server.url("/ping/5f0c1d2e"),
    );
    let out = rig.ok(&["serve", "--cycles", "2", "--interval-seconds", "1"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        server.pinged_paths(),
        ["/ping/5f0c1d2e", "/ping/5f0c1d2e"],
        "{log}"
    );
    assert_eq!(log.matches("pinged 127.0.0.1").count(), 2, "{log}");
    assert!(
        !log.contains("5f0c1d2e"),
        "the URL's secret part is not logged: {log}"
    );

    // The app's loop went silent: the next cycle is unhealthy and pings /fail.
    rig.exec(&format!(
        "INSERT INTO heartbeats (name, holder, beat_at, interval_ms, cycles) VALUES ('app', 'x', {}, 3600000, 5)",
        now_ms() - 24 * HOUR_MS
    ));
    let out = rig.ok(&["serve", "--cycles", "1", "--interval-seconds", "1"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        server.pinged_paths()[2..],
        ["/ping/5f0c1d2e/fail".to_owned()],
        "{log}"
    );
    assert!(
        log.contains("unhealthy")
            && log.contains("PROBLEM Background checks stopped running (new)"),
        "{log}"
    );
    // The problem is logged once per episode.
    let out = rig.ok(&["serve", "--cycles", "1", "--interval-seconds", "1"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!log.contains("PROBLEM"), "{log}");
    assert_eq!(server.pinged_paths().len(), 4);

    // The setting works as the variable does; an unreachable server is logged, never fatal.
    rig.unset("PEDALWRENCHER_HEALTHCHECK_URL");
    rig.exec("DELETE FROM heartbeats WHERE name = 'app'");
    std::fs::write(
        rig.file("settings.json"),
        format!(
            r#"{{"healthcheck_url": "{}"}}"#,
            server.url("/ping/5f0c1d2e")
        ),
    )
    .unwrap();
    rig.ok(&["serve", "--cycles", "1", "--interval-seconds", "1"]);
    assert_eq!(server.pinged_paths()[4..], ["/ping/5f0c1d2e".to_owned()]);
    let dead = format!("http://127.0.0.1:{}/ping/x", free_port());
    rig.set("PEDALWRENCHER_HEALTHCHECK_URL", &dead);
    let out = rig.ok(&["serve", "--cycles", "1", "--interval-seconds", "1"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("healthcheck ping failed"), "{log}");
}

/// `serve` with SMS to `fake`, its first text answered only after `slow`; SIGTERM once the fake
/// has that request in hand. Returns serve's exit status and log.
fn serve_stopped_mid_send(
    rig: &Garage,
    fake: &FakeTwilio,
    slow: Duration,
    grace: &str,
) -> (ExitStatus, String) {
    fake.state().faults.push_back(Fault::Slow(slow));
    let mut serve = rig.spawn(&[
        "serve",
        "--interval-seconds",
        "3600",
        "--grace-seconds",
        grace,
    ]);
    wait_until(
        Duration::from_secs(30),
        "the first text to reach Twilio",
        || fake.state().requests >= 1,
    );
    serve.signal("-TERM");
    let status = serve.wait_within(Duration::from_secs(30));
    let mut log = String::new();
    std::io::Read::read_to_string(&mut serve.child().stderr.take().unwrap(), &mut log).unwrap();
    (status, log)
}

#[test]
fn sigterm_mid_send_finishes_the_delivery_in_hand_exits_0_and_notify_sends_the_rest() {
    let fake = FakeTwilio::start();
    let mut rig = garage();
    rig.texting(&fake, PHONE);
    garages::with_due_rules(rig.path(), 3);
    let (status, log) = serve_stopped_mid_send(&rig, &fake, Duration::from_millis(1500), "30");
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(
        log.contains("SIGTERM received") && log.contains("serve: stopped"),
        "{log}"
    );
    // The text in hand was finished and marked; nothing else was claimed.
    assert_eq!(fake.state().messages.len(), 1, "{log}");
    let states = outbox_states(&rig);
    assert_eq!(
        states.iter().filter(|s| s.0 == "sent").count(),
        1,
        "{states:?}"
    );
    assert!(
        states.iter().all(|s| s.2.is_none()),
        "no claim left: {states:?}"
    );
    // A clean stop: not a missed loop.
    assert_eq!(rig.status().0, Some(0));

    rig.ok(&["notify"]);
    let bodies = fake.state().bodies();
    assert_eq!(bodies.len(), 3, "every reminder arrived: {bodies:?}");
    assert!(bodies.values().all(|&n| n == 1), "each once: {bodies:?}");
}

#[test]
fn sigterm_mid_send_past_the_grace_gives_the_claim_back_and_nothing_is_lost() {
    let fake = FakeTwilio::start();
    let mut rig = garage();
    rig.texting(&fake, PHONE);
    garages::with_due_rules(rig.path(), 3);
    let (status, log) = serve_stopped_mid_send(&rig, &fake, Duration::from_secs(3), "0");
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("gave back 1 delivery"), "{log}");
    // Given back uncounted: every delivery pending, unclaimed, no attempt spent.
    let states = outbox_states(&rig);
    assert_eq!(states, vec![("pending".to_owned(), 0, None); 3], "{log}");

    rig.ok(&["notify"]);
    let sent: i64 = rig
        .db()
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE state = 'sent'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(sent, 3);
    // The abandoned request may still complete at the fake (at most one duplicate), never zero.
    let bodies = fake.state().bodies();
    assert_eq!(bodies.len(), 3, "{bodies:?}");
    assert!(bodies.values().sum::<usize>() <= 4, "{bodies:?}");
    assert_eq!(sql::count(&rig.db(), "watchdog_episodes"), 0);
}

#[test]
fn sigterm_or_sigint_between_cycles_stops_serve_at_once_with_exit_0() {
    let rig = garage();
    rig.ok(&["demo"]);
    for signal in ["-TERM", "-INT"] {
        let mut serve = rig.spawn(&["serve", "--interval-seconds", "3600"]);
        // The first cycle is done when its heartbeat is recorded (a new holder each run).
        let pid = format!("pid {} ", serve.pid());
        wait_until(Duration::from_secs(30), "the first cycle", || {
            rig.db()
                .query_row(
                    "SELECT COUNT(*) FROM heartbeats WHERE holder LIKE ?1 || '%'",
                    [&pid],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap()
                == 1
        });
        serve.signal(signal);
        let status = serve.wait_within(Duration::from_secs(30));
        assert_eq!(status.code(), Some(0), "{signal}");
        let stopped: Option<i64> = rig
            .db()
            .query_row(
                "SELECT stopped_at FROM heartbeats WHERE name = 'serve'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(stopped.is_some(), "a clean stop is recorded ({signal})");
    }
}
