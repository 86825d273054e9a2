//! The watchdog, `status`, the dead-man's switch and `serve`, driven through the real CLI: one
//! test per episode type (stale sync, revoked token, failing channel, missed loop) — each told
//! once (`newly_opened` in `status --json`), cleared when healthy, `status` exiting 1 while
//! unhealthy and 0 after; `serve` pinging a loopback healthcheck server on a healthy cycle and
//! `/fail` on an unhealthy one; `serve` stopped by SIGTERM mid-delivery finishing or giving back
//! the delivery in hand and exiting 0, with nothing lost.

use pedalwrencher_core::Timestamp;
use pedalwrencher_tests::cli::Garage;
use serde_json::Value;

mod episodes;
mod serve;

/// A garage whose CLI retries failed deliveries at once and Strava's errors soon.
fn garage() -> Garage {
    let mut g = Garage::new();
    g.set("PEDALWRENCHER_DELIVERY_BACKOFF_MS", "1")
        .set("PEDALWRENCHER_STRAVA_BACKOFF_MS", "10");
    g
}

const HOUR_MS: i64 = 3_600_000;

const PHONE: &str = "+447700900123";

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
fn assert_one_episode_told_once(rig: &Garage, kind: &str, subject: &str) -> Value {
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

fn assert_cleared(rig: &Garage, kind: &str, subject: &str) {
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

fn outbox_states(rig: &Garage) -> Vec<(String, i64, Option<String>)> {
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
