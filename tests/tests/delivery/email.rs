//! Reminders by email, to a real SMTP server: plain, STARTTLS and implicit TLS, logins,
//! the app's settings, daily digests.

use std::collections::BTreeSet;
use std::time::Duration;

use pedalwrencher_tests::smtp_server::{self, Options, Security, SmtpServer, TestCa};

use super::{email, plain_server, received, sent, with_demo, DEMO_REMINDERS, PASSWORD, TO, USER};

#[test]
fn the_demo_garage_emails_one_message_per_reminder_and_a_second_run_sends_nothing() {
    let server = plain_server();
    let mut rig = with_demo();
    email(&mut rig, Security::Plain, server.port, PASSWORD, None);
    let report = rig.notify_ok();
    assert_eq!(
        report["new_reminders"].as_array().unwrap().len(),
        DEMO_REMINDERS
    );
    assert_eq!(sent(&report), DEMO_REMINDERS);
    let mails = server.wait_for(DEMO_REMINDERS, Duration::from_secs(5));
    assert_eq!(mails.len(), DEMO_REMINDERS);
    let got = received(&server);
    assert_eq!(
        got.keys().cloned().collect::<BTreeSet<_>>(),
        rig.reminder_ids()
    );
    assert!(got.values().all(|&n| n == 1), "{got:?}");

    // What the rider reads: bike, part, task and how far past, in plain text and HTML.
    let chain = mails
        .iter()
        .find(|m| m.subject == "Replace due: Shimano Ultegra chain")
        .expect("the road chain's email");
    let text = chain.text();
    assert!(
        text.contains("Canyon Endurace: replace the Shimano Ultegra chain — ")
            && text.contains(" km past its 3,000 km interval."),
        "{text}"
    );
    assert!(chain.raw.contains("text/html"), "an HTML part too");
    assert!(chain.to.contains(TO));

    let again = rig.notify_ok();
    assert_eq!(sent(&again), 0);
    assert_eq!(again["new_reminders"].as_array().unwrap().len(), 0);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.mails().len(), DEMO_REMINDERS, "nothing new");
    assert!(rig
        .outbox("email")
        .iter()
        .all(|(s, n)| s == "sent" && *n == 1));
    // Notifications are on by default: they wait for the app.
    assert!(rig
        .outbox("notification")
        .iter()
        .all(|(s, _)| s == "pending"));
    rig.assert_no_secret(&[PASSWORD]);
}

#[test]
fn reminders_held_while_the_mail_server_is_down_arrive_once_it_is_up() {
    let port = smtp_server::free_port();
    let mut rig = with_demo();
    email(&mut rig, Security::Plain, port, PASSWORD, None);
    for attempt in 1..=3 {
        let (code, report, stderr) = rig.notify();
        assert_eq!(code, Some(1), "a failed delivery fails the run: {stderr}");
        assert!(stderr.contains("connection refused"), "{stderr}");
        let retrying = report["retrying"].as_array().unwrap();
        assert_eq!(
            retrying.len(),
            1,
            "one refused connection costs one attempt"
        );
        assert_eq!(retrying[0]["error_kind"], "connection_refused");
        assert_eq!(sent(&report), 0, "attempt {attempt}");
    }
    assert!(rig.outbox("email").iter().all(|(s, _)| s == "pending"));

    let server = SmtpServer::start(Options {
        security: Security::Plain,
        login: Some((USER, PASSWORD)),
        port: Some(port),
        ..Options::default()
    });
    let report = rig.notify_ok();
    assert_eq!(sent(&report), DEMO_REMINDERS);
    assert_eq!(sent(&rig.notify_ok()), 0);
    server.wait_for(DEMO_REMINDERS, Duration::from_secs(5));
    let got = received(&server);
    assert_eq!(got.len(), DEMO_REMINDERS);
    assert!(got.values().all(|&n| n == 1), "{got:?}");
    rig.assert_no_secret(&[PASSWORD]);
}

#[test]
fn a_wrong_password_tells_the_rider_authentication_failed() {
    let server = plain_server();
    let mut rig = with_demo();
    email(
        &mut rig,
        Security::Plain,
        server.port,
        "not-the-password",
        None,
    );
    let (code, report, stderr) = rig.notify();
    assert_eq!(code, Some(1));
    assert!(stderr.contains("authentication failed"), "{stderr}");
    assert_eq!(report["retrying"][0]["error_kind"], "auth_failed");

    let test = rig.run(&["notify", "--test", "email"]);
    let err = String::from_utf8_lossy(&test.stderr);
    assert_eq!(test.status.code(), Some(1));
    assert!(err.contains("authentication failed"), "{err}");
    assert!(server.mails().is_empty());

    // Fixed: everything goes out once.
    email(&mut rig, Security::Plain, server.port, PASSWORD, None);
    assert_eq!(sent(&rig.notify_ok()), DEMO_REMINDERS);
    let ok = rig.ok(&["notify", "--test", "email"]);
    assert!(String::from_utf8_lossy(&ok.stdout).contains("Test email sent to rider@example.org"));
}

#[test]
fn starttls_and_implicit_tls_deliver_with_the_test_ca_trusted() {
    let ca = TestCa::generate();
    for security in [Security::Starttls, Security::Tls] {
        let server = SmtpServer::start(Options {
            security,
            login: Some((USER, PASSWORD)),
            ca: Some(&ca),
            ..Options::default()
        });
        let mut rig = with_demo();
        email(&mut rig, security, server.port, PASSWORD, Some(&ca));
        let report = rig.notify_ok();
        assert_eq!(sent(&report), DEMO_REMINDERS, "{security:?}");
        server.wait_for(DEMO_REMINDERS, Duration::from_secs(5));
        let got = received(&server);
        assert_eq!(got.len(), DEMO_REMINDERS, "{security:?}");
        assert!(got.values().all(|&n| n == 1));
        assert_eq!(sent(&rig.notify_ok()), 0);
        rig.assert_no_secret(&[PASSWORD]);
    }
}

#[test]
fn a_server_certificate_from_an_unknown_ca_is_not_trusted() {
    let ca = TestCa::generate();
    for security in [Security::Starttls, Security::Tls] {
        let server = SmtpServer::start(Options {
            security,
            login: Some((USER, PASSWORD)),
            ca: Some(&ca),
            ..Options::default()
        });
        let mut rig = with_demo();
        email(&mut rig, security, server.port, PASSWORD, None);
        let out = rig.run(&["notify", "--test", "email"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{security:?}: {err}");
        assert!(
            err.contains("certificate not trusted"),
            "{security:?}: {err}"
        );
        assert!(
            err.contains("PEDALWRENCHER_SMTP_CA_FILE"),
            "says what to do: {err}"
        );
        assert!(server.mails().is_empty());
    }
}

#[test]
fn the_app_settings_and_the_secrets_file_configure_email_without_variables() {
    let server = plain_server();
    let rig = with_demo();
    rig.write_settings(serde_json::json!({
        "notify_native": false,
        "notify_email": true,
        "smtp_host": "127.0.0.1",
        "smtp_port": server.port,
        "smtp_security": "plain",
        "smtp_user": USER,
        "email_to": TO,
    }));
    // Without the password the rider is told where to put it.
    let (code, _, stderr) = rig.notify();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no SMTP password"), "{stderr}");
    std::fs::write(
        rig.file("secrets.json"),
        serde_json::to_vec(&serde_json::json!({ "smtp_password": PASSWORD })).unwrap(),
    )
    .unwrap();
    assert_eq!(sent(&rig.notify_ok()), DEMO_REMINDERS);
    server.wait_for(DEMO_REMINDERS, Duration::from_secs(5));
    assert_eq!(received(&server).len(), DEMO_REMINDERS);
    assert!(
        rig.outbox("notification").is_empty(),
        "notifications were off"
    );
    rig.assert_no_secret(&[PASSWORD]);
}

#[test]
fn a_daily_digest_sends_the_days_reminders_in_one_email() {
    let server = plain_server();
    let mut rig = with_demo();
    email(&mut rig, Security::Plain, server.port, PASSWORD, None);
    // Hour 0: today's digest time has passed and none went out today, so it goes now.
    rig.write_settings(serde_json::json!({ "email_digest": true, "digest_hour": 0 }));
    let report = rig.notify_ok();
    assert_eq!(sent(&report), DEMO_REMINDERS);
    let mails = server.wait_for(1, Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.mails().len(), 1, "one email");
    let digest = &mails[0];
    assert!(
        digest.message_id.starts_with("<digest-"),
        "{}",
        digest.message_id
    );
    assert!(digest.reminder.is_none());
    assert_eq!(
        digest.subject,
        format!("Pedalwrencher: {DEMO_REMINDERS} parts need care")
    );
    let text = digest.text();
    assert!(
        text.contains("Canyon Endurace: replace the Shimano Ultegra chain —"),
        "{text}"
    );
    assert!(
        text.contains("Specialized Diverge: refresh sealant (Tubeless sealant) —"),
        "{text}"
    );
    assert_eq!(sent(&rig.notify_ok()), 0);
}
