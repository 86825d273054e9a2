//! Crashes at the named delivery points, and two processes draining one garage at once: nothing
//! lost, nothing sent twice but what a crash between send and mark must.

use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt;
use std::process::Output;
use std::time::Duration;
use std::time::Instant;

use pedalwrencher_core::faults;
use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::fake_twilio::FakeTwilio;
use pedalwrencher_tests::garages;
use pedalwrencher_tests::smtp_server::Security;
use pedalwrencher_tests::sql;
use serde_json::Value;

use super::{
    email, garage, plain_server, received, sent, with_demo, DEMO_REMINDERS, PASSWORD, PHONE,
    SIGABRT,
};

/// Runs `notify` armed to abort the `nth` time it passes `point`; true if it died there, false
/// if it finished without reaching it (nothing left to send).
fn notify_armed(rig: &Garage, point: &str, nth: usize) -> bool {
    let out = rig
        .command()
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
        let mut rig = with_demo();
        email(&mut rig, Security::Plain, server.port, PASSWORD, None);
        rig.texting(&fake, PHONE);
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
    let mut rig = garage();
    rig.texting(&fake, PHONE);
    rig.write_settings(serde_json::json!({ "notify_native": false }));
    garages::with_due_rules(rig.path(), N);
    let started = Instant::now();
    let children: Vec<_> = (0..2).map(|_| rig.spawn(&["--json", "notify"])).collect();
    let outs: Vec<Output> = children.into_iter().map(|notify| notify.output()).collect();
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

/// The acceptance's shape: a long-running drainer (`serve`, as the app's cycle is) and another
/// process draining the same garage at the same time; every reminder goes out exactly once.
#[test]
fn serve_and_another_process_draining_at_once_send_each_of_1000_reminders_exactly_once() {
    const N: usize = 1000;
    let fake = FakeTwilio::start();
    let mut rig = garage();
    rig.texting(&fake, PHONE);
    rig.write_settings(serde_json::json!({ "notify_native": false }));
    garages::with_due_rules(rig.path(), N);
    let serve = rig.spawn(&["serve", "--cycles", "1", "--interval-seconds", "1"]);
    let notify = rig.spawn(&["--json", "notify"]);
    for out in [serve.output(), notify.output()] {
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
