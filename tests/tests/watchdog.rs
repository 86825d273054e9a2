//! The watchdog, `status`, the dead-man's switch and `serve`, driven through the real CLI: one
//! test per episode type (stale sync, revoked token, failing channel, missed loop) — each told
//! once (`newly_opened` in `status --json`), cleared when healthy, `status` exiting 1 while
//! unhealthy and 0 after; `serve` pinging a loopback healthcheck server on a healthy cycle and
//! `/fail` on an unhealthy one; `serve` stopped by SIGTERM mid-delivery finishing or giving back
//! the delivery in hand and exiting 0, with nothing lost.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pedalwrencher_core::faults;
use pedalwrencher_core::store::DB_FILE;
use pedalwrencher_core::Timestamp;
use pedalwrencher_tests::fake_strava::{self, FakeActivity, FakeState, FakeStrava};
use pedalwrencher_tests::fake_twilio::{self, FakeTwilio, Fault};
use pedalwrencher_tests::{cli_path, sql};
use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;

const HOUR_MS: i64 = 3_600_000;
const PHONE: &str = "+447700900123";

/// Every variable the commands here read, cleared so a developer's own setup cannot leak in.
const VARS: &[&str] = &[
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
    "PEDALWRENCHER_HEALTHCHECK_URL",
    "PEDALWRENCHER_STALE_SYNC_HOURS",
    "PEDALWRENCHER_STRAVA_URL",
    "PEDALWRENCHER_STRAVA_CLIENT_ID",
    "PEDALWRENCHER_STRAVA_CLIENT_SECRET",
    "PEDALWRENCHER_STRAVA_REFRESH_TOKEN",
];

struct Rig {
    dir: TempDir,
    env: Vec<(String, String)>,
}

impl Rig {
    fn new() -> Rig {
        Rig {
            dir: tempfile::tempdir().unwrap(),
            env: Vec::new(),
        }
    }

    fn set(&mut self, k: &str, v: &str) -> &mut Rig {
        self.env.retain(|(key, _)| key != k);
        self.env.push((k.into(), v.into()));
        self
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
        for v in VARS {
            c.env_remove(v);
        }
        c.env_remove(faults::ENV)
            .env("PEDALWRENCHER_UNITS", "metric")
            .env("PEDALWRENCHER_SECRETS", "file")
            .env("PEDALWRENCHER_DELIVERY_BACKOFF_MS", "1")
            .env("PEDALWRENCHER_STRAVA_BACKOFF_MS", "10")
            .env("NO_PROXY", "127.0.0.1")
            .current_dir(self.dir.path())
            .arg("--data-dir")
            .arg(self.dir.path());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run the CLI")
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

    /// `status --json`: its exit code and report.
    fn status(&self) -> (Option<i32>, Value) {
        let out = self.run(&["--json", "status"]);
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "status printed no JSON ({e}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code(), report)
    }

    fn db(&self) -> Connection {
        Connection::open(self.dir.path().join(DB_FILE)).unwrap()
    }

    fn exec(&self, sql: &str) {
        self.db().execute_batch(sql).unwrap();
    }
}

fn now_ms() -> i64 {
    Timestamp::now().millis()
}

/// (kind, subject) of each episode in a list of the report.
fn episodes(report: &Value, list: &str) -> Vec<(String, String)> {
    report[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {report:#}"))
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn one(kind: &str, subject: &str) -> Vec<(String, String)> {
    vec![(kind.to_owned(), subject.to_owned())]
}

/// The episode cycle every type goes through: unhealthy with one problem told once (status exits
/// 1 each time, `newly_opened` only the first), the same episode on the second look.
fn assert_one_episode_told_once(rig: &Rig, kind: &str, subject: &str) -> Value {
    let (code, first) = rig.status();
    assert_eq!(code, Some(1), "unhealthy exits 1: {first:#}");
    assert_eq!(first["healthy"], false);
    assert_eq!(
        episodes(&first, "problems"),
        one(kind, subject),
        "{first:#}"
    );
    assert_eq!(episodes(&first, "newly_opened"), one(kind, subject));
    let p = &first["problems"][0];
    for field in ["title", "banner", "what_to_do"] {
        assert!(
            p[field].as_str().is_some_and(|t| t.len() > 10),
            "{field} says something: {p:#}"
        );
    }
    let (code, second) = rig.status();
    assert_eq!(code, Some(1));
    assert_eq!(episodes(&second, "problems"), one(kind, subject));
    assert!(
        episodes(&second, "newly_opened").is_empty(),
        "told once per episode: {second:#}"
    );
    assert_eq!(second["problems"][0]["id"], first["problems"][0]["id"]);
    assert_eq!(second["problems"][0]["notified"], true);
    first
}

fn assert_cleared(rig: &Rig, kind: &str, subject: &str) {
    let (code, report) = rig.status();
    assert_eq!(code, Some(0), "healthy exits 0: {report:#}");
    assert_eq!(report["healthy"], true);
    assert_eq!(episodes(&report, "cleared"), one(kind, subject));
    let (code, report) = rig.status();
    assert_eq!(code, Some(0));
    assert!(episodes(&report, "cleared").is_empty(), "cleared once");
    let open: i64 = rig
        .db()
        .query_row(
            "SELECT COUNT(*) FROM watchdog_episodes WHERE cleared_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(open, 0);
}

#[test]
fn a_stale_sync_is_one_episode_told_once_and_clears_after_a_sync() {
    let rig = Rig::new();
    rig.ok(&["demo"]);
    let (code, report) = rig.status();
    assert_eq!(code, Some(0), "a fresh garage is healthy: {report:#}");
    assert!(episodes(&report, "problems").is_empty());

    // Connected, last synced 49 hours ago (the default threshold is 48).
    rig.exec(&format!(
        "UPDATE strava_state SET status = 'ok', client_id = '4242', athlete_name = 'Marianne Vos',
             connected_at = {t}, last_success_at = {t} WHERE id = 1",
        t = now_ms() - 49 * HOUR_MS
    ));
    let first = assert_one_episode_told_once(&rig, "stale_sync", "");
    assert!(
        first["problems"][0]["banner"]
            .as_str()
            .unwrap()
            .contains("49 hours"),
        "{first:#}"
    );
    // The human form names it and says what to do.
    let out = rig.run(&["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains("PROBLEM Strava has not synced") && text.contains("→"),
        "{text}"
    );

    // A higher threshold in the settings: not stale (yet), so the episode clears.
    std::fs::write(
        rig.dir.path().join("settings.json"),
        r#"{"stale_sync_hours": 72}"#,
    )
    .unwrap();
    assert_cleared(&rig, "stale_sync", "");
    std::fs::remove_file(rig.dir.path().join("settings.json")).unwrap();

    // Stale again: a new episode, told again; a successful sync clears it.
    let second = assert_one_episode_told_once(&rig, "stale_sync", "");
    assert_ne!(second["problems"][0]["id"], first["problems"][0]["id"]);
    rig.exec(&format!(
        "UPDATE strava_state SET last_success_at = {} WHERE id = 1",
        now_ms()
    ));
    assert_cleared(&rig, "stale_sync", "");
}

#[test]
fn a_revoked_strava_token_is_one_episode_until_the_rider_disconnects_or_reconnects() {
    let mut state = FakeState::default();
    state.activities = (0..3)
        .map(|i| FakeActivity::ride(1000 + i, now_ms() / 1000 - 86_400 * (i + 1), 20_000.0, None))
        .collect();
    let fake = FakeStrava::start(state);
    let token = fake.state().issue_refresh_token();
    let mut rig = Rig::new();
    rig.set("PEDALWRENCHER_STRAVA_URL", &fake.url())
        .set("PEDALWRENCHER_STRAVA_CLIENT_ID", fake_strava::CLIENT_ID)
        .set(
            "PEDALWRENCHER_STRAVA_CLIENT_SECRET",
            fake_strava::CLIENT_SECRET,
        )
        .set("PEDALWRENCHER_STRAVA_REFRESH_TOKEN", &token);
    // serve syncs when Strava is configured by the environment (a headless server).
    let out = rig.ok(&["serve", "--cycles", "1", "--interval-seconds", "60"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("strava: +3 rides"), "{log}");
    assert_eq!(sql::count(&rig.db(), "rides"), 3);
    assert_eq!(rig.status().0, Some(0), "synced: healthy");

    {
        let mut st = fake.state();
        st.access_tokens.clear();
        st.refresh_tokens.clear();
    }
    assert_eq!(rig.run(&["sync"]).status.code(), Some(1));
    let first = assert_one_episode_told_once(&rig, "reconnect_needed", "");
    assert!(
        first["problems"][0]["what_to_do"]
            .as_str()
            .unwrap()
            .contains("strava connect"),
        "{first:#}"
    );
    // Still refused on the next sync: the same episode, not told again.
    rig.run(&["sync"]);
    let (code, report) = rig.status();
    assert_eq!(code, Some(1));
    assert!(episodes(&report, "newly_opened").is_empty());

    rig.ok(&["strava", "disconnect"]);
    assert_cleared(&rig, "reconnect_needed", "");
}

fn outbox_states(rig: &Rig) -> Vec<(String, i64, Option<String>)> {
    let conn = rig.db();
    let mut stmt = conn
        .prepare("SELECT state, attempts, claimed_by FROM outbox WHERE channel = 'sms' ORDER BY id")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows
}

#[test]
fn a_channel_failing_until_failed_is_one_episode_and_clears_once_retried() {
    let fake = FakeTwilio::start();
    let mut rig = Rig::new();
    rig.sms(&fake);
    pedalwrencher_tests::garages::with_due_rules(rig.dir.path(), 1);
    // Twilio answers 503 to each attempt: eight attempts (the limit), then `failed`.
    for attempt in 1..=8 {
        // The retry is due after a backoff of 1 ms doubling per attempt.
        wait_until(Duration::from_secs(10), "the retry to be due", || {
            let due: i64 = rig
                .db()
                .query_row(
                    "SELECT COALESCE(MAX(next_attempt_at), 0) FROM outbox",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            due <= now_ms()
        });
        fake.state().faults.push_back(Fault::Status(503));
        let out = rig.run(&["notify"]);
        assert_eq!(out.status.code(), Some(1), "attempt {attempt} fails");
        if attempt < 8 {
            assert_eq!(rig.status().0, Some(0), "retrying is not a problem yet");
        }
    }
    assert_eq!(outbox_states(&rig), [("failed".to_owned(), 8, None)]);
    assert!(fake.state().messages.is_empty());

    let first = assert_one_episode_told_once(&rig, "channel_failed", "sms");
    let banner = first["problems"][0]["banner"].as_str().unwrap();
    assert!(banner.contains("1 SMS reminder"), "{banner}");

    // The rider fixes it and retries: delivered, and the episode clears.
    rig.ok(&["notify", "--retry-failed"]);
    assert_eq!(fake.state().messages.len(), 1);
    assert_cleared(&rig, "channel_failed", "sms");
}

#[test]
fn a_loop_that_stopped_beating_is_one_episode_and_clears_when_it_runs_again() {
    let rig = Rig::new();
    rig.ok(&["demo"]);
    let out = rig.ok(&["serve", "--cycles", "1", "--interval-seconds", "60"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("cycle 1:") && log.contains("healthy"), "{log}");
    // A clean stop: the loop is not expected, so its silence is no problem.
    let (code, report) = rig.status();
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["loops"][0]["name"], "serve");
    assert!(report["loops"][0]["stopped_at"].is_i64());

    // As if it had been killed (no clean stop) a day ago.
    rig.exec(&format!(
        "UPDATE heartbeats SET beat_at = {}, stopped_at = NULL WHERE name = 'serve'",
        now_ms() - 24 * HOUR_MS
    ));
    let first = assert_one_episode_told_once(&rig, "loop_missed", "serve");
    assert!(
        first["problems"][0]["what_to_do"]
            .as_str()
            .unwrap()
            .contains("serve"),
        "{first:#}"
    );
    // Running again clears it (serve's own watchdog sees it first and logs it cleared).
    let out = rig.ok(&["serve", "--cycles", "1", "--interval-seconds", "60"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("cleared: The reminder server stopped running"),
        "{log}"
    );
    let (code, report) = rig.status();
    assert_eq!(code, Some(0), "{report:#}");
}

/// A loopback HTTP server that answers 200 to everything and records each request's path.
struct PingServer {
    port: u16,
    paths: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PingServer {
    fn start() -> PingServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let paths = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (paths.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming().take(1_000) {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                // The rest of the head, up to the blank line.
                for _ in 0..100 {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if line == "\r\n" => break,
                        Ok(_) => {}
                    }
                }
                let mut parts = request_line.split_whitespace();
                if parts.next() == Some("GET") {
                    if let Some(path) = parts.next() {
                        p.lock().unwrap().push(path.to_owned());
                    }
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK",
                );
            }
        });
        PingServer {
            port,
            paths,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/ping/5f0c1d2e", self.port)
    }

    fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }
}

impl Drop for PingServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn serve_pings_the_healthcheck_url_after_a_healthy_cycle_and_fail_after_an_unhealthy_one() {
    let server = PingServer::start();
    let mut rig = Rig::new();
    rig.ok(&["demo"]);
    rig.set("PEDALWRENCHER_HEALTHCHECK_URL", &server.url());
    let out = rig.ok(&["serve", "--cycles", "2", "--interval-seconds", "1"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        server.paths(),
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
        server.paths()[2..],
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
    assert_eq!(server.paths().len(), 4);

    // The setting works as the variable does; an unreachable server is logged, never fatal.
    rig.env.clear();
    rig.exec("DELETE FROM heartbeats WHERE name = 'app'");
    std::fs::write(
        rig.dir.path().join("settings.json"),
        format!(r#"{{"healthcheck_url": "{}"}}"#, server.url()),
    )
    .unwrap();
    rig.ok(&["serve", "--cycles", "1", "--interval-seconds", "1"]);
    assert_eq!(server.paths()[4..], ["/ping/5f0c1d2e".to_owned()]);
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/ping/x", closed.local_addr().unwrap());
    drop(closed);
    rig.set("PEDALWRENCHER_HEALTHCHECK_URL", &dead);
    let out = rig.ok(&["serve", "--cycles", "1", "--interval-seconds", "1"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("healthcheck ping failed"), "{log}");
}

/// Waits for `cond` (polled), failing after `within`.
fn wait_until(within: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for the child to exit, killing it and failing after `within`.
fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn sigterm(child: &Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -TERM");
}

/// `serve` with SMS to `fake`, its first text answered only after `slow`; SIGTERM once the fake
/// has that request in hand. Returns serve's exit status and log.
fn serve_stopped_mid_send(
    rig: &Rig,
    fake: &FakeTwilio,
    slow: Duration,
    grace: &str,
) -> (std::process::ExitStatus, String) {
    fake.state().faults.push_back(Fault::Slow(slow));
    let mut child = rig
        .cmd()
        .args([
            "serve",
            "--interval-seconds",
            "3600",
            "--grace-seconds",
            grace,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(
        Duration::from_secs(30),
        "the first text to reach Twilio",
        || fake.state().requests >= 1,
    );
    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(30));
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    (status, log)
}

#[test]
fn sigterm_mid_send_finishes_the_delivery_in_hand_exits_0_and_notify_sends_the_rest() {
    let fake = FakeTwilio::start();
    let mut rig = Rig::new();
    rig.sms(&fake);
    pedalwrencher_tests::garages::with_due_rules(rig.dir.path(), 3);
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
    let mut rig = Rig::new();
    rig.sms(&fake);
    pedalwrencher_tests::garages::with_due_rules(rig.dir.path(), 3);
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
fn only_a_rate_limit_pause_past_the_next_window_is_an_episode() {
    let rig = Rig::new();
    rig.ok(&["demo"]);
    let now = now_ms();
    // A pause to the next 15-minute window is routine.
    rig.exec(&format!(
        "UPDATE strava_state SET status = 'rate_limited', client_id = '4242', connected_at = {now},
             last_success_at = {now}, paused_until = {} WHERE id = 1",
        now + 10 * 60_000
    ));
    assert_eq!(rig.status().0, Some(0));
    // The daily budget used up: paused for hours.
    rig.exec(&format!(
        "UPDATE strava_state SET paused_until = {} WHERE id = 1",
        now + 9 * HOUR_MS
    ));
    assert_one_episode_told_once(&rig, "rate_limited", "");
    rig.exec("UPDATE strava_state SET status = 'ok', paused_until = NULL WHERE id = 1");
    assert_cleared(&rig, "rate_limited", "");
}

#[test]
fn sigterm_or_sigint_between_cycles_stops_serve_at_once_with_exit_0() {
    let rig = Rig::new();
    rig.ok(&["demo"]);
    for signal in ["-TERM", "-INT"] {
        let mut child = rig
            .cmd()
            .args(["serve", "--interval-seconds", "3600"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The first cycle is done when its heartbeat is recorded (a new holder each run).
        let pid = format!("pid {} ", child.id());
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
        let ok = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let status = wait_exit(&mut child, Duration::from_secs(30));
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
