//! Reminders delivered by the real CLI (`pedalwrencher-cli notify`): email to a real SMTP server
//! process (aiosmtpd, tests/scripts/smtp_server.py) on loopback in plain, STARTTLS and implicit-TLS
//! modes with a test CA; SMS to a fake Twilio written from its documentation
//! (tests/src/fake_twilio.rs); crashes at the named delivery points; two processes draining one
//! database. Each test is named after the behaviour it pins down.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use pedalwrencher_core::faults;
use pedalwrencher_core::store::DB_FILE;
use pedalwrencher_tests::fake_twilio::{self, FakeTwilio, Fault};
use pedalwrencher_tests::smtp_server::{self, Options, Security, SmtpServer, TestCa};
use pedalwrencher_tests::{cli_path, sql};
use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;

const USER: &str = "rider@example.org";
/// Never to be found in a file or an output.
const PASSWORD: &str = "smtp-pa55word-7c1e9b04";
const TO: &str = "rider@example.org";
const PHONE: &str = "+447700900123";
/// What the demo garage has due or due soon when loaded.
const DEMO_REMINDERS: usize = 9;
const SIGABRT: i32 = 6;

/// Every variable `notify` reads, cleared so a developer's own setup cannot leak in.
const DELIVERY_VARS: &[&str] = &[
    "PEDALWRENCHER_SMTP_URL",
    "PEDALWRENCHER_SMTP_CA_FILE",
    "PEDALWRENCHER_EMAIL_FROM",
    "PEDALWRENCHER_EMAIL_TO",
    "PEDALWRENCHER_TWILIO_URL",
    "PEDALWRENCHER_TWILIO_ACCOUNT_SID",
    "PEDALWRENCHER_TWILIO_AUTH_TOKEN",
    "PEDALWRENCHER_SMS_FROM",
    "PEDALWRENCHER_SMS_TO",
    "PEDALWRENCHER_DATA_DIR",
    "PEDALWRENCHER_DELIVERY_CLAIM_MS",
];

/// One garage, and how its CLI is configured (environment variables, as a headless server's).
struct Rig {
    dir: TempDir,
    env: Vec<(String, String)>,
    /// Everything the CLI printed, to check that no secret ever appears in it.
    transcript: RefCell<String>,
}

impl Rig {
    fn new() -> Rig {
        Rig {
            dir: tempfile::tempdir().unwrap(),
            env: Vec::new(),
            transcript: Default::default(),
        }
    }

    fn with_demo() -> Rig {
        let rig = Rig::new();
        rig.ok(&["demo"]);
        rig
    }

    fn set(&mut self, k: &str, v: &str) -> &mut Rig {
        self.env.retain(|(key, _)| key != k);
        self.env.push((k.into(), v.into()));
        self
    }

    /// Email to `server` with the login (and the test CA for TLS modes).
    fn email(&mut self, security: Security, port: u16, password: &str, ca: Option<&TestCa>) {
        let url = match security {
            Security::Plain => format!("smtp://{}:{password}@127.0.0.1:{port}", enc(USER)),
            Security::Starttls => {
                format!(
                    "smtp://{}:{password}@127.0.0.1:{port}?tls=required",
                    enc(USER)
                )
            }
            Security::Tls => format!("smtps://{}:{password}@127.0.0.1:{port}", enc(USER)),
        };
        self.set("PEDALWRENCHER_SMTP_URL", &url)
            .set("PEDALWRENCHER_EMAIL_TO", TO)
            .set("PEDALWRENCHER_EMAIL_FROM", "pedalwrencher@example.org");
        if let Some(ca) = ca {
            self.set("PEDALWRENCHER_SMTP_CA_FILE", ca.ca_cert.to_str().unwrap());
        }
    }

    fn sms(&mut self, fake: &FakeTwilio) {
        self.set("PEDALWRENCHER_TWILIO_URL", &fake.url())
            .set("PEDALWRENCHER_TWILIO_ACCOUNT_SID", fake_twilio::ACCOUNT_SID)
            .set("PEDALWRENCHER_TWILIO_AUTH_TOKEN", fake_twilio::AUTH_TOKEN)
            .set("PEDALWRENCHER_SMS_FROM", fake_twilio::FROM)
            .set("PEDALWRENCHER_SMS_TO", PHONE);
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(cli_path());
        for v in DELIVERY_VARS {
            c.env_remove(v);
        }
        c.env_remove(faults::ENV)
            .env("PEDALWRENCHER_UNITS", "metric")
            .env("PEDALWRENCHER_SECRETS", "file")
            .env("PEDALWRENCHER_LOG", "debug")
            // Retries are due again at once, so consecutive runs retry.
            .env("PEDALWRENCHER_DELIVERY_BACKOFF_MS", "1")
            .env("NO_PROXY", "127.0.0.1")
            // An aborted process may leave a core file in its working folder.
            .current_dir(self.dir.path())
            .arg("--data-dir")
            .arg(self.dir.path());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    fn record(&self, out: &Output) {
        let mut t = self.transcript.borrow_mut();
        t.push_str(&String::from_utf8_lossy(&out.stdout));
        t.push_str(&String::from_utf8_lossy(&out.stderr));
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.cmd().args(args).output().expect("run the CLI");
        self.record(&out);
        out
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "`{}` failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// `notify --json`: its exit code, its report and its stderr.
    fn notify(&self) -> (Option<i32>, Value, String) {
        let out = self.run(&["--json", "notify"]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "notify printed no JSON ({e}): {}{stderr}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        (out.status.code(), report, stderr)
    }

    fn notify_ok(&self) -> Value {
        let (code, report, stderr) = self.notify();
        assert_eq!(code, Some(0), "notify failed: {stderr}\n{report:#}");
        report
    }

    fn db(&self) -> Connection {
        Connection::open(self.dir.path().join(DB_FILE)).unwrap()
    }

    fn reminder_ids(&self) -> BTreeSet<String> {
        let conn = self.db();
        let mut stmt = conn.prepare("SELECT id FROM reminders").unwrap();
        let ids = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        ids
    }

    /// (state, attempts) of every delivery on `channel`.
    fn outbox(&self, channel: &str) -> Vec<(String, i64)> {
        let conn = self.db();
        let mut stmt = conn
            .prepare("SELECT state, attempts FROM outbox WHERE channel = ?1 ORDER BY id")
            .unwrap();
        let rows = stmt
            .query_map([channel], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows
    }

    fn write_settings(&self, json: Value) {
        std::fs::write(
            self.dir.path().join("settings.json"),
            serde_json::to_vec_pretty(&json).unwrap(),
        )
        .unwrap();
    }

    /// None of `secrets` is in the database (and its WAL), the settings file or any output.
    fn assert_no_secret(&self, secrets: &[&str]) {
        let mut places: Vec<(String, Vec<u8>)> = Vec::new();
        for name in [
            DB_FILE.to_owned(),
            format!("{DB_FILE}-wal"),
            "settings.json".to_owned(),
        ] {
            if let Ok(bytes) = std::fs::read(self.dir.path().join(&name)) {
                places.push((name, bytes));
            }
        }
        places.push((
            "the CLI's output".into(),
            self.transcript.borrow().clone().into_bytes(),
        ));
        for (place, bytes) in &places {
            for secret in secrets {
                assert!(
                    !contains(bytes, secret.as_bytes()),
                    "a secret appears in {place}"
                );
            }
        }
    }
}

fn enc(s: &str) -> String {
    s.replace('@', "%40")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn sent(report: &Value) -> usize {
    report["sent"].as_array().map_or(0, Vec::len)
}

/// The reminder ids the server received, with how many times each.
fn received(server: &SmtpServer) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for m in server.mails() {
        let id = m
            .reminder
            .clone()
            .expect("a reminder email names its reminder");
        assert_eq!(m.message_id, format!("<reminder-{id}@pedalwrencher>"));
        *out.entry(id).or_default() += 1;
    }
    out
}

fn plain_server() -> SmtpServer {
    SmtpServer::start(Options {
        security: Security::Plain,
        login: Some((USER, PASSWORD)),
        ..Options::default()
    })
}

#[test]
fn the_demo_garage_emails_one_message_per_reminder_and_a_second_run_sends_nothing() {
    let server = plain_server();
    let mut rig = Rig::with_demo();
    rig.email(Security::Plain, server.port, PASSWORD, None);
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
    let mut rig = Rig::with_demo();
    rig.email(Security::Plain, port, PASSWORD, None);
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
    let mut rig = Rig::with_demo();
    rig.email(Security::Plain, server.port, "not-the-password", None);
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
    rig.email(Security::Plain, server.port, PASSWORD, None);
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
        let mut rig = Rig::with_demo();
        rig.email(security, server.port, PASSWORD, Some(&ca));
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
        let mut rig = Rig::with_demo();
        rig.email(security, server.port, PASSWORD, None);
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
    let rig = Rig::with_demo();
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
        rig.dir.path().join("secrets.json"),
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
    let mut rig = Rig::with_demo();
    rig.email(Security::Plain, server.port, PASSWORD, None);
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
    assert_eq!(digest.subject, "Pedalwrencher: 9 parts need care");
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

#[test]
fn the_demo_garage_texts_one_sms_per_reminder_with_twilios_form_and_login() {
    let fake = FakeTwilio::start();
    let mut rig = Rig::with_demo();
    rig.sms(&fake);
    let report = rig.notify_ok();
    assert_eq!(sent(&report), DEMO_REMINDERS);
    {
        let st = fake.state();
        assert_eq!(st.messages.len(), DEMO_REMINDERS);
        assert_eq!(st.unauthorized, 0);
        assert!(st
            .messages
            .iter()
            .all(|m| m.to == PHONE && m.from == fake_twilio::FROM));
        assert!(
            st.bodies().values().all(|&n| n == 1),
            "one text per reminder"
        );
        let chain = st
            .messages
            .iter()
            .find(|m| m.body.contains("Shimano Ultegra chain"))
            .unwrap();
        assert!(
            chain.body.starts_with(
                "Pedalwrencher: Canyon Endurace: replace the Shimano Ultegra chain - "
            ),
            "{}",
            chain.body
        );
        assert!(
            chain.body.is_ascii() && chain.body.len() <= 160,
            "one plain text"
        );
    }
    assert_eq!(sent(&rig.notify_ok()), 0);
    assert_eq!(fake.state().messages.len(), DEMO_REMINDERS);
    let test = rig.ok(&["notify", "--test", "sms"]);
    assert!(String::from_utf8_lossy(&test.stdout).contains(&format!("Test SMS sent to {PHONE}")));
    rig.assert_no_secret(&[fake_twilio::AUTH_TOKEN]);
}

#[test]
fn twilio_errors_reach_the_rider_in_words_and_the_texts_follow_once_fixed() {
    let fake = FakeTwilio::start();
    let mut rig = Rig::with_demo();
    rig.sms(&fake);
    let cases: [(Fault, i32, &str, &str); 4] = [
        (
            Fault::Error {
                status: 400,
                code: 21608,
            },
            2,
            "bad_number",
            "trial account",
        ),
        (
            Fault::Error {
                status: 400,
                code: 21610,
            },
            2,
            "bad_number",
            "replied STOP",
        ),
        (
            Fault::Error {
                status: 400,
                code: 21408,
            },
            2,
            "bad_number",
            "geographic permissions",
        ),
        (Fault::Status(503), 1, "unreachable", "HTTP 503"),
    ];
    for (fault, exit, kind, words) in cases {
        fake.state().faults.push_back(fault.clone());
        let (code, report, stderr) = rig.notify();
        assert_eq!(code, Some(exit), "{fault:?}: {stderr}");
        assert_eq!(report["retrying"][0]["error_kind"], kind, "{fault:?}");
        assert!(stderr.contains(words), "{fault:?}: {stderr}");
    }
    // A wrong token.
    rig.set("PEDALWRENCHER_TWILIO_AUTH_TOKEN", "wrong-token");
    let (code, _, stderr) = rig.notify();
    assert_eq!(code, Some(1));
    assert!(stderr.contains("authentication failed"), "{stderr}");
    assert!(fake.state().messages.is_empty());

    rig.sms(&fake);
    assert_eq!(sent(&rig.notify_ok()), DEMO_REMINDERS);
    assert!(fake.state().bodies().values().all(|&n| n == 1));
    assert_eq!(fake.state().messages.len(), DEMO_REMINDERS);
}

#[test]
fn a_phone_number_that_is_not_e164_is_refused_with_the_form_to_use() {
    let fake = FakeTwilio::start();
    let mut rig = Rig::with_demo();
    rig.sms(&fake);
    rig.set("PEDALWRENCHER_SMS_TO", "07700 900123");
    let test = rig.run(&["notify", "--test", "sms"]);
    let err = String::from_utf8_lossy(&test.stderr);
    assert_eq!(test.status.code(), Some(2), "{err}");
    assert!(
        err.contains("E.164") && err.contains("07700 900123"),
        "{err}"
    );
    let (code, report, stderr) = rig.notify();
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(report["retrying"][0]["error_kind"], "bad_number");
    assert_eq!(
        fake.state().requests,
        0,
        "nothing was sent with a bad number"
    );
    // Twilio's own check, for a number that passes ours but not theirs.
    rig.set("PEDALWRENCHER_SMS_TO", PHONE);
    fake.state().faults.push_back(Fault::Error {
        status: 400,
        code: 21211,
    });
    let (_, report, stderr) = rig.notify();
    assert_eq!(report["retrying"][0]["error_kind"], "bad_number");
    assert!(stderr.contains("not a valid phone number"), "{stderr}");
}

#[test]
fn a_bad_number_in_the_settings_fails_sms_only_and_email_still_goes_out() {
    let server = plain_server();
    let fake = FakeTwilio::start();
    let mut rig = Rig::with_demo();
    rig.email(Security::Plain, server.port, PASSWORD, None);
    rig.set("PEDALWRENCHER_TWILIO_URL", &fake.url())
        .set("PEDALWRENCHER_TWILIO_AUTH_TOKEN", fake_twilio::AUTH_TOKEN);
    rig.write_settings(serde_json::json!({
        "notify_sms": true,
        "twilio_account_sid": fake_twilio::ACCOUNT_SID,
        "sms_from": fake_twilio::FROM,
        "sms_to": "0612 345 678",
    }));
    let (code, report, stderr) = rig.notify();
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(sent(&report), DEMO_REMINDERS, "email is not held up");
    assert_eq!(report["retrying"][0]["channel"], "sms");
    assert!(stderr.contains("E.164"), "{stderr}");
    assert_eq!(fake.state().requests, 0);
    server.wait_for(DEMO_REMINDERS, Duration::from_secs(5));
    assert_eq!(received(&server).len(), DEMO_REMINDERS);
}

/// Runs `notify` armed to abort the `nth` time it passes `point`; true if it died there, false
/// if it finished without reaching it (nothing left to send).
fn notify_armed(rig: &Rig, point: &str, nth: usize) -> bool {
    let out = rig
        .cmd()
        .env(faults::ENV, format!("{point}:{nth}"))
        .args(["--json", "notify"])
        .output()
        .expect("run the CLI");
    rig.record(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.signal() == Some(SIGABRT) {
        let said = format!("pedalwrencher: abort at {point}:{nth}");
        assert!(
            stderr.lines().any(|l| l == said),
            "aborted, but not at {point}:{nth}: {stderr}"
        );
        return true;
    }
    assert!(
        out.status.success(),
        "armed at {point}:{nth}, neither aborted nor succeeded ({}): {stderr}",
        out.status
    );
    false
}

#[test]
fn crashes_at_each_delivery_point_lose_nothing_and_duplicate_only_after_sending() {
    const RUNS: usize = 20;
    let mut lines = Vec::new();
    for point in [
        "delivery.before_send",
        "delivery.after_send",
        "delivery.mid_batch",
    ] {
        let server = plain_server();
        let fake = FakeTwilio::start();
        let mut rig = Rig::with_demo();
        rig.email(Security::Plain, server.port, PASSWORD, None);
        rig.sms(&fake);
        let started = Instant::now();
        let mut aborted = 0;
        for run in 0..RUNS {
            // The 1st, 2nd or 3rd delivery of the run: crashes land all over the batch.
            if notify_armed(&rig, point, 1 + run % 3) {
                aborted += 1;
            }
        }
        let runs_time = started.elapsed();
        // An unarmed run finishes whatever the crashes left.
        rig.notify_ok();
        let reminders = rig.reminder_ids();
        assert_eq!(reminders.len(), DEMO_REMINDERS);
        for channel in ["email", "sms"] {
            let rows = rig.outbox(channel);
            assert_eq!(rows.len(), DEMO_REMINDERS, "{point} {channel}");
            assert!(
                rows.iter().all(|(s, _)| s == "sent"),
                "{point}: every {channel} delivery sent, none failed: {rows:?}"
            );
        }
        server.wait_for(DEMO_REMINDERS, Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(200));
        let mails = received(&server);
        assert_eq!(
            mails.keys().cloned().collect::<BTreeSet<_>>(),
            reminders,
            "{point}: no reminder lost by email"
        );
        let email_dups: usize = mails.values().map(|n| n - 1).sum();
        let bodies = fake.state().bodies();
        assert_eq!(
            bodies.len(),
            DEMO_REMINDERS,
            "{point}: no reminder lost by SMS"
        );
        let sms_dups: usize = bodies.values().map(|n| n - 1).sum();
        assert_eq!(
            sql::integrity(&rig.db()),
            "ok",
            "{point}: the database is sound"
        );
        if point == "delivery.after_send" {
            assert!(aborted > 0);
            // Each crash between send and mark sent re-sends exactly that one delivery (a run
            // that crashes right after re-sending it again makes that one a third copy: still
            // one duplicate per crash).
            assert_eq!(
                email_dups + sms_dups,
                aborted,
                "{point}: one duplicate per crash"
            );
        } else {
            assert!(aborted > 0, "{point} was reached");
            assert_eq!((email_dups, sms_dups), (0, 0), "{point}: no duplicates");
        }
        lines.push(format!(
            "{point:<22} {aborted:>2} of {RUNS} runs aborted; duplicates: {email_dups} email, {sms_dups} SMS \
             (of {DEMO_REMINDERS} + {DEMO_REMINDERS} deliveries); {RUNS} runs in {:.1} s",
            runs_time.as_secs_f64()
        ));
    }
    eprintln!("crash points over {RUNS} runs each:\n{}", lines.join("\n"));
}

#[test]
fn two_processes_draining_one_database_send_each_of_1000_reminders_exactly_once() {
    const N: usize = 1000;
    let fake = FakeTwilio::start();
    let mut rig = Rig::new();
    rig.sms(&fake);
    rig.write_settings(serde_json::json!({ "notify_native": false }));
    pedalwrencher_tests::garages::with_due_rules(rig.dir.path(), N);
    let started = Instant::now();
    let children: Vec<_> = (0..2)
        .map(|_| {
            rig.cmd()
                .args(["--json", "notify"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start notify")
        })
        .collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("notify finishes"))
        .collect();
    let elapsed = started.elapsed();
    let mut per_process = Vec::new();
    let mut new_total = 0;
    for out in &outs {
        rig.record(out);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        per_process.push(sent(&report));
        new_total += report["new_reminders"].as_array().unwrap().len();
    }
    assert_eq!(new_total, N, "each reminder written by exactly one process");
    assert_eq!(per_process.iter().sum::<usize>(), N);
    let st = fake.state();
    assert_eq!(st.messages.len(), N, "every reminder texted exactly once");
    let bodies = st.bodies();
    assert_eq!(bodies.len(), N);
    assert!(bodies.values().all(|&n| n == 1));
    drop(st);
    let rows = rig.outbox("sms");
    assert_eq!(rows.len(), N);
    assert!(
        rows.iter().all(|(s, n)| s == "sent" && *n == 1),
        "one attempt each"
    );
    eprintln!(
        "{N} reminders, two processes: {} + {} texts sent, {} at the fake Twilio, {:.2} s",
        per_process[0],
        per_process[1],
        bodies.len(),
        elapsed.as_secs_f64()
    );
}

#[test]
fn no_secret_reaches_the_database_the_settings_or_any_output() {
    let server = plain_server();
    let fake = FakeTwilio::start();
    let mut rig = Rig::with_demo();
    rig.write_settings(serde_json::json!({ "nag_days": 3, "email_digest": false }));
    rig.email(Security::Plain, server.port, PASSWORD, None);
    rig.sms(&fake);
    rig.ok(&["--json", "notify"]);
    rig.ok(&["notify", "--test", "email"]);
    rig.ok(&["notify", "--test", "sms"]);
    rig.ok(&["--json", "status"]);
    rig.ok(&["--json", "due"]);
    // Failing runs print errors: those must not carry secrets either.
    rig.set("PEDALWRENCHER_TWILIO_AUTH_TOKEN", "wrong-token-0000");
    rig.run(&["notify", "--test", "sms"]);
    rig.email(Security::Plain, server.port, "wrong-pass-0000", None);
    rig.run(&["notify", "--test", "email"]);
    rig.assert_no_secret(&[
        PASSWORD,
        fake_twilio::AUTH_TOKEN,
        "wrong-token-0000",
        "wrong-pass-0000",
    ]);
}

#[test]
fn with_only_native_notifications_on_the_cli_says_the_app_shows_them() {
    let rig = Rig::with_demo();
    let out = rig.ok(&["notify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("9 new reminders."), "{text}");
    assert!(
        text.contains("9 notifications wait for the desktop app")
            && text.contains("this command has no native notifications"),
        "{text}"
    );
    let test = rig.run(&["notify", "--test", "email"]);
    assert_eq!(test.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&test.stderr).contains("email is off"));
}

#[test]
fn a_snooze_by_further_use_quiets_a_rule_until_that_much_more_riding() {
    let fake = FakeTwilio::start();
    let mut rig = Rig::with_demo();
    rig.sms(&fake);
    let due: Value =
        serde_json::from_slice(&rig.ok(&["--json", "due", "--attention"]).stdout).unwrap();
    let chain = due
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["component"] == "Shimano Ultegra chain" && r["task"] == "Replace")
        .unwrap();
    let rule = chain["rule_id"].as_str().unwrap();
    let bike = chain["bike_id"].as_str().unwrap();
    let out = rig.ok(&["snooze", rule, "--use", "100"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("for 100 km more"));
    rig.notify_ok();
    assert!(
        !fake
            .state()
            .messages
            .iter()
            .any(|m| m.body.contains("replace the Shimano Ultegra chain")),
        "snoozed"
    );
    rig.ok(&["ride", "add", "--bike", bike, "--distance", "60"]);
    rig.notify_ok();
    assert!(!fake
        .state()
        .messages
        .iter()
        .any(|m| m.body.contains("replace the Shimano Ultegra chain")));
    rig.ok(&["ride", "add", "--bike", bike, "--distance", "60"]);
    let report = rig.notify_ok();
    let chain_reminders: Vec<&Value> = report["sent"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["reminder"]["rule_id"] == rule)
        .collect();
    assert_eq!(chain_reminders.len(), 1, "the snooze ran out: one reminder");
    assert_eq!(chain_reminders[0]["reminder"]["level"], "due");
    rig.notify_ok();
    let chain_texts = fake
        .state()
        .messages
        .iter()
        .filter(|m| m.body.contains("replace the Shimano Ultegra chain"))
        .count();
    assert_eq!(chain_texts, 1);
}

/// The acceptance's shape: a long-running drainer (`serve`, as the app's cycle is) and another
/// process draining the same garage at the same time; every reminder goes out exactly once.
#[test]
fn serve_and_another_process_draining_at_once_send_each_of_1000_reminders_exactly_once() {
    const N: usize = 1000;
    let fake = FakeTwilio::start();
    let mut rig = Rig::new();
    rig.sms(&fake);
    rig.write_settings(serde_json::json!({ "notify_native": false }));
    pedalwrencher_tests::garages::with_due_rules(rig.dir.path(), N);
    let serve = rig
        .cmd()
        .args(["serve", "--cycles", "1", "--interval-seconds", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start serve");
    let notify = rig
        .cmd()
        .args(["--json", "notify"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start notify");
    for out in [
        serve.wait_with_output().expect("serve finishes"),
        notify.wait_with_output().expect("notify finishes"),
    ] {
        rig.record(&out);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let st = fake.state();
    assert_eq!(st.messages.len(), N, "every reminder texted exactly once");
    assert!(st.bodies().values().all(|&n| n == 1));
    drop(st);
    let rows = rig.outbox("sms");
    assert_eq!(rows.len(), N);
    assert!(rows.iter().all(|(s, _)| s == "sent"));
}
