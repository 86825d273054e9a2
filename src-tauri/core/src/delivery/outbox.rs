//! The outbox: every delivery of every reminder, sent once.
//!
//! A drain claims one delivery at a time (all of a channel's due ones for a digest) in a
//! transaction that holds the write lock: the row gets this process as `claimed_by` and a
//! `claimed_until` a few minutes ahead, and its attempt is counted. Only then does the network
//! call happen, outside any transaction. After it, the row is marked sent. So:
//! - two processes sharing the file (the app and `serve`) never both send one delivery: the
//!   second sees the first's live claim and takes another row;
//! - a crash before sending loses nothing: the claim runs out, or is taken over at once when its
//!   process is provably gone, and the delivery is tried again;
//! - a crash after sending and before marking sent sends it once more when retried: at most one
//!   duplicate, never a loss. Emails carry a Message-ID derived from the reminder, so the copy is
//!   recognisable.
//!
//! A failed attempt is retried after an exponential backoff with jitter; after `max_attempts` the
//! delivery is `failed` for good, which the caller reports to the rider (a native warning, the
//! watchdog, a non-zero exit).

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::delivery::channel::Channel;
use crate::delivery::reminders::{self, Reminder, LAST_DIGEST_KEY};
use crate::delivery::sender::{Outgoing, Sender};
use crate::delivery::DeliveryState;
use crate::env;
use crate::error::{Result, SendError};
use crate::faults;
use crate::store::lease;
use crate::store::{self as store_mod, Store, StoreAccess};
use crate::time::Timestamp;

/// How a drain behaves.
#[derive(Debug, Clone)]
pub struct DrainOptions {
    /// Who claims (a process-unique name, see [`lease::holder_id`]).
    pub holder: String,
    /// How long a claim keeps other processes off a delivery. Longer than any send takes (the
    /// senders time out well before), so a live sender never loses its claim mid-send.
    pub claim: Duration,
    /// The first retry delay; each further failure doubles it, with ±20 % jitter.
    pub backoff: Duration,
    /// The longest retry delay.
    pub max_backoff: Duration,
    /// Attempts before a delivery is `failed` for good.
    pub max_attempts: u32,
    /// Most deliveries in one digest.
    pub batch_limit: u32,
}

impl Default for DrainOptions {
    fn default() -> Self {
        DrainOptions {
            holder: lease::holder_id(),
            claim: Duration::from_secs(5 * 60),
            backoff: Duration::from_secs(60),
            max_backoff: Duration::from_secs(6 * 3600),
            max_attempts: 8,
            batch_limit: 200,
        }
    }
}

impl DrainOptions {
    /// The defaults with the test-only knobs ([`env::DELIVERY_BACKOFF_MS`],
    /// [`env::DELIVERY_CLAIM_MS`]) applied.
    pub fn from_env() -> DrainOptions {
        let mut o = DrainOptions::default();
        let env = env::env();
        if let Some(ms) = env.millis(env::DELIVERY_BACKOFF_MS) {
            o.backoff = Duration::from_millis(ms);
        }
        if let Some(ms) = env.millis(env::DELIVERY_CLAIM_MS) {
            o.claim = Duration::from_millis(ms.max(1));
        }
        o
    }

    /// The delay before attempt `attempts + 1`, after `attempts` failed ones.
    pub fn retry_delay(&self, attempts: u32) -> Duration {
        let base = self.backoff.as_millis() as f64;
        let doubled = base * 2f64.powi(attempts.saturating_sub(1).min(30) as i32);
        let capped = doubled.min(self.max_backoff.as_millis() as f64);
        let jitter = 0.8 + 0.4 * fastrand::f64();
        Duration::from_millis((capped * jitter).round() as u64)
    }
}

/// A delivery that went out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivered {
    pub outbox_id: String,
    pub channel: Channel,
    pub reminder: Reminder,
    /// Deliveries sent together (a digest) share one.
    pub batch: u32,
}

/// A delivery attempt that failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub outbox_id: String,
    pub channel: Channel,
    pub reminder: Reminder,
    pub error: String,
    /// `SendError::kind`: auth_failed, connection_refused, …
    pub error_kind: String,
    #[serde(skip)]
    pub cause: SendError,
    pub attempts: u32,
    /// When it is tried again; None once it has failed for good.
    pub next_attempt_at: Option<Timestamp>,
}

/// Deliveries still waiting on one channel after a drain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waiting {
    pub channel: Channel,
    pub count: u32,
    pub next_attempt_at: Option<Timestamp>,
}

/// What one drain did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DrainReport {
    pub sent: Vec<Delivered>,
    /// Failed this time; tried again later.
    pub retrying: Vec<Failure>,
    /// Failed for good this time: the rider must be told.
    pub failed: Vec<Failure>,
    /// Deliveries dropped because their reminder became moot (serviced, deleted, retired).
    pub cancelled: u32,
    /// What is left pending, per channel (including channels this process cannot send on).
    pub waiting: Vec<Waiting>,
}

/// Deliveries claimed for one send.
#[derive(Debug, Clone)]
pub struct Claim {
    pub channel: Channel,
    pub items: Vec<Outgoing>,
}

/// Claims the next due delivery on one of `channels` for `holder` (every due one of that channel,
/// up to `batch_limit`, when `batching` says it batches), cancelling moot ones on the way.
/// `None` when nothing is due.
pub fn claim(
    store: &mut Store,
    channels: &[Channel],
    batching: &dyn Fn(Channel) -> bool,
    options: &DrainOptions,
    cancelled: &mut u32,
) -> Result<Option<Claim>> {
    if channels.is_empty() {
        return Ok(None);
    }
    let holder = options.holder.as_str();
    let list = format!(
        ",{},",
        channels
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    store.atomically(|store| {
        let now = store.now();
        take_over_from_gone_holders(store, holder, now)?;
        let first = loop {
            let Some(row) = next_due(store, &list, None, holder, now)? else {
                return Ok(None);
            };
            match row.moot {
                Some(reason) => {
                    cancel(store, &row.id, reason, now)?;
                    *cancelled += 1;
                }
                None => break row,
            }
        };
        let channel = first.channel;
        let mut rows = vec![first];
        if batching(channel) {
            let one = format!(",{},", channel.as_str());
            while rows.len() < options.batch_limit as usize {
                let exclude: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
                let Some(row) = next_due(store, &one, Some(&exclude), holder, now)? else {
                    break;
                };
                match row.moot {
                    Some(reason) => {
                        cancel(store, &row.id, reason, now)?;
                        *cancelled += 1;
                    }
                    None => rows.push(row),
                }
            }
        }
        let until = Timestamp(now.millis() + options.claim.as_millis() as i64);
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            store
                .conn
                .prepare_cached(
                    "UPDATE outbox SET claimed_by = ?2, claimed_until = ?3, attempts = attempts + 1, updated_at = ?4
                     WHERE id = ?1 AND state = 'pending'",
                )?
                .execute(params![row.id, holder, until, now])?;
            items.push(Outgoing {
                outbox_id: row.id,
                reminder: row.reminder,
                attempt: row.attempts + 1,
            });
        }
        Ok(Some(Claim { channel, items }))
    })
}

struct DueRow {
    id: String,
    channel: Channel,
    attempts: u32,
    reminder: Reminder,
    /// Why it should not be sent any more, if so.
    moot: Option<&'static str>,
}

/// The earliest due, unclaimed (or ours) pending delivery on the channels in `list`
/// (",email,sms,"), skipping `exclude`.
fn next_due(
    store: &Store,
    list: &str,
    exclude: Option<&[&str]>,
    holder: &str,
    now: Timestamp,
) -> Result<Option<DueRow>> {
    let exclude = exclude
        .map(|ids| format!(",{},", ids.join(",")))
        .unwrap_or_default();
    let sql = format!(
        "SELECT o.id, o.channel, o.attempts,
                r.id IS NULL OR r.deleted_at IS NOT NULL,
                r.epoch IS NOT rm.epoch,
                c.id IS NULL OR c.deleted_at IS NOT NULL OR c.retired = 1,
                EXISTS (SELECT 1 FROM component_bike_now cb JOIN bikes b ON b.id = cb.bike_id
                        WHERE cb.component_id = rm.component_id AND b.retired = 1),
                {}
         FROM outbox o
         JOIN reminders rm ON rm.id = o.reminder_id
         LEFT JOIN rules r ON r.id = rm.rule_id
         LEFT JOIN components c ON c.id = rm.component_id
         WHERE o.state = 'pending' AND o.next_attempt_at <= ?1
           AND instr(?2, ',' || o.channel || ',') > 0
           AND (o.claimed_until IS NULL OR o.claimed_until <= ?1 OR o.claimed_by = ?3)
           AND instr(?4, ',' || o.id || ',') = 0
         ORDER BY o.next_attempt_at, o.created_at, o.id
         LIMIT 1",
        reminders::COLUMNS
    );
    Ok(store
        .conn
        .prepare_cached(&sql)?
        .query_row(params![now, list, holder, exclude], |r| {
            let moot = if r.get::<_, bool>(3)? {
                Some("the rule was deleted before the reminder went out")
            } else if r.get::<_, bool>(4)? {
                Some("the part was serviced before the reminder went out")
            } else if r.get::<_, bool>(5)? {
                Some("the part was retired before the reminder went out")
            } else if r.get::<_, bool>(6)? {
                Some("the bike was retired before the reminder went out")
            } else {
                None
            };
            Ok(DueRow {
                id: r.get(0)?,
                channel: r.get(1)?,
                attempts: r.get(2)?,
                reminder: reminders::from_row(r, 7)?,
                moot,
            })
        })
        .optional()?)
}

/// Frees the claims of processes that provably died (this boot, pid gone), so their deliveries
/// go out now instead of when the claim runs out.
fn take_over_from_gone_holders(store: &Store, holder: &str, now: Timestamp) -> Result<()> {
    let holders: Vec<String> = store
        .conn
        .prepare_cached(
            "SELECT DISTINCT claimed_by FROM outbox
             WHERE state = 'pending' AND claimed_until > ?1 AND claimed_by IS NOT ?2",
        )?
        .query_map(params![now, holder], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for gone in holders.iter().filter(|h| lease::holder_is_gone(h)) {
        tracing::debug!("taking over the deliveries claimed by {gone}, which is no longer running");
        store.conn.execute(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL
             WHERE claimed_by = ?1 AND state = 'pending'",
            [gone],
        )?;
    }
    Ok(())
}

fn cancel(store: &Store, id: &str, reason: &str, now: Timestamp) -> Result<()> {
    store.conn.execute(
        "UPDATE outbox SET state = 'cancelled', last_error = ?2, claimed_by = NULL,
             claimed_until = NULL, updated_at = ?3
         WHERE id = ?1 AND state = 'pending'",
        params![id, reason, now],
    )?;
    Ok(())
}

/// Marks claimed deliveries sent. Whoever holds the claim now, a sent delivery stays sent.
pub fn mark_sent(store: &mut Store, claim: &Claim, digest: bool) -> Result<()> {
    store.atomically(|store| {
        let now = store.now();
        for item in &claim.items {
            store
                .conn
                .prepare_cached(
                    "UPDATE outbox SET state = 'sent', sent_at = ?2, claimed_by = NULL,
                         claimed_until = NULL, last_error = NULL, updated_at = ?2
                     WHERE id = ?1 AND state = 'pending'",
                )?
                .execute(params![item.outbox_id, now])?;
        }
        if digest {
            if let Some(day) = now
                .to_utc()
                .map(|t| t.with_timezone(&chrono::Local).date_naive())
            {
                store_mod::set_meta(&store.conn, LAST_DIGEST_KEY, &day.to_string())?;
            }
        }
        Ok(())
    })
}

/// Records a failed attempt on claimed deliveries: retried after a backoff, or `failed` for good
/// after `max_attempts`. Returns them as the report lists them.
pub fn record_failure(
    store: &mut Store,
    claim: &Claim,
    error: &SendError,
    options: &DrainOptions,
) -> Result<Vec<Failure>> {
    store.atomically(|store| {
        let now = store.now();
        let text = error.to_string();
        let mut out = Vec::new();
        for item in &claim.items {
            let attempts: Option<u32> = store
                .conn
                .query_row(
                    "SELECT attempts FROM outbox WHERE id = ?1 AND state = 'pending'",
                    [&item.outbox_id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(attempts) = attempts else { continue };
            let next = if attempts >= options.max_attempts {
                None
            } else {
                Some(Timestamp(
                    now.millis() + options.retry_delay(attempts).as_millis() as i64,
                ))
            };
            store.conn.execute(
                "UPDATE outbox SET state = ?2, next_attempt_at = COALESCE(?3, next_attempt_at),
                     last_error = ?4, claimed_by = NULL, claimed_until = NULL, updated_at = ?5
                 WHERE id = ?1",
                params![
                    item.outbox_id,
                    if next.is_some() {
                        DeliveryState::Pending
                    } else {
                        DeliveryState::Failed
                    },
                    next,
                    text,
                    now
                ],
            )?;
            out.push(Failure {
                outbox_id: item.outbox_id.clone(),
                channel: claim.channel,
                reminder: item.reminder.clone(),
                error: text.clone(),
                error_kind: error.kind().to_owned(),
                cause: error.clone(),
                attempts,
                next_attempt_at: next,
            });
        }
        Ok(out)
    })
}

/// Gives back every claim `holder` still has without counting it as an attempt (a process asked
/// to stop before it sent them).
pub fn release(store: &mut Store, holder: &str) -> Result<u32> {
    let n = store.conn.execute(
        "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL,
             attempts = MAX(attempts - 1, 0)
         WHERE claimed_by = ?1 AND state = 'pending'",
        [holder],
    )?;
    Ok(n as u32)
}

/// Sends every due delivery on the channels of `senders`, one claim at a time, until none is
/// due. A channel whose send fails is left alone for the rest of this drain (its server is down
/// or refuses us; the failed delivery carries the error and its retry time), so one outage costs
/// one attempt, not one per waiting reminder.
pub async fn drain(
    access: &impl StoreAccess,
    senders: &[&dyn Sender],
    options: &DrainOptions,
) -> Result<DrainReport> {
    drain_until(access, senders, options, &|| false).await
}

/// [`drain`], stopping before the next claim once `stop` says so (`serve` asked to shut down):
/// the delivery in hand is finished and marked, nothing more is claimed. A caller that cannot
/// wait for the one in hand drops this future and calls [`release`].
pub async fn drain_until(
    access: &impl StoreAccess,
    senders: &[&dyn Sender],
    options: &DrainOptions,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<DrainReport> {
    let mut report = DrainReport::default();
    let mut stopped: HashSet<Channel> = HashSet::new();
    let batching: BTreeMap<Channel, bool> =
        senders.iter().map(|s| (s.channel(), s.batches())).collect();
    let mut batch = 0u32;
    // Bounded: each round sends, fails (stopping a channel) or cancels at least one delivery.
    for _ in 0..1_000_000 {
        if stop() {
            break;
        }
        let active: Vec<Channel> = batching
            .keys()
            .copied()
            .filter(|c| !stopped.contains(c))
            .collect();
        let mut cancelled = 0;
        let claimed = access.with(|s| {
            claim(
                s,
                &active,
                &|c| batching.get(&c).copied().unwrap_or(false),
                options,
                &mut cancelled,
            )
        })?;
        report.cancelled += cancelled;
        let Some(claimed) = claimed else { break };
        let Some(sender) = senders.iter().find(|s| s.channel() == claimed.channel) else {
            break;
        };
        faults::point("delivery.before_send");
        let outcome = sender.send(&claimed.items).await;
        match outcome {
            Ok(()) => {
                faults::point("delivery.after_send");
                // The day's digest is marked only by a sender that sends one (email with a
                // digest hour); a sender that merely takes its deliveries together (the native
                // channel, to show one summary for many) leaves it to that sender.
                let digest = sender.digest_hour().is_some();
                access.with(|s| mark_sent(s, &claimed, digest))?;
                batch += 1;
                report
                    .sent
                    .extend(claimed.items.iter().map(|item| Delivered {
                        outbox_id: item.outbox_id.clone(),
                        channel: claimed.channel,
                        reminder: item.reminder.clone(),
                        batch,
                    }));
            }
            Err(error) => {
                tracing::info!("{} delivery failed: {error}", claimed.channel.label());
                stopped.insert(claimed.channel);
                for f in access.with(|s| record_failure(s, &claimed, &error, options))? {
                    if f.next_attempt_at.is_some() {
                        report.retrying.push(f);
                    } else {
                        report.failed.push(f);
                    }
                }
            }
        }
        faults::point("delivery.mid_batch");
    }
    report.waiting = access.with(|s| waiting(s))?;
    Ok(report)
}

/// Pending deliveries per channel, with the earliest retry.
pub fn waiting(store: &Store) -> Result<Vec<Waiting>> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT channel, COUNT(*), MIN(next_attempt_at) FROM outbox
         WHERE state = 'pending' GROUP BY channel ORDER BY channel",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Waiting {
            channel: r.get(0)?,
            count: r.get(1)?,
            next_attempt_at: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How one channel stands on this device: for the settings screen and the watchdog.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
pub struct ChannelHealth {
    pub channel: Channel,
    pub pending: u32,
    pub failed: u32,
    pub sent: u32,
    pub last_sent_at: Option<Timestamp>,
    /// The newest error on a pending or failed delivery.
    pub last_error: Option<String>,
}

/// Every channel that has deliveries on this device.
pub fn health(store: &Store) -> Result<Vec<ChannelHealth>> {
    let mut stmt = store.conn.prepare(
        "SELECT channel,
                SUM(state = 'pending'), SUM(state = 'failed'), SUM(state = 'sent'),
                MAX(sent_at),
                (SELECT last_error FROM outbox e WHERE e.channel = o.channel
                   AND e.state IN ('pending', 'failed') AND e.last_error IS NOT NULL
                 ORDER BY e.updated_at DESC LIMIT 1)
         FROM outbox o GROUP BY channel ORDER BY channel",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ChannelHealth {
            channel: r.get(0)?,
            pending: r.get(1)?,
            failed: r.get(2)?,
            sent: r.get(3)?,
            last_sent_at: r.get(4)?,
            last_error: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Gives failed deliveries of `channel` another full set of attempts (after the rider fixed the
/// settings). Returns how many.
pub fn retry_failed(store: &mut Store, channel: Channel) -> Result<u32> {
    let now = store.now();
    let n = store.conn.execute(
        "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?2, updated_at = ?2
         WHERE channel = ?1 AND state = 'failed'",
        params![channel, now],
    )?;
    Ok(n as u32)
}

/// Drops the pending deliveries of a channel the rider turned off, so turning it on again later
/// does not flood them with old reminders. Returns how many.
pub fn cancel_pending(store: &mut Store, channel: Channel) -> Result<u32> {
    let now = store.now();
    let n = store.conn.execute(
        "UPDATE outbox SET state = 'cancelled', last_error = 'the channel was turned off',
             claimed_by = NULL, claimed_until = NULL, updated_at = ?2
         WHERE channel = ?1 AND state = 'pending'",
        params![channel, now],
    )?;
    Ok(n as u32)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::delivery::reminders::{evaluate, FanOut};
    use crate::delivery::sender::SendFuture;
    use crate::garage::bikes::{self, NewBike};
    use crate::garage::components::NewComponent;
    use crate::garage::rides::{self, NewRide};
    use crate::garage::rules::{self, NewRule};
    use crate::garage::{services, workshop};
    use crate::store::ManualClock;
    use crate::time::MS_PER_DAY;
    use crate::wear::metric::Metric;

    const T0: i64 = 1_780_000_000_000;

    /// Records what it is asked to send; fails while `failing` is set.
    struct Recorder {
        channel: Channel,
        batches: bool,
        digest_hour: Option<u8>,
        sent: Mutex<Vec<Vec<String>>>,
        failing: Mutex<Option<SendError>>,
    }

    impl Recorder {
        fn new(channel: Channel) -> Recorder {
            Recorder {
                channel,
                batches: false,
                digest_hour: None,
                sent: Mutex::new(Vec::new()),
                failing: Mutex::new(None),
            }
        }
        fn sends(&self) -> Vec<Vec<String>> {
            self.sent.lock().unwrap().clone()
        }
    }

    impl Sender for Recorder {
        fn channel(&self) -> Channel {
            self.channel
        }
        fn batches(&self) -> bool {
            self.batches
        }
        fn digest_hour(&self) -> Option<u8> {
            self.digest_hour
        }
        fn send<'a>(&'a self, items: &'a [Outgoing]) -> SendFuture<'a> {
            Box::pin(async move {
                if let Some(e) = self.failing.lock().unwrap().clone() {
                    return Err(e);
                }
                self.sent
                    .lock()
                    .unwrap()
                    .push(items.iter().map(|i| i.reminder.id.clone()).collect());
                Ok(())
            })
        }
    }

    /// `n` chains on one bike, each with a one-off 100 km rule, all due after one ride.
    fn garage(n: usize) -> (Mutex<Store>, Arc<ManualClock>, Vec<crate::ids::RuleId>) {
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
        let mut rule_ids = Vec::new();
        for i in 0..n {
            let c = workshop::add_component(
                &mut store,
                NewComponent {
                    kind: "chain".into(),
                    name: Some(format!("Chain {i}")),
                    bike_id: Some(bike.clone()),
                    installed_at: Some(Timestamp(T0 - 10 * MS_PER_DAY).into()),
                    without_rules: true,
                    ..NewComponent::default()
                },
            )
            .unwrap()
            .id;
            let r = rules::add(
                &mut store,
                &c,
                NewRule {
                    task: "Replace".into(),
                    metric: Metric::DistanceM,
                    interval: 100_000.0,
                    warn_fraction: None,
                    repeat: false,
                    filter: Default::default(),
                },
            )
            .unwrap();
            rule_ids.push(r.id);
        }
        rides::add(
            &mut store,
            NewRide {
                bike_id: Some(bike),
                start_at: Timestamp(T0 - MS_PER_DAY).into(),
                distance_m: 150_000.0,
                moving_time_s: 18_000.0,
                ..serde_json::from_str(r#"{"start_at": 0, "distance_m": 0, "moving_time_s": 0}"#)
                    .unwrap()
            },
        )
        .unwrap();
        (Mutex::new(store), clock, rule_ids)
    }

    fn fan(channels: &[Channel]) -> FanOut {
        FanOut {
            channels: channels.to_vec(),
            ..FanOut::default()
        }
    }

    fn options(holder: &str) -> DrainOptions {
        DrainOptions {
            holder: holder.into(),
            ..DrainOptions::default()
        }
    }

    fn states(store: &Mutex<Store>) -> Vec<(String, String, u32)> {
        let s = store.lock().unwrap();
        let mut stmt = s
            .conn
            .prepare("SELECT channel, state, attempts FROM outbox ORDER BY channel, id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[tokio::test]
    async fn each_delivery_goes_out_once_and_other_channels_wait_for_their_process() {
        let (store, _clock, _) = garage(3);
        let new = store
            .with(|s| evaluate(s, &fan(&[Channel::Notification, Channel::Sms])))
            .unwrap();
        assert_eq!(new.len(), 3);
        let sms = Recorder::new(Channel::Sms);
        let report = drain(&store, &[&sms], &options("a")).await.unwrap();
        assert_eq!(report.sent.len(), 3);
        assert_eq!(sms.sends().len(), 3);
        assert_eq!(
            report.waiting,
            [Waiting {
                channel: Channel::Notification,
                count: 3,
                next_attempt_at: Some(Timestamp(T0))
            }]
        );
        let again = drain(&store, &[&sms], &options("a")).await.unwrap();
        assert!(again.sent.is_empty(), "nothing is sent twice");
        assert_eq!(sms.sends().len(), 3);
    }

    #[tokio::test]
    async fn a_live_claim_keeps_others_off_and_a_lapsed_one_is_retried() {
        let (store, clock, _) = garage(1);
        store.with(|s| evaluate(s, &fan(&[Channel::Sms]))).unwrap();
        let mut n = 0;
        // Process A claims and then "crashes" (never sends or marks).
        let a = store
            .with(|s| claim(s, &[Channel::Sms], &|_| false, &options("a"), &mut n))
            .unwrap()
            .unwrap();
        assert_eq!(a.items[0].attempt, 1);
        let sms = Recorder::new(Channel::Sms);
        let b = drain(&store, &[&sms], &options("b")).await.unwrap();
        assert!(b.sent.is_empty(), "A's claim is live");
        clock.advance_ms(5 * 60 * 1000 + 1);
        let b = drain(&store, &[&sms], &options("b")).await.unwrap();
        assert_eq!(b.sent.len(), 1, "A's claim ran out");
        assert_eq!(states(&store), [("sms".into(), "sent".into(), 2)]);
    }

    #[tokio::test]
    async fn failures_back_off_exponentially_then_fail_for_good() {
        let (store, clock, _) = garage(2);
        store
            .with(|s| evaluate(s, &fan(&[Channel::Email])))
            .unwrap();
        let email = Recorder::new(Channel::Email);
        *email.failing.lock().unwrap() =
            Some(SendError::ConnectionRefused("nothing answers".into()));
        let o = DrainOptions {
            max_attempts: 3,
            ..options("a")
        };
        let r = drain(&store, &[&email], &o).await.unwrap();
        assert_eq!(
            r.retrying.len(),
            1,
            "one outage costs one attempt, not one per reminder"
        );
        let first = r.retrying[0].next_attempt_at.unwrap().millis() - T0;
        assert!(
            (48_000..=72_000).contains(&first),
            "about a minute: {first}"
        );
        let mut failed = Vec::new();
        for _ in 0..10 {
            clock.advance_ms(3_600_000);
            failed.extend(drain(&store, &[&email], &o).await.unwrap().failed);
        }
        assert_eq!(failed.len(), 2);
        assert_eq!(failed[0].error_kind, "connection_refused");
        assert!(states(&store)
            .iter()
            .all(|(_, st, n)| st == "failed" && *n == 3));
        assert_eq!(
            retry_failed(&mut store.lock().unwrap(), Channel::Email).unwrap(),
            2
        );
        *email.failing.lock().unwrap() = None;
        assert_eq!(drain(&store, &[&email], &o).await.unwrap().sent.len(), 2);
        let h = health(&store.lock().unwrap()).unwrap();
        assert_eq!((h[0].sent, h[0].failed, h[0].pending), (2, 0, 0));
    }

    #[test]
    fn the_retry_delay_doubles_with_jitter_up_to_a_cap() {
        let o = DrainOptions::default();
        for (attempts, base) in [(1u32, 60_000f64), (2, 120_000.0), (3, 240_000.0)] {
            let d = o.retry_delay(attempts).as_millis() as f64;
            assert!(d >= base * 0.8 && d <= base * 1.2, "{attempts}: {d}");
        }
        assert!(o.retry_delay(30) <= Duration::from_secs(6 * 3600 * 6 / 5));
    }

    #[tokio::test]
    async fn a_reminder_made_moot_before_delivery_is_cancelled_not_sent() {
        let (store, _clock, rules) = garage(2);
        store.with(|s| evaluate(s, &fan(&[Channel::Sms]))).unwrap();
        store
            .with(|s| services::mark_done(s, &rules[0], Default::default()))
            .unwrap();
        let sms = Recorder::new(Channel::Sms);
        let r = drain(&store, &[&sms], &options("a")).await.unwrap();
        assert_eq!((r.sent.len(), r.cancelled), (1, 1));
    }

    #[tokio::test]
    async fn a_digest_sends_every_due_email_in_one_message() {
        let (store, _clock, _) = garage(4);
        store
            .with(|s| {
                evaluate(
                    s,
                    &FanOut {
                        channels: vec![Channel::Email],
                        email_digest_hour: Some(0),
                        ..FanOut::default()
                    },
                )
            })
            .unwrap();
        let mut email = Recorder::new(Channel::Email);
        email.batches = true;
        email.digest_hour = Some(0);
        let r = drain(&store, &[&email], &options("a")).await.unwrap();
        assert_eq!(r.sent.len(), 4);
        assert_eq!(email.sends().len(), 1);
        assert_eq!(email.sends()[0].len(), 4);
        let day = store
            .lock()
            .unwrap()
            .meta(LAST_DIGEST_KEY)
            .unwrap()
            .expect("the digest day is recorded");
        assert_eq!(day.len(), 10);
    }

    /// The native channel takes its due reminders together (to show one summary for many), but
    /// sends no digest: the email digest's day stays unmarked.
    #[tokio::test]
    async fn a_batching_channel_without_a_digest_leaves_the_digest_day_alone() {
        let (store, _clock, _) = garage(4);
        store
            .with(|s| {
                evaluate(
                    s,
                    &FanOut {
                        channels: vec![Channel::Notification],
                        ..FanOut::default()
                    },
                )
            })
            .unwrap();
        let mut native = Recorder::new(Channel::Notification);
        native.batches = true;
        let r = drain(&store, &[&native], &options("a")).await.unwrap();
        assert_eq!(r.sent.len(), 4);
        assert_eq!(native.sends().len(), 1, "one batch");
        assert_eq!(store.lock().unwrap().meta(LAST_DIGEST_KEY).unwrap(), None);
    }

    #[tokio::test]
    async fn two_drains_on_one_file_send_every_delivery_exactly_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.sqlite3");
        {
            let (store, _, _) = garage(60);
            let s = store.lock().unwrap();
            s.conn
                .execute("VACUUM INTO ?1", [path.to_str().unwrap()])
                .unwrap();
        }
        {
            let mut s = Store::open(&path).unwrap();
            assert_eq!(evaluate(&mut s, &fan(&[Channel::Sms])).unwrap().len(), 60);
        }
        let sms = Arc::new(Recorder::new(Channel::Sms));
        let threads: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|holder| {
                let path = path.clone();
                let sms = sms.clone();
                std::thread::spawn(move || {
                    let store = Mutex::new(Store::open(&path).unwrap());
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .build()
                        .unwrap();
                    rt.block_on(drain(&store, &[&*sms], &options(holder)))
                        .unwrap()
                        .sent
                        .len()
                })
            })
            .collect();
        let sent: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(sent, 60);
        let mut ids: Vec<String> = sms.sends().into_iter().flatten().collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 60, "no reminder sent twice");
    }
}
