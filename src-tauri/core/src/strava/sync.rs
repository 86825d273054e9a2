//! One sync pass: bikes from the athlete, then activities page by page — the whole history on
//! first import (resumable exactly where it stopped), later a re-scan of the last 30 days (Strava
//! sends no event when a ride's bike changes), or everything again with `--full`. Each page is
//! applied in its own transaction; the database is never held across a network call; one pass
//! runs at a time across every process sharing the file (a lease in SQLite).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::secrets::SecretStore;
use crate::store::lease::{self, Lease};
use crate::store::{Clock, Store};
use crate::strava::api::{Api, ApiError, Config};
use crate::strava::apply::{self, Changes};
use crate::strava::model::{Gear, Page};
use crate::strava::progress::{Progress, ProgressSink};
use crate::strava::state::{self, Listing, Status};
use crate::strava::{mapping, tokens, units, StravaError};
use crate::time::{Timestamp, MS_PER_DAY};

/// Strava's largest page.
pub const PER_PAGE: u32 = 200;
/// Later syncs look this far back from the newest ride (bike changes and deletions there).
pub const RESCAN_DAYS: i64 = 30;
/// The lease a sync pass holds; disconnecting holds it too, so no pass writes rides after them.
pub const LEASE: &str = "strava.sync";
/// Longer than the worst single request (tries × timeout + backoff), and renewed before every
/// network call: a live pass never loses its lease to expiry.
const LEASE_MS: i64 = 15 * 60 * 1000;

/// The garage as the sync sees it (defined with the store: delivery uses it too).
pub use crate::store::StoreAccess;

#[derive(Debug, Clone)]
pub struct Options {
    /// Re-list the whole history (catches older changes and deletions).
    pub full: bool,
    /// When the next pass is due after a good one.
    pub interval: Duration,
    /// Wait inside the pass for a rate-limit window to turn if it turns within this; otherwise
    /// stop and resume in a later pass.
    pub max_pause: Duration,
    /// Who holds the lease (a process-unique name).
    pub holder: String,
    /// Told how far the pass has come (pages listed, rate-limit pauses).
    pub progress: Option<ProgressSink>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            full: false,
            interval: Duration::from_secs(60 * 60),
            max_pause: Duration::from_secs(16 * 60),
            holder: lease::holder_id(),
            progress: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[cfg_attr(feature = "bindings", serde(rename = "SyncReport"))]
pub struct Report {
    #[serde(flatten)]
    pub changes: Changes,
    /// Every request sent to Strava (token refreshes excluded).
    pub requests: u32,
    pub list_requests: u32,
    pub gear_requests: u32,
    pub pages: u32,
    /// Time spent waiting for a rate-limit window.
    pub paused_ms: u64,
    /// Time spent writing to the garage (everything but the network).
    pub local_ms: u64,
    /// The whole history has been listed (first import or --full finished).
    pub history_complete: bool,
    /// The units this pass set from Strava's measurement preference (the rider had not chosen);
    /// an open window redraws in them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<crate::units::Units>,
}

/// Runs one pass, records how it went in the connection's state, and returns what changed.
pub async fn sync(
    access: &impl StoreAccess,
    secrets: &dyn SecretStore,
    config: &Config,
    clock: Arc<dyn Clock>,
    options: &Options,
) -> Result<Report> {
    let st = access.with(|s| state::load(s.connection()))?;
    if !st.connected() && !tokens::configured_by_env() {
        return Err(StravaError::NotConnected.into());
    }
    match access.with(|s| lease::acquire(s, LEASE, &options.holder, LEASE_MS))? {
        Lease::Held(_) => {}
        Lease::Busy { holder, .. } => return Err(StravaError::Busy { holder }.into()),
    }
    let now = clock.now();
    access.with(|s| state::attempt_started(s.connection(), now))?;
    let mut pass = Pass {
        access,
        secrets,
        config,
        clock: clock.clone(),
        options,
        report: Report::default(),
        app: None,
        rides_listed: 0,
        previous_page: BTreeSet::new(),
        missing_gear: BTreeSet::new(),
    };
    let outcome = pass.run().await;
    let report = pass.report;
    let now = clock.now();
    let recorded = access.with(|s| match &outcome {
        Ok(()) => state::succeeded(
            s.connection(),
            now,
            Timestamp(now.millis() + options.interval.as_millis() as i64),
        ),
        Err(e) => record_failure(s, e, now, options.interval),
    });
    let released = access.with(|s| lease::release(s, LEASE, &options.holder));
    outcome.map_err(Error::from)?;
    recorded?;
    released?;
    Ok(report)
}

/// Puts a failed pass into the connection's status, with when it will be tried again.
fn record_failure(
    store: &mut Store,
    e: &StravaError,
    now: Timestamp,
    interval: Duration,
) -> Result<()> {
    let st = state::load(store.connection())?;
    let backoff = |failures: u32| {
        // 1, 2, 4 … minutes, never longer than the usual interval.
        let ms = (60_000i64 << failures.min(10)).min(interval.as_millis() as i64);
        Timestamp(now.millis() + ms)
    };
    let (status, next, paused) = match e {
        StravaError::Api(ApiError::RateLimited { until }) => {
            (Status::RateLimited, *until, Some(*until))
        }
        StravaError::Api(ApiError::Unauthorized)
        | StravaError::TokenRejected
        | StravaError::BadCredentials => (
            Status::ReconnectNeeded,
            Timestamp(now.millis() + interval.as_millis() as i64),
            None,
        ),
        StravaError::Api(ApiError::Offline(_)) | StravaError::Api(ApiError::Server(_)) => {
            (Status::Offline, backoff(st.failures), None)
        }
        StravaError::NotConnected => return Ok(()),
        _ => (Status::Error, backoff(st.failures), None),
    };
    state::failed(store.connection(), status, &e.to_string(), next, paused)
}

struct Pass<'a, A: StoreAccess> {
    access: &'a A,
    secrets: &'a dyn SecretStore,
    config: &'a Config,
    clock: Arc<dyn Clock>,
    options: &'a Options,
    report: Report,
    app: Option<tokens::App>,
    /// Rides listed so far in this pass, for progress.
    rides_listed: u32,
    /// The rides on the page before: keyset pages overlap at their boundary second, and a ride
    /// seen twice is counted once.
    previous_page: BTreeSet<i64>,
    /// Gear Strava answered 404 for in this pass: not asked again.
    missing_gear: BTreeSet<String>,
}

impl<A: StoreAccess> Pass<'_, A> {
    /// Times local work (the garage writes) for the report.
    fn local<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T, StravaError> {
        let started = std::time::Instant::now();
        let out = self.access.with(f);
        self.report.local_ms += started.elapsed().as_millis() as u64;
        Ok(out?)
    }

    /// Renews the lease before a network call; stops the pass if another process holds it now.
    fn renew(&mut self, extra_ms: i64) -> Result<(), StravaError> {
        let holder = self.options.holder.clone();
        match self.local(|s| lease::acquire(s, LEASE, &holder, LEASE_MS + extra_ms))? {
            Lease::Held(_) => Ok(()),
            Lease::Busy { holder, .. } => Err(StravaError::Busy { holder }),
        }
    }

    fn tell(&self, p: Progress) {
        if let Some(sink) = &self.options.progress {
            sink.tell(&p);
        }
    }

    fn now_s(&self) -> i64 {
        self.clock.now().millis() / 1000
    }

    /// A fresh access token after Strava refused the cached one.
    async fn refresh_token(&mut self, api: &mut Api) -> Result<(), StravaError> {
        let app = self.app.clone().ok_or(StravaError::NotConnected)?;
        tokens::drop_access(self.secrets)?;
        let token = tokens::access_token(self.secrets, &app, self.config, self.now_s()).await?;
        api.set_token(token);
        Ok(())
    }

    async fn run(&mut self) -> Result<(), StravaError> {
        let st = self.local(|s| state::load(s.connection()))?;
        let app =
            tokens::app(self.secrets, st.client_id.as_deref())?.ok_or(StravaError::NotConnected)?;
        self.app = Some(app.clone());
        let token = tokens::access_token(self.secrets, &app, self.config, self.now_s()).await?;
        let mut api = Api::new(self.config.clone(), self.clock.clone(), token, st.budget)?;

        let athlete = self.athlete(&mut api).await?;
        if !st.connected() {
            // Configured by the environment alone (a headless server): record who this is.
            let name = athlete.display_name();
            let now = self.clock.now();
            self.local(|s| {
                let tx = s.connection();
                state::connect(
                    tx,
                    &app.client_id,
                    athlete.id,
                    &name,
                    "from the environment",
                    now,
                )
            })?;
        }
        let garage_file = self.local(|s| Ok(s.path().map(|p| p.to_owned())))?;
        if let Some(file) = garage_file {
            // Settings are a file of their own (not the garage): no transaction held here.
            // A settings file that cannot be read or written never stops the rides coming in;
            // the settings panel says what is wrong with it.
            match units::follow(&file, athlete.measurement_preference.as_deref()) {
                Ok(Some(u)) => {
                    tracing::info!(units = ?u, "units follow Strava's measurement preference");
                    self.report.units = Some(u);
                }
                Ok(None) => {}
                Err(e) => tracing::warn!("units not set from Strava's preference: {e}"),
            }
        }
        let bikes = athlete.bikes.clone().unwrap_or_default();
        let linked = self.local(|s| apply::link_bikes(s, &bikes, &[]))?;
        self.report.changes.add(linked);
        let result = self.list(&mut api).await;
        self.report.requests = api.requests;
        self.report.list_requests = api.list_requests;
        if let Some(budget) = api.budget {
            self.local(|s| state::save_budget(s.connection(), &budget))?;
        }
        result
    }

    /// The athlete, waiting out a used-up rate-limit window and refreshing a refused token once.
    async fn athlete(
        &mut self,
        api: &mut Api,
    ) -> Result<crate::strava::model::Athlete, StravaError> {
        let mut refreshed = false;
        loop {
            if let Some(until) = api.wait_for_budget() {
                self.pause(until).await?;
                continue;
            }
            self.renew(0)?;
            match api.athlete().await {
                Err(ApiError::RateLimited { until }) => self.pause(until).await?,
                // A cached access token Strava no longer takes.
                Err(ApiError::Unauthorized) if !refreshed => {
                    refreshed = true;
                    self.refresh_token(api).await?;
                }
                other => return Ok(other?),
            }
        }
    }

    /// Lists activities: resumes a listing in progress, starts the whole history when it has
    /// never been listed (or `--full`), else re-scans the recent window.
    async fn list(&mut self, api: &mut Api) -> Result<(), StravaError> {
        let st = self.local(|s| state::load(s.connection()))?;
        let listing = match st.listing {
            Some(l) => Some(l),
            None if self.options.full || !st.history_complete => {
                let before = self.now_s() + 1;
                let full = self.options.full;
                let l = self.local(|s| {
                    let l = Listing {
                        id: state::next_listing_id(s.connection())?,
                        start: before,
                        before,
                        full,
                        done: false,
                    };
                    state::set_listing(s.connection(), Some(l))?;
                    Ok(l)
                })?;
                Some(l)
            }
            None => None,
        };
        match listing {
            Some(l) => self.list_history(api, l).await,
            None => self.rescan_window(api, st.newest_activity_at).await,
        }
    }

    /// The whole history, newest first, by keyset: each page asks for activities before the
    /// oldest start seen so far (+1 s, so activities sharing that second are not skipped; seeing
    /// one twice is harmless). The cursor is committed with each page.
    async fn list_history(&mut self, api: &mut Api, mut l: Listing) -> Result<(), StravaError> {
        while !l.done {
            let page = self.fetch(api, Some(l.before), None).await?;
            let last = page.len < PER_PAGE as usize;
            let next = match (last, page.oldest_start) {
                (true, _) => Listing { done: true, ..l },
                (false, Some(oldest)) => Listing {
                    // No progress when a whole page shares one second: step past it.
                    before: if oldest + 1 < l.before {
                        oldest + 1
                    } else {
                        oldest
                    },
                    ..l
                },
                (false, None) => {
                    return Err(ApiError::Malformed(
                        "a full page of activities without start dates".to_owned(),
                    )
                    .into())
                }
            };
            self.apply(api, &page, l.id, Some(next)).await?;
            l = next;
        }
        let deleted = self.local(|s| apply::finish_history(s, l))?;
        self.report.changes.rides_deleted += deleted;
        self.report.history_complete = true;
        Ok(())
    }

    /// The last 30 days before the newest activity Strava listed, oldest first; rides Strava no
    /// longer lists there were deleted (or stopped being rides).
    async fn rescan_window(
        &mut self,
        api: &mut Api,
        newest: Option<Timestamp>,
    ) -> Result<(), StravaError> {
        let after_ms = newest.map_or(0, |t| t.millis() - RESCAN_DAYS * MS_PER_DAY);
        let after = after_ms.div_euclid(1000);
        let listing_id = self.local(|s| state::next_listing_id(s.connection()))?;
        let mut page_no = 1;
        loop {
            let page = self.fetch_window(api, after, page_no).await?;
            let last = page.len < PER_PAGE as usize;
            self.apply(api, &page, listing_id, None).await?;
            if last {
                break;
            }
            page_no += 1;
        }
        // Strava's `after` is exclusive: rides exactly at `after` were not asked about.
        let deleted = self.local(|s| {
            apply::delete_unlisted(
                s,
                listing_id,
                Timestamp((after + 1) * 1000),
                Timestamp(i64::MAX),
            )
        })?;
        self.report.changes.rides_deleted += deleted;
        Ok(())
    }

    async fn fetch(
        &mut self,
        api: &mut Api,
        before: Option<i64>,
        after: Option<i64>,
    ) -> Result<Page, StravaError> {
        self.fetch_page(api, before, after, 1).await
    }

    async fn fetch_window(
        &mut self,
        api: &mut Api,
        after: i64,
        page: u32,
    ) -> Result<Page, StravaError> {
        self.fetch_page(api, None, Some(after), page).await
    }

    /// One page, waiting for the rate-limit window when it turns soon enough, and refreshing the
    /// token once if Strava refuses it mid-pass.
    async fn fetch_page(
        &mut self,
        api: &mut Api,
        before: Option<i64>,
        after: Option<i64>,
        page: u32,
    ) -> Result<Page, StravaError> {
        let mut refreshed = false;
        loop {
            if let Some(until) = api.wait_for_budget() {
                self.pause(until).await?;
                continue;
            }
            self.renew(0)?;
            match api.activities(before, after, page, PER_PAGE).await {
                Err(ApiError::RateLimited { until }) => self.pause(until).await?,
                Err(ApiError::Unauthorized) if !refreshed => {
                    refreshed = true;
                    self.refresh_token(api).await?;
                }
                other => {
                    self.report.pages += 1;
                    return Ok(other?);
                }
            }
        }
    }

    /// Waits for a rate-limit window inside the pass (keeping the lease), or gives up the pass
    /// when the wait is longer than allowed (e.g. the daily limit).
    async fn pause(&mut self, until: Timestamp) -> Result<(), StravaError> {
        let now = self.clock.now();
        // A little past the turn: Strava's clock and this one may differ by a second or two.
        let wait_ms = (until.millis() - now.millis()).max(0) as u64 + 2_000;
        if wait_ms > self.options.max_pause.as_millis() as u64 {
            return Err(ApiError::RateLimited { until }.into());
        }
        tracing::info!(until = %until.local_time(), "Strava's rate limit is used up; waiting for the next window");
        self.tell(Progress::Paused { until });
        self.renew(wait_ms as i64)?;
        self.local(|s| {
            state::failed(
                s.connection(),
                Status::RateLimited,
                &format!(
                    "Strava's rate limit is used up; resuming at {}",
                    until.local_time()
                ),
                until,
                Some(until),
            )
        })?;
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        self.report.paused_ms += wait_ms;
        Ok(())
    }

    /// Fetches gear the page names but no bike here knows, then applies the page with its cursor.
    async fn apply(
        &mut self,
        api: &mut Api,
        page: &Page,
        listing_id: i64,
        next: Option<Listing>,
    ) -> Result<(), StravaError> {
        let unknown: BTreeSet<String> = self.local(|s| apply::unknown_gear(s, page))?;
        let mut fetched: Vec<Gear> = Vec::new();
        for id in unknown {
            if self.missing_gear.contains(&id) {
                continue;
            }
            if let Some(until) = api.wait_for_budget() {
                self.pause(until).await?;
            }
            self.renew(0)?;
            self.report.gear_requests += 1;
            match api.gear(&id).await {
                Ok(g) => fetched.push(g),
                // Gear Strava no longer knows: the rides stay unassigned.
                Err(ApiError::NotFound(_)) => {
                    self.missing_gear.insert(id);
                }
                Err(e) => return Err(e.into()),
            }
        }
        if !fetched.is_empty() {
            let linked = self.local(|s| apply::link_bikes(s, &[], &fetched))?;
            self.report.changes.add(linked);
        }
        let changes = self.local(|s| apply::apply_page(s, page, listing_id, next))?;
        self.report.changes.add(changes);
        let rides: BTreeSet<i64> = page
            .activities
            .iter()
            .filter(|a| mapping::is_cycling(a))
            .map(|a| a.id)
            .collect();
        self.rides_listed += rides.difference(&self.previous_page).count() as u32;
        self.previous_page = rides;
        self.tell(Progress::Listed {
            rides: self.rides_listed,
            oldest: page.oldest_start.map(|s| Timestamp(s * 1000)),
        });
        if let Some(budget) = api.budget {
            self.local(|s| state::save_budget(s.connection(), &budget))?;
        }
        Ok(())
    }
}
