//! Reminders: evaluating the rules writes a reminder exactly once per (rule, epoch, level, cycle,
//! nag), in the same transaction that reads the rules' states under the write lock, and fans each
//! new one out to the channels on this device. Two processes evaluating at once write each
//! reminder once: the second waits for the lock, then finds the first one's rows.
//!
//! What makes a reminder:
//! - a rule entering `due_soon` (once) or `due` (once); a repeating rule again at each further
//!   full interval while not serviced (its cycle); a service or its undo moves the epoch and
//!   starts a new round;
//! - nothing while snoozed (until a date, or until some further use); when a snooze runs out on
//!   a rule that is still due, one more reminder (the rider asked to hear about it later);
//! - the optional nag (a device setting, off by default): again every N days while due;
//! - never for parts on a retired bike, and never for a level the rule skipped over (a rule that
//!   jumps from ok to its third interval gets one reminder, not three).

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::delivery::channel::Channel;
use crate::error::{Error, Result};
use crate::ids::{ComponentId, RuleId};
use crate::store::Store;
use crate::time::{Timestamp, MS_PER_DAY};
use crate::wear::metric::Metric;
use crate::wear::{self, State};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    DueSoon,
    Due,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::DueSoon => "due_soon",
            Level::Due => "due",
        }
    }
}

impl std::str::FromStr for Level {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "due_soon" => Ok(Level::DueSoon),
            "due" => Ok(Level::Due),
            other => Err(Error::Invalid(format!("unknown reminder level '{other}'"))),
        }
    }
}

crate::store::sql_text_enum!(Level);

/// One reminder, with what it says as it was observed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reminder {
    pub id: String,
    pub rule_id: RuleId,
    /// The part it is about: the app opens it when the notification is clicked.
    pub component_id: ComponentId,
    pub epoch: i64,
    pub level: Level,
    pub cycle: u32,
    /// 0 for the first reminder of its (rule, epoch, level, cycle); later ones count up.
    pub nag: u32,
    pub bike: Option<String>,
    pub component: String,
    pub task: String,
    pub metric: Metric,
    pub interval: f64,
    pub used: f64,
    pub created_at: Timestamp,
}

pub(crate) const COLUMNS: &str = "rm.id, rm.rule_id, rm.component_id, rm.epoch, rm.level, rm.cycle, rm.nag, rm.bike, rm.component, rm.task, rm.metric, rm.interval, rm.used, rm.created_at";

pub(crate) fn from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Reminder> {
    Ok(Reminder {
        id: r.get(at)?,
        rule_id: r.get(at + 1)?,
        component_id: r.get(at + 2)?,
        epoch: r.get(at + 3)?,
        level: r.get(at + 4)?,
        cycle: r.get(at + 5)?,
        nag: r.get(at + 6)?,
        bike: r.get(at + 7)?,
        component: r.get(at + 8)?,
        task: r.get(at + 9)?,
        metric: r.get(at + 10)?,
        interval: r.get(at + 11)?,
        used: r.get(at + 12)?,
        created_at: r.get(at + 13)?,
    })
}

/// Where new reminders go on this device, and the device's reminder preferences.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FanOut {
    /// The channels on for this device; each new reminder gets one delivery per channel.
    pub channels: Vec<Channel>,
    /// Remind again every N days while due; 0 = never.
    pub nag_days: u32,
    /// With a daily email digest: the local hour it goes out. Email deliveries then wait for it.
    pub email_digest_hour: Option<u8>,
}

/// The channels this device delivers to: native notifications always; email and SMS only on the
/// device the rider chose to forward them (a synced setting), so two synced devices never both
/// send the same email.
fn forwarded_here(store: &Store, fan: &FanOut) -> Result<FanOut> {
    let mut fan = fan.clone();
    if !crate::sync::settings::this_device_forwards(store)? {
        fan.channels.retain(|c| *c == Channel::Notification);
    }
    Ok(fan)
}

/// Evaluates every rule now and writes the reminders that are due, with their deliveries, in one
/// transaction. Returns the new reminders (none when nothing changed since the last call).
pub fn evaluate(store: &mut Store, fan: &FanOut) -> Result<Vec<Reminder>> {
    store.atomically(|store| {
        let fan = &forwarded_here(store, fan)?;
        let now = store.now();
        let statuses = wear::statuses(store)?;
        let mut new = Vec::new();
        for st in statuses {
            let level = match st.state {
                _ if !st.active => continue,
                State::Ok => continue,
                State::DueSoon => Level::DueSoon,
                State::Due => Level::Due,
            };
            let snoozed_by_date = st.snoozed_until.is_some_and(|t| t > now);
            let snoozed_by_use = st.snoozed_until_used.is_some_and(|u| st.used < u);
            if snoozed_by_date || snoozed_by_use {
                continue;
            }
            let last: Option<(u32, Timestamp, f64)> = store
                .conn
                .prepare_cached(
                    "SELECT nag, created_at, used FROM reminders
                     WHERE rule_id = ?1 AND epoch = ?2 AND level = ?3 AND cycle = ?4
                     ORDER BY nag DESC LIMIT 1",
                )?
                .query_row(params![st.rule_id, st.epoch, level, st.cycle], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            let nag = match last {
                None => 0,
                Some((nag, at, used)) => {
                    let snooze_ran_out = st.snoozed_until.is_some_and(|t| at < t)
                        || st.snoozed_until_used.is_some_and(|u| used < u);
                    let nag_due = level == Level::Due
                        && fan.nag_days > 0
                        && now.millis() - at.millis() >= i64::from(fan.nag_days) * MS_PER_DAY;
                    if !(snooze_ran_out || nag_due) {
                        continue;
                    }
                    nag + 1
                }
            };
            let reminder = Reminder {
                id: uuid::Uuid::now_v7().to_string(),
                rule_id: st.rule_id.clone(),
                component_id: st.component_id.clone(),
                epoch: st.epoch,
                level,
                cycle: st.cycle,
                nag,
                bike: st.bike.clone(),
                component: st.component.clone(),
                task: st.task.clone(),
                metric: st.metric,
                interval: st.interval,
                used: st.used,
                created_at: now,
            };
            if insert(store, &reminder, fan, now)? {
                new.push(reminder);
            }
        }
        Ok(new)
    })
}

/// Writes the reminder and its deliveries unless that key exists already; true if written.
fn insert(store: &Store, r: &Reminder, fan: &FanOut, now: Timestamp) -> Result<bool> {
    let written = store
        .conn
        .prepare_cached(
            "INSERT INTO reminders (id, rule_id, component_id, epoch, level, cycle, nag, bike,
                 component, task, metric, interval, used, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)
             ON CONFLICT (rule_id, epoch, level, cycle, nag) DO NOTHING",
        )?
        .execute(params![
            r.id,
            r.rule_id,
            r.component_id,
            r.epoch,
            r.level,
            r.cycle,
            r.nag,
            r.bike,
            r.component,
            r.task,
            r.metric,
            r.interval,
            r.used,
            now
        ])?;
    if written == 0 {
        return Ok(false);
    }
    for &channel in &fan.channels {
        let at = match (channel, fan.email_digest_hour) {
            (Channel::Email, Some(hour)) => next_digest_at(store, now, hour)?,
            _ => now,
        };
        store
            .conn
            .prepare_cached(
                "INSERT INTO outbox (id, reminder_id, channel, state, attempts, next_attempt_at, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?5, ?5)
                 ON CONFLICT (reminder_id, channel) DO NOTHING",
            )?
            .execute(params![uuid::Uuid::now_v7().to_string(), r.id, channel, at, now])?;
    }
    Ok(true)
}

/// The meta key holding the local date (YYYY-MM-DD) of the last digest sent.
pub(crate) const LAST_DIGEST_KEY: &str = "delivery.last_digest_day";

/// When an email delivery made now goes out with the daily digest: today at `hour` (local) if
/// that is still ahead, or now if it has passed and today's digest has not gone yet; otherwise
/// tomorrow at `hour`.
fn next_digest_at(store: &Store, now: Timestamp, hour: u8) -> Result<Timestamp> {
    use chrono::{Local, TimeZone};
    let Some(local_now) = now.to_utc().map(|t| t.with_timezone(&Local)) else {
        return Ok(now);
    };
    let today = local_now.date_naive();
    let at = |day: chrono::NaiveDate| -> Timestamp {
        day.and_hms_opt(u32::from(hour.min(23)), 0, 0)
            .and_then(|t| Local.from_local_datetime(&t).earliest())
            .map_or(now, |t| Timestamp(t.timestamp_millis()))
    };
    let todays = at(today);
    if now < todays {
        return Ok(todays);
    }
    let sent_today = store.meta(LAST_DIGEST_KEY)?.as_deref() == Some(&today.to_string());
    if !sent_today {
        return Ok(now);
    }
    Ok(today.succ_opt().map_or(now, at))
}

/// The reminders written since `since`, newest first (the app's list, tests).
pub fn list(store: &Store, since: Option<Timestamp>) -> Result<Vec<Reminder>> {
    let mut stmt = store.conn.prepare(&format!(
        "SELECT {COLUMNS} FROM reminders rm
         WHERE rm.deleted_at IS NULL AND rm.created_at >= ?1
         ORDER BY rm.created_at DESC, rm.id DESC"
    ))?;
    let rows = stmt.query_map([since.unwrap_or(Timestamp(i64::MIN))], |r| from_row(r, 0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::garage::bikes::{self, NewBike};
    use crate::garage::components::NewComponent;
    use crate::garage::rides::{self, NewRide, RideSource};
    use crate::garage::rules::{self, NewRule};
    use crate::garage::services::{self, NewService};
    use crate::garage::workshop;
    use crate::ids::BikeId;
    use crate::store::{Clock, ManualClock};
    use crate::wear::metric::ActivityFilter;

    const T0: i64 = 1_780_000_000_000;

    struct Garage {
        store: Store,
        clock: Arc<ManualClock>,
        bike: BikeId,
        rule: RuleId,
        component: ComponentId,
        rides: u32,
    }

    /// A bike with one chain and one rule on it (`every_km`, repeating or not), no rides yet.
    fn garage(every_km: f64, repeat: bool) -> Garage {
        let clock = Arc::new(ManualClock::new(Timestamp(T0)));
        let mut store = Store::open_in_memory().unwrap().with_clock(clock.clone());
        let bike = bikes::add(
            &mut store,
            NewBike {
                name: "Canyon Endurace".into(),
                kind: None,
                strava_gear_id: None,
                notes: String::new(),
            },
        )
        .unwrap()
        .id;
        let component = workshop::add_component(
            &mut store,
            NewComponent {
                kind: "chain".into(),
                name: Some("Chain".into()),
                bike_id: Some(bike.clone()),
                installed_at: Some(Timestamp(T0 - 400 * MS_PER_DAY).into()),
                without_rules: true,
                ..NewComponent::default()
            },
        )
        .unwrap()
        .id;
        let rule = rules::add(
            &mut store,
            &component,
            NewRule {
                task: "Replace".into(),
                metric: Metric::DistanceM,
                interval: every_km * 1000.0,
                warn_fraction: None,
                repeat,
                filter: ActivityFilter::All,
            },
        )
        .unwrap()
        .id;
        Garage {
            store,
            clock,
            bike,
            rule,
            component,
            rides: 0,
        }
    }

    impl Garage {
        fn ride(&mut self, km: f64) {
            self.rides += 1;
            self.clock.advance_ms(60_000);
            let start = Timestamp(self.clock.now().millis() - 30_000);
            rides::add(
                &mut self.store,
                NewRide {
                    source: RideSource::Manual,
                    external_id: None,
                    bike_id: Some(self.bike.clone()),
                    start_at: start.into(),
                    distance_m: km * 1000.0,
                    moving_time_s: 3600.0,
                    elapsed_time_s: None,
                    elevation_m: 0.0,
                    energy_kj: None,
                    sport_type: "Ride".into(),
                    indoor: false,
                    commute: false,
                    name: format!("ride {}", self.rides),
                },
            )
            .unwrap();
        }

        fn evaluate(&mut self, fan: &FanOut) -> Vec<(Level, u32, u32)> {
            evaluate(&mut self.store, fan)
                .unwrap()
                .into_iter()
                .map(|r| (r.level, r.cycle, r.nag))
                .collect()
        }

        fn days(&self, n: i64) {
            self.clock.advance_ms(n * MS_PER_DAY);
        }
    }

    fn email() -> FanOut {
        FanOut {
            channels: vec![Channel::Email],
            ..FanOut::default()
        }
    }

    #[test]
    fn a_one_off_rule_reminds_once_at_due_soon_and_once_at_due() {
        let mut g = garage(100.0, false);
        assert!(g.evaluate(&email()).is_empty());
        g.ride(85.0);
        assert_eq!(g.evaluate(&email()), [(Level::DueSoon, 0, 0)]);
        assert!(g.evaluate(&email()).is_empty(), "nothing new");
        g.ride(10.0);
        assert!(g.evaluate(&email()).is_empty(), "still due soon");
        g.ride(10.0);
        assert_eq!(g.evaluate(&email()), [(Level::Due, 0, 0)]);
        g.ride(500.0);
        assert!(g.evaluate(&email()).is_empty(), "one-off: no more");
        let outbox: i64 = g
            .store
            .conn
            .query_row(
                "SELECT COUNT(*) FROM outbox WHERE channel = 'email'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(outbox, 2, "one delivery per reminder and channel");
    }

    #[test]
    fn a_repeating_rule_reminds_each_further_full_interval_until_serviced() {
        let mut g = garage(100.0, true);
        g.ride(120.0);
        assert_eq!(
            g.evaluate(&email()),
            [(Level::Due, 1, 0)],
            "skips due_soon it never saw"
        );
        g.ride(50.0);
        assert!(g.evaluate(&email()).is_empty());
        g.ride(50.0);
        assert_eq!(g.evaluate(&email()), [(Level::Due, 2, 0)]);
        g.ride(350.0);
        assert_eq!(g.evaluate(&email()), [(Level::Due, 5, 0)], "one, not three");
        services::mark_done(&mut g.store, &g.rule, NewService::default()).unwrap();
        assert!(g.evaluate(&email()).is_empty(), "serviced: ok again");
        g.ride(100.0);
        let again = evaluate(&mut g.store, &email()).unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!((again[0].epoch, again[0].cycle), (1, 1), "a new round");
    }

    #[test]
    fn snoozes_by_date_and_by_use_suppress_until_they_pass_then_remind_once() {
        let mut g = garage(100.0, false);
        g.ride(120.0);
        assert_eq!(g.evaluate(&email()), [(Level::Due, 0, 0)]);
        let until = Timestamp(g.clock.now().millis() + 3 * MS_PER_DAY);
        rules::snooze(&mut g.store, &g.rule, Some(until)).unwrap();
        g.days(2);
        assert!(g.evaluate(&email()).is_empty(), "snoozed");
        g.days(2);
        assert_eq!(g.evaluate(&email()), [(Level::Due, 0, 1)], "snooze ran out");
        assert!(g.evaluate(&email()).is_empty(), "once");

        rules::snooze_for_use(&mut g.store, &g.rule, Some(50_000.0)).unwrap();
        g.ride(30.0);
        assert!(g.evaluate(&email()).is_empty(), "30 of 50 km more");
        g.ride(30.0);
        assert_eq!(g.evaluate(&email()), [(Level::Due, 0, 2)]);
        assert!(g.evaluate(&email()).is_empty());
        // A snooze before the first reminder delays it; it is then the first (nag 0).
        let mut h = garage(100.0, false);
        rules::snooze(&mut h.store, &h.rule, Some(Timestamp(T0 + 10 * MS_PER_DAY))).unwrap();
        h.ride(120.0);
        assert!(h.evaluate(&email()).is_empty());
        h.days(11);
        assert_eq!(h.evaluate(&email()), [(Level::Due, 0, 0)]);
    }

    #[test]
    fn the_nag_is_off_by_default_and_repeats_every_n_days_while_due() {
        let mut g = garage(100.0, false);
        g.ride(90.0);
        let nag = FanOut {
            nag_days: 3,
            ..email()
        };
        assert_eq!(g.evaluate(&nag), [(Level::DueSoon, 0, 0)]);
        g.days(10);
        assert!(g.evaluate(&nag).is_empty(), "no nag while only due soon");
        g.ride(20.0);
        assert_eq!(g.evaluate(&nag), [(Level::Due, 0, 0)]);
        g.days(2);
        assert!(g.evaluate(&nag).is_empty());
        g.days(1);
        assert_eq!(g.evaluate(&nag), [(Level::Due, 0, 1)]);
        g.days(30);
        assert!(g.evaluate(&email()).is_empty(), "off by default");
        assert_eq!(
            g.evaluate(&nag),
            [(Level::Due, 0, 2)],
            "one per evaluation, not a burst"
        );
    }

    #[test]
    fn a_digest_delivery_waits_for_the_digest_hour_and_for_tomorrow_once_todays_went() {
        use chrono::{Local, TimeZone};
        let today = Local::now().date_naive();
        let local = |day: chrono::NaiveDate, h: u32| {
            Timestamp(
                Local
                    .from_local_datetime(&day.and_hms_opt(h, 0, 0).unwrap())
                    .earliest()
                    .unwrap()
                    .timestamp_millis(),
            )
        };
        let noon = local(today, 12);
        let store = Store::open_in_memory().unwrap();
        assert_eq!(next_digest_at(&store, noon, 18).unwrap(), local(today, 18));
        assert_eq!(
            next_digest_at(&store, noon, 6).unwrap(),
            noon,
            "today's is late: now"
        );
        crate::store::set_meta(&store.conn, LAST_DIGEST_KEY, &today.to_string()).unwrap();
        assert_eq!(
            next_digest_at(&store, noon, 6).unwrap(),
            local(today.succ_opt().unwrap(), 6),
            "today's went: tomorrow"
        );
    }

    #[test]
    fn parts_on_a_retired_bike_never_remind() {
        let mut g = garage(100.0, true);
        bikes::retire(&mut g.store, &g.bike).unwrap();
        g.ride(500.0);
        let fan = FanOut {
            nag_days: 1,
            ..email()
        };
        assert!(g.evaluate(&fan).is_empty());
        g.days(5);
        assert!(g.evaluate(&fan).is_empty());
        let n: i64 = g
            .store
            .conn
            .query_row("SELECT COUNT(*) FROM reminders", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        let _ = &g.component;
    }

    #[test]
    fn two_stores_on_one_file_write_each_reminder_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.sqlite3");
        let mut g = garage(100.0, false);
        g.ride(150.0);
        g.store
            .connection()
            .execute("VACUUM INTO ?1", [path.to_str().unwrap()])
            .unwrap();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let mut s = Store::open(&path).unwrap();
                    evaluate(&mut s, &email()).unwrap().len()
                })
            })
            .collect();
        let written: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(written, 1);
    }
}
