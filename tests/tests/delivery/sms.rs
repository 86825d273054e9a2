//! Reminders by SMS, to the fake Twilio: its form and login, its errors in words, phone numbers,
//! snoozes.

use std::time::Duration;

use pedalwrencher_tests::fake_twilio::{self, FakeTwilio, Fault};
use pedalwrencher_tests::smtp_server::Security;
use serde_json::Value;

use super::{email, plain_server, received, sent, with_demo, DEMO_REMINDERS, PASSWORD, PHONE};

#[test]
fn the_demo_garage_texts_one_sms_per_reminder_with_twilios_form_and_login() {
    let fake = FakeTwilio::start();
    let mut rig = with_demo();
    rig.texting(&fake, PHONE);
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
    let mut rig = with_demo();
    rig.texting(&fake, PHONE);
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

    rig.texting(&fake, PHONE);
    assert_eq!(sent(&rig.notify_ok()), DEMO_REMINDERS);
    assert!(fake.state().bodies().values().all(|&n| n == 1));
    assert_eq!(fake.state().messages.len(), DEMO_REMINDERS);
}

#[test]
fn a_phone_number_that_is_not_e164_is_refused_with_the_form_to_use() {
    let fake = FakeTwilio::start();
    let mut rig = with_demo();
    rig.texting(&fake, PHONE);
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
    let mut rig = with_demo();
    email(&mut rig, Security::Plain, server.port, PASSWORD, None);
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

#[test]
fn a_snooze_by_further_use_quiets_a_rule_until_that_much_more_riding() {
    let fake = FakeTwilio::start();
    let mut rig = with_demo();
    rig.texting(&fake, PHONE);
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

#[test]
fn with_only_native_notifications_on_the_cli_says_the_app_shows_them() {
    let rig = with_demo();
    let out = rig.ok(&["notify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("{DEMO_REMINDERS} new reminders.")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{DEMO_REMINDERS} notifications wait for the desktop app"
        )) && text.contains("this command has no native notifications"),
        "{text}"
    );
    let test = rig.run(&["notify", "--test", "email"]);
    assert_eq!(test.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&test.stderr).contains("email is off"));
}

#[test]
fn no_secret_reaches_the_database_the_settings_or_any_output() {
    let server = plain_server();
    let fake = FakeTwilio::start();
    let mut rig = with_demo();
    rig.write_settings(serde_json::json!({ "nag_days": 3, "email_digest": false }));
    email(&mut rig, Security::Plain, server.port, PASSWORD, None);
    rig.texting(&fake, PHONE);
    rig.ok(&["--json", "notify"]);
    rig.ok(&["notify", "--test", "email"]);
    rig.ok(&["notify", "--test", "sms"]);
    rig.ok(&["--json", "status"]);
    rig.ok(&["--json", "due"]);
    // Failing runs print errors: those must not carry secrets either.
    rig.set("PEDALWRENCHER_TWILIO_AUTH_TOKEN", "wrong-token-0000");
    rig.run(&["notify", "--test", "sms"]);
    email(
        &mut rig,
        Security::Plain,
        server.port,
        "wrong-pass-0000",
        None,
    );
    rig.run(&["notify", "--test", "email"]);
    rig.assert_no_secret(&[
        PASSWORD,
        fake_twilio::AUTH_TOKEN,
        "wrong-token-0000",
        "wrong-pass-0000",
    ]);
}
