//! Reminders delivered by the real CLI (`pedalwrencher-cli notify`): email to a real SMTP server
//! process (aiosmtpd, tests/scripts/smtp_server.py) on loopback in plain, STARTTLS and implicit-TLS
//! modes with a test CA; SMS to a fake Twilio written from its documentation
//! (tests/src/fake_twilio.rs); crashes at the named delivery points; two processes draining one
//! database. Each test is named after the behaviour it pins down.

use std::collections::BTreeMap;

use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::smtp_server::{Options, Security, SmtpServer, TestCa};
use serde_json::Value;

mod draining;
mod email;
mod sms;

const USER: &str = "rider@example.org";
/// Never to be found in a file or an output.
const PASSWORD: &str = "smtp-pa55word-7c1e9b04";
const TO: &str = "rider@example.org";
const PHONE: &str = "+447700900123";
/// What the demo garage has due or due soon when loaded.
const DEMO_REMINDERS: usize = 10;
const SIGABRT: i32 = 6;

/// A garage whose CLI logs everything (so that the secret checks see it all) and retries a
/// failed delivery at once.
fn garage() -> Garage {
    let mut g = Garage::new();
    g.set("PEDALWRENCHER_LOG", "debug")
        // Retries are due again at once, so consecutive runs retry.
        .set("PEDALWRENCHER_DELIVERY_BACKOFF_MS", "1");
    g
}

fn with_demo() -> Garage {
    let g = garage();
    g.ok(&["demo"]);
    g
}

/// Email to the server on `port` with the login (and the test CA for TLS modes), by the
/// environment variables.
fn email(g: &mut Garage, security: Security, port: u16, password: &str, ca: Option<&TestCa>) {
    let user = USER.replace('@', "%40");
    let url = match security {
        Security::Plain => format!("smtp://{user}:{password}@127.0.0.1:{port}"),
        Security::Starttls => format!("smtp://{user}:{password}@127.0.0.1:{port}?tls=required"),
        Security::Tls => format!("smtps://{user}:{password}@127.0.0.1:{port}"),
    };
    g.set("PEDALWRENCHER_SMTP_URL", &url)
        .set("PEDALWRENCHER_EMAIL_TO", TO)
        .set("PEDALWRENCHER_EMAIL_FROM", "pedalwrencher@example.org");
    if let Some(ca) = ca {
        g.set("PEDALWRENCHER_SMTP_CA_FILE", ca.ca_cert.to_str().unwrap());
    }
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
