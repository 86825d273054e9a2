//! The watchdog: what could make reminders silently stop, checked from the database at an
//! instant, so the rider hears about it once and sees it until it clears.
//!
//! Problems (each an [`Kind`]):
//! - `stale_sync` — connected to Strava, but no successful sync for longer than the threshold
//!   (the `stale_sync_hours` setting, default 48 h; counted from the connection when it never
//!   synced). Not raised while `reconnect_needed` is: that one already says why. The same for
//!   device sync (subject `devices`: no successful pass), and per other device (subject its id:
//!   this device has not been able to read that device's files up to its newest, a damaged or
//!   missing file no snapshot covers or a folder put back to an older copy; see `sync::heads`).
//! - `reconnect_needed` — Strava refused the tokens (revoked, or the app's secret changed).
//! - `rate_limited` — the sync is paused by Strava's rate limit until more than
//!   [`RATE_LIMIT_ROUTINE`] from now: the daily budget is used up (a pause to the next
//!   15-minute window is routine, resolves itself and is not a problem).
//! - `channel_failed` — a reminder channel has deliveries that gave up (`failed`); one episode
//!   per channel, open until none is left failed (the rider retries or they are cancelled).
//! - `loop_missed` — a background loop (`serve`, the app) that has run before and did not stop on
//!   purpose has not finished a cycle for more than twice its interval plus slack (see
//!   [`heartbeat`]).
//!
//! Each problem is an *episode*: opened the first time a check sees it, cleared the first time a
//! check no longer does. An audience (the app's native notifications, the CLI's `status`, `serve`'s
//! log) is told about each episode exactly once: [`check`] returns the open episodes that
//! audience has not been told about as `newly_opened`, and records that it has, in the same
//! transaction, so two processes never both tell it. Every open episode carries a banner text
//! and what to do as an [`Advice`], which each front end words with its own controls (the app's
//! banner and notifications, `status`, `serve`'s log).

pub mod healthcheck;
pub mod heartbeat;

use std::collections::HashSet;
use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::advice::Advice;
use crate::env::Env;
use crate::error::Result;
use crate::settings::Settings;
use crate::store::Store;
use crate::strava::state::{self as strava_state, Status};
use crate::time::Timestamp;

/// A rate-limit pause ending sooner than this is routine (the next 15-minute window, with a
/// minute's margin for clocks).
pub const RATE_LIMIT_ROUTINE: Duration = Duration::from_secs(16 * 60);
/// Cleared episodes are kept this long, then forgotten.
const KEEP_CLEARED_MS: i64 = 90 * crate::time::MS_PER_DAY;

/// The audiences that tell the rider.
pub const AUDIENCE_APP: &str = "app";
pub const AUDIENCE_CLI: &str = "cli";
pub const AUDIENCE_SERVE: &str = "serve";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    StaleSync,
    ReconnectNeeded,
    RateLimited,
    ChannelFailed,
    LoopMissed,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::StaleSync => "stale_sync",
            Kind::ReconnectNeeded => "reconnect_needed",
            Kind::RateLimited => "rate_limited",
            Kind::ChannelFailed => "channel_failed",
            Kind::LoopMissed => "loop_missed",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        [
            Kind::StaleSync,
            Kind::ReconnectNeeded,
            Kind::RateLimited,
            Kind::ChannelFailed,
            Kind::LoopMissed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// What the watchdog checks against.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// No successful sync for longer than this, while connected, is a problem.
    pub stale_sync: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            stale_sync: Duration::from_secs(
                u64::from(crate::settings::DEFAULT_STALE_SYNC_HOURS) * 3600,
            ),
        }
    }
}

impl Config {
    /// From the device settings, with [`crate::env::STALE_SYNC_HOURS`] (may be fractional, for
    /// tests) taking precedence.
    pub fn from_settings(settings: &Settings, env: &Env) -> Config {
        let hours = env
            .stale_sync_hours()
            .unwrap_or(f64::from(settings.stale_sync_hours.max(1)));
        Config {
            stale_sync: Duration::from_secs_f64(hours * 3600.0),
        }
    }
}

/// One problem seen now.
#[derive(Debug, Clone, PartialEq)]
struct Finding {
    kind: Kind,
    subject: String,
    banner: String,
}

/// An episode of a problem, as the rider reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct Episode {
    pub id: String,
    pub kind: Kind,
    /// The channel or the loop concerned; empty for the others.
    pub subject: String,
    /// A short title, for a notification.
    pub title: String,
    /// What is wrong, in a sentence or two (the app's banner).
    pub banner: String,
    /// What the rider should do, for the front end to word.
    pub advice: Advice,
    pub opened_at: Timestamp,
    pub cleared_at: Option<Timestamp>,
    /// This audience has been told about it (by this check or an earlier one).
    pub notified: bool,
}

/// How this device stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Health {
    pub healthy: bool,
    pub checked_at: Timestamp,
    /// Every open episode.
    pub problems: Vec<Episode>,
    /// Open episodes this audience is told about now, once each: show a notification for each.
    pub newly_opened: Vec<Episode>,
    /// Episodes this check found gone.
    pub cleared: Vec<Episode>,
}

/// Checks everything now: opens and clears episodes, and (with an audience) returns the open
/// episodes that audience was not told about yet, recording that it now has. One transaction.
pub fn check(store: &mut Store, config: &Config, audience: Option<&str>) -> Result<Health> {
    store.atomically(|s| {
        let now = s.now();
        let findings = findings(s, config, now)?;
        let conn = s.connection();
        let open: Vec<(String, String, String)> = conn
            .prepare_cached(
                "SELECT id, kind, subject FROM watchdog_episodes WHERE cleared_at IS NULL",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let seen: HashSet<(&str, &str)> = findings
            .iter()
            .map(|f| (f.kind.as_str(), f.subject.as_str()))
            .collect();
        let mut cleared_ids = Vec::new();
        for (id, kind, subject) in &open {
            if !seen.contains(&(kind.as_str(), subject.as_str())) {
                conn.execute(
                    "UPDATE watchdog_episodes SET cleared_at = ?2, updated_at = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
                cleared_ids.push(id.clone());
            }
        }
        for f in &findings {
            let updated = conn.execute(
                "UPDATE watchdog_episodes SET detail = ?3, updated_at = ?4
                 WHERE kind = ?1 AND subject = ?2 AND cleared_at IS NULL",
                params![f.kind.as_str(), f.subject, f.banner, now],
            )?;
            if updated == 0 {
                tracing::info!("watchdog: {} {} opened", f.kind.as_str(), f.subject);
                conn.execute(
                    "INSERT INTO watchdog_episodes (id, kind, subject, detail, opened_at, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5)",
                    params![
                        uuid::Uuid::now_v7().to_string(),
                        f.kind.as_str(),
                        f.subject,
                        f.banner,
                        now
                    ],
                )?;
            }
        }
        conn.execute(
            "DELETE FROM watchdog_notices WHERE episode_id IN
                 (SELECT id FROM watchdog_episodes WHERE cleared_at < ?1)",
            [now.millis() - KEEP_CLEARED_MS],
        )?;
        conn.execute(
            "DELETE FROM watchdog_episodes WHERE cleared_at < ?1",
            [now.millis() - KEEP_CLEARED_MS],
        )?;

        let problems = episodes(s, "cleared_at IS NULL", &[], audience)?;
        let mut newly_opened = Vec::new();
        if let Some(audience) = audience {
            for e in &problems {
                if !e.notified {
                    s.connection().execute(
                        "INSERT INTO watchdog_notices (episode_id, audience, notified_at) VALUES (?1, ?2, ?3)",
                        params![e.id, audience, now],
                    )?;
                    newly_opened.push(Episode {
                        notified: true,
                        ..e.clone()
                    });
                }
            }
        }
        let problems: Vec<Episode> = problems
            .into_iter()
            .map(|e| Episode {
                notified: e.notified || audience.is_some(),
                ..e
            })
            .collect();
        let cleared = episodes(s, "instr(?1, ',' || id || ',') > 0", &cleared_ids, audience)?;
        Ok(Health {
            healthy: problems.is_empty(),
            checked_at: now,
            problems,
            newly_opened,
            cleared,
        })
    })
}

/// The end of a background cycle of loop `name` (the app's scheduler, `serve`): records its
/// heartbeat, then checks, in that order, so a running loop never reports itself missing.
/// `cycle_ok` is whether the cycle's own work went through (the heartbeat keeps it).
pub fn cycle_finished(
    store: &mut Store,
    name: &str,
    holder: &str,
    interval: Duration,
    cycle_ok: bool,
    config: &Config,
    audience: Option<&str>,
) -> Result<Health> {
    heartbeat::beat(store, name, holder, interval, cycle_ok)?;
    check(store, config, audience)
}

/// The open episodes, without checking anything again (the app's banner between checks).
pub fn open_episodes(store: &Store, audience: Option<&str>) -> Result<Vec<Episode>> {
    episodes(store, "cleared_at IS NULL", &[], audience)
}

fn episodes(
    store: &Store,
    filter: &str,
    ids: &[String],
    audience: Option<&str>,
) -> Result<Vec<Episode>> {
    let list = format!(",{},", ids.join(","));
    let sql = format!(
        "SELECT id, kind, subject, detail, opened_at, cleared_at,
                EXISTS (SELECT 1 FROM watchdog_notices n WHERE n.episode_id = e.id AND n.audience = ?2)
         FROM watchdog_episodes e WHERE {} AND ?1 IS NOT NULL ORDER BY opened_at, kind, subject",
        filter
    );
    let mut stmt = store.connection().prepare_cached(&sql)?;
    let rows = stmt.query_map(params![list, audience.unwrap_or("")], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Timestamp>(4)?,
            r.get::<_, Option<Timestamp>>(5)?,
            r.get::<_, bool>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, subject, banner, opened_at, cleared_at, notified) = row?;
        let Some(kind) = Kind::parse(&kind) else {
            continue;
        };
        let name = device_name(store, kind, &subject)?;
        out.push(Episode {
            title: title(kind, &subject, &name),
            advice: advice(kind, &subject, &name),
            id,
            kind,
            subject,
            banner,
            opened_at,
            cleared_at,
            notified,
        });
    }
    Ok(out)
}

fn label(subject: &str) -> String {
    match subject {
        "email" => "Email".to_owned(),
        "sms" => "SMS".to_owned(),
        "notification" => "Notification".to_owned(),
        other => other.to_owned(),
    }
}

/// The subject of a stale device sync (a stale Strava sync has none; one other device whose
/// files this device cannot read up to has its id).
pub const DEVICES: &str = "devices";

/// Whether a stale sync is about one other device (its id is the subject): this device has not
/// been able to read its files up to its newest for too long.
fn about_one_device(kind: Kind, subject: &str) -> bool {
    kind == Kind::StaleSync && !subject.is_empty() && subject != DEVICES
}

/// How the device a stale sync is about names itself (else its id); empty for the others.
fn device_name(store: &Store, kind: Kind, subject: &str) -> Result<String> {
    if !about_one_device(kind, subject) {
        return Ok(String::new());
    }
    let named: Option<String> = store
        .connection()
        .query_row(
            "SELECT name FROM sync_devices WHERE device_id = ?1",
            [subject],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok(named.unwrap_or_else(|| subject.to_owned()))
}

fn title(kind: Kind, subject: &str, device: &str) -> String {
    match kind {
        Kind::StaleSync if subject == DEVICES => "Your devices have not synced".to_owned(),
        Kind::StaleSync if about_one_device(kind, subject) => {
            format!("Changes from {device} are not reaching this device")
        }
        Kind::StaleSync => "Strava has not synced".to_owned(),
        Kind::ReconnectNeeded => "Strava needs reconnecting".to_owned(),
        Kind::RateLimited => "Strava's daily rate limit is used up".to_owned(),
        Kind::ChannelFailed => format!("{} reminders are not getting through", label(subject)),
        Kind::LoopMissed if subject == heartbeat::SERVE => {
            "The reminder server stopped running".to_owned()
        }
        Kind::LoopMissed => "Background checks stopped running".to_owned(),
    }
}

fn advice(kind: Kind, subject: &str, device: &str) -> Advice {
    match kind {
        Kind::StaleSync if subject == DEVICES => Advice::CheckSyncTarget,
        Kind::StaleSync if about_one_device(kind, subject) => Advice::CheckOtherDevice {
            device: device.to_owned(),
        },
        Kind::StaleSync => Advice::CheckStravaSync,
        Kind::ReconnectNeeded => Advice::ReconnectStrava,
        Kind::RateLimited => Advice::WaitForStravaLimit,
        Kind::ChannelFailed => Advice::CheckChannel {
            channel: subject.to_owned(),
        },
        Kind::LoopMissed if subject == heartbeat::SERVE => Advice::RestartServer,
        Kind::LoopMissed => Advice::StartTheApp,
    }
}

fn hours(ms: i64) -> String {
    let h = ms as f64 / 3_600_000.0;
    if h >= 72.0 {
        format!("{:.0} days", h / 24.0)
    } else if h >= 1.0 {
        format!("{h:.0} hours")
    } else if ms >= 120_000 {
        format!("{:.0} minutes", ms as f64 / 60_000.0)
    } else {
        format!("{} seconds", (ms / 1000).max(1))
    }
}

/// Every problem as of `now`.
fn findings(store: &Store, config: &Config, now: Timestamp) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    let st = strava_state::load(store.connection())?;
    if st.status == Status::ReconnectNeeded {
        out.push(Finding {
            kind: Kind::ReconnectNeeded,
            subject: String::new(),
            banner: format!(
                "Strava no longer accepts this device's connection, so no rides are imported and wear is not counted{}.",
                st.status_detail
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            ),
        });
    } else if st.connected() {
        let since = st.last_success_at.or(st.connected_at);
        if let Some(since) = since {
            let age = now.millis() - since.millis();
            if age > config.stale_sync.as_millis() as i64 {
                let why = match (st.status, &st.status_detail) {
                    (Status::Ok, _) | (_, None) => String::new(),
                    (_, Some(d)) => format!(" The last attempt said: {d}."),
                };
                out.push(Finding {
                    kind: Kind::StaleSync,
                    subject: String::new(),
                    banner: format!(
                        "{} since {} ({} ago): rides after that are not counted yet.{why}",
                        if st.last_success_at.is_some() {
                            "No successful Strava sync"
                        } else {
                            "Strava has not synced once"
                        },
                        since.local_date_time(),
                        hours(age)
                    ),
                });
            }
        }
    }
    if let Some(banner) = crate::sync::status::stale(store, config.stale_sync.as_millis() as i64)? {
        out.push(Finding {
            kind: Kind::StaleSync,
            subject: DEVICES.into(),
            banner,
        });
    }
    for behind in crate::sync::status::behind(store, config.stale_sync.as_millis() as i64)? {
        let name = behind.name.as_deref().unwrap_or("A device");
        out.push(Finding {
            kind: Kind::StaleSync,
            banner: format!(
                "{name} ({}) has changes this device cannot read, since {} ({} ago): {}.",
                behind.device_id,
                behind.since.local_date_time(),
                hours(now.millis() - behind.since.millis()),
                behind.why
            ),
            subject: behind.device_id,
        });
    }
    if st.status == Status::RateLimited {
        if let Some(until) = st.paused_until {
            if until.millis() - now.millis() > RATE_LIMIT_ROUTINE.as_millis() as i64 {
                out.push(Finding {
                    kind: Kind::RateLimited,
                    subject: String::new(),
                    banner: format!(
                        "Strava's rate limit for your API application is used up; syncing resumes at {}.",
                        until.local_date_time()
                    ),
                });
            }
        }
    }
    let failed: Vec<(String, i64, Option<String>)> = store
        .connection()
        .prepare_cached(
            "SELECT channel, COUNT(*),
                    (SELECT last_error FROM outbox e WHERE e.channel = o.channel AND e.state = 'failed'
                       AND e.deleted_at IS NULL ORDER BY e.updated_at DESC LIMIT 1)
             FROM outbox o WHERE state = 'failed' AND deleted_at IS NULL
             GROUP BY channel ORDER BY channel",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (channel, n, error) in failed {
        let what = if channel == "sms" {
            "SMS"
        } else {
            channel.as_str()
        };
        out.push(Finding {
            kind: Kind::ChannelFailed,
            banner: format!(
                "{n} {what} reminder{} could not be delivered and {} up{}",
                if n == 1 { "" } else { "s" },
                if n == 1 { "was given" } else { "were given" },
                error
                    .map(|e| format!(": {e}"))
                    .unwrap_or_else(|| ".".to_owned())
            ),
            subject: channel,
        });
    }
    for hb in heartbeat::list(store)? {
        if hb.missed(now) {
            out.push(Finding {
                kind: Kind::LoopMissed,
                banner: format!(
                    "{} last finished a cycle at {} ({} ago) and should run every {}: syncs and reminders may be missed.",
                    if hb.name == heartbeat::SERVE {
                        "`pedalwrencher-cli serve`".to_owned()
                    } else if hb.name == heartbeat::APP {
                        "The app's background work".to_owned()
                    } else {
                        format!("The {} loop", hb.name)
                    },
                    hb.beat_at.local_date_time(),
                    hours(now.millis() - hb.beat_at.millis()),
                    hours(hb.interval_ms)
                ),
                subject: hb.name,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::env;
    use crate::store::ManualClock;

    const T0: i64 = 1_780_000_000_000;
    const HOUR: i64 = 3_600_000;

    fn store() -> (Store, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(Timestamp(T0)));
        let store = Store::open_in_memory().unwrap().with_clock(clock.clone());
        (store, clock)
    }

    fn strava(store: &Store, status: &str, last_success: i64, paused_until: Option<i64>) {
        store
            .connection()
            .execute(
                "UPDATE strava_state SET status = ?1, connected_at = ?2, last_success_at = ?2,
                     paused_until = ?3, athlete_name = 'Marianne Vos' WHERE id = 1",
                params![status, last_success, paused_until],
            )
            .unwrap();
    }

    fn kinds(h: &[Episode]) -> Vec<(Kind, String)> {
        h.iter().map(|e| (e.kind, e.subject.clone())).collect()
    }

    #[test]
    fn a_healthy_garage_has_no_episode() {
        let (mut s, _) = store();
        let h = check(&mut s, &Config::default(), Some(AUDIENCE_APP)).unwrap();
        assert!(h.healthy && h.problems.is_empty() && h.newly_opened.is_empty());
    }

    #[test]
    fn a_stale_sync_opens_one_episode_told_once_per_audience_and_clears_when_synced() {
        let (mut s, clock) = store();
        strava(&s, "ok", T0 - 47 * HOUR, None);
        let c = Config::default();
        assert!(check(&mut s, &c, Some(AUDIENCE_APP)).unwrap().healthy);
        clock.advance_ms(2 * HOUR);
        let h = check(&mut s, &c, Some(AUDIENCE_APP)).unwrap();
        assert!(!h.healthy);
        assert_eq!(kinds(&h.newly_opened), [(Kind::StaleSync, String::new())]);
        assert!(h.newly_opened[0].banner.contains("49 hours"), "{h:?}");
        // The same episode: not told again to the app, told once to the CLI.
        clock.advance_ms(HOUR);
        let again = check(&mut s, &c, Some(AUDIENCE_APP)).unwrap();
        assert!(again.newly_opened.is_empty());
        assert_eq!(again.problems.len(), 1);
        assert_eq!(again.problems[0].id, h.newly_opened[0].id);
        assert!(
            again.problems[0].banner.contains("50 hours"),
            "kept current"
        );
        let none = check(&mut s, &c, None).unwrap();
        assert!(none.newly_opened.is_empty() && !none.problems[0].notified);
        assert_eq!(
            check(&mut s, &c, Some(AUDIENCE_CLI))
                .unwrap()
                .newly_opened
                .len(),
            1
        );
        // A sync: cleared; the next staleness is a new episode, told again.
        strava(&s, "ok", s.now().millis(), None);
        let h = check(&mut s, &c, Some(AUDIENCE_APP)).unwrap();
        assert!(h.healthy);
        assert_eq!(kinds(&h.cleared), [(Kind::StaleSync, String::new())]);
        clock.advance_ms(49 * HOUR);
        let h = check(&mut s, &c, Some(AUDIENCE_APP)).unwrap();
        assert_eq!(h.newly_opened.len(), 1);
        // A smaller threshold from the environment.
        let env = Env::from_pairs([(env::STALE_SYNC_HOURS, "0.5")]);
        let small = Config::from_settings(&Settings::default(), &env);
        assert_eq!(small.stale_sync, Duration::from_secs(1800));
    }

    #[test]
    fn a_revoked_token_is_one_episode_and_no_stale_sync_besides() {
        let (mut s, _) = store();
        strava(&s, "reconnect_needed", T0 - 100 * HOUR, None);
        let h = check(&mut s, &Config::default(), Some(AUDIENCE_APP)).unwrap();
        assert_eq!(kinds(&h.problems), [(Kind::ReconnectNeeded, String::new())]);
        assert_eq!(h.problems[0].advice, Advice::ReconnectStrava);
        strava(&s, "disconnected", T0, None);
        assert!(check(&mut s, &Config::default(), None).unwrap().healthy);
    }

    #[test]
    fn only_a_rate_limit_pause_beyond_the_next_window_is_a_problem() {
        let (mut s, _) = store();
        strava(&s, "rate_limited", T0, Some(T0 + 10 * 60_000));
        assert!(check(&mut s, &Config::default(), None).unwrap().healthy);
        strava(&s, "rate_limited", T0, Some(T0 + 9 * HOUR));
        let h = check(&mut s, &Config::default(), None).unwrap();
        assert_eq!(kinds(&h.problems), [(Kind::RateLimited, String::new())]);
    }

    #[test]
    fn a_loop_that_stops_beating_is_missed_unless_it_stopped_on_purpose() {
        let (mut s, clock) = store();
        let c = Config::default();
        let every = Duration::from_secs(3600);
        heartbeat::beat(&mut s, heartbeat::SERVE, "a", every, true).unwrap();
        clock.advance_ms(2 * HOUR + 4 * 60_000);
        assert!(check(&mut s, &c, None).unwrap().healthy, "within slack");
        clock.advance_ms(2 * 60_000);
        let h = check(&mut s, &c, Some(AUDIENCE_APP)).unwrap();
        assert_eq!(
            kinds(&h.newly_opened),
            [(Kind::LoopMissed, heartbeat::SERVE.to_owned())]
        );
        assert_eq!(h.newly_opened[0].advice, Advice::RestartServer);
        heartbeat::beat(&mut s, heartbeat::SERVE, "b", every, true).unwrap();
        assert_eq!(check(&mut s, &c, None).unwrap().cleared.len(), 1);
        // A clean stop by another holder does nothing; by the runner, the loop is not expected.
        heartbeat::stopped(&mut s, heartbeat::SERVE, "a").unwrap();
        heartbeat::stopped(&mut s, heartbeat::SERVE, "b").unwrap();
        clock.advance_ms(100 * HOUR);
        assert!(check(&mut s, &c, None).unwrap().healthy);
        let hb = heartbeat::list(&s).unwrap();
        assert_eq!((hb[0].cycles, hb[0].stopped_at.is_some()), (2, true));
    }
}
