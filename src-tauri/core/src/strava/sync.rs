//! One sync pass: bikes from the athlete, then activities page by page — the whole history on
//! first import (resumable exactly where it stopped), later a re-scan of the last 30 days (Strava
//! sends no event when a ride's bike changes), or everything again with `--full`. Each page is
//! applied in its own transaction; the database is never held across a network call; one pass
//! runs at a time across every process sharing the file (a lease in SQLite).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::secrets::SecretStore;
use crate::store::lease::{self, Lease};
use crate::store::{Clock, Store};
use crate::strava::api::{Api, ApiError, Config};
use crate::strava::apply::{self, Changes};
use crate::strava::model::{Gear, Page};
use crate::strava::state::{self, Listing, Status};
use crate::strava::{tokens, StravaError};
use crate::time::{Timestamp, MS_PER_DAY};

/// Strava's largest page.
pub const PER_PAGE: u32 = 200;
/// Later syncs look this far back from the newest ride (bike changes and deletions there).
pub const RESCAN_DAYS: i64 = 30;
/// The lease a sync pass holds; disconnecting holds it too, so no pass writes rides after them.
pub const LEASE: &str = "strava.sync";
const LEASE_MS: i64 = 5 * 60 * 1000;

/// The garage as the sync sees it: each call holds the database only for what it does, so the
/// rider keeps using the app while a sync waits on the network.
pub trait StoreAccess {
    fn with<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T>;
}

impl StoreAccess for Mutex<Store> {
    fn with<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut store = self.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut store)
    }
}

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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            full: false,
            interval: Duration::from_secs(60 * 60),
            max_pause: Duration::from_secs(16 * 60),
            holder: lease::holder_id(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
}

impl<A: StoreAccess> Pass<'_, A> {
    /// Times local work (the garage writes) for the report.
    fn local<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T, StravaError> {
        let started = std::time::Instant::now();
        let out = self.access.with(f);
        self.report.local_ms += started.elapsed().as_millis() as u64;
        Ok(out?)
    }

    async fn run(&mut self) -> Result<(), StravaError> {
        let st = self.local(|s| state::load(s.connection()))?;
        let app =
            tokens::app(self.secrets, st.client_id.as_deref())?.ok_or(StravaError::NotConnected)?;
        let now_s = self.clock.now().millis() / 1000;
        let token = tokens::access_token(self.secrets, &app, self.config, now_s).await?;
        let mut api = Api::new(self.config.clone(), self.clock.clone(), token, st.budget)?;

        let athlete = match api.athlete().await {
            // A cached access token Strava no longer takes: refresh once and try again.
            Err(ApiError::Unauthorized) => {
                tokens::drop_access(self.secrets)?;
                let token = tokens::access_token(self.secrets, &app, self.config, now_s).await?;
                api = Api::new(self.config.clone(), self.clock.clone(), token, api.budget)?;
                api.athlete().await?
            }
            other => other?,
        };
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

    /// Lists activities: resumes a listing in progress, starts the whole history when it has
    /// never been listed (or `--full`), else re-scans the recent window.
    async fn list(&mut self, api: &mut Api) -> Result<(), StravaError> {
        let st = self.local(|s| state::load(s.connection()))?;
        let now = self.clock.now();
        let listing = match st.listing {
            Some(l) => Some(l),
            None if self.options.full || !st.history_complete => {
                let l = Listing {
                    before: now.millis() / 1000 + 1,
                    page: 1,
                    full: true,
                };
                self.local(|s| state::set_listing(s.connection(), Some(l)))?;
                Some(l)
            }
            None => None,
        };
        match listing {
            Some(l) => self.list_history(api, l).await,
            None => self.rescan_window(api).await,
        }
    }

    /// The whole history, newest first, with `before` fixed so pages stay put across pauses
    /// and crashes; the cursor is committed with each page.
    async fn list_history(&mut self, api: &mut Api, mut l: Listing) -> Result<(), StravaError> {
        // Listing ids: the history listing is named by its `before` (seconds).
        let listing_id = l.before;
        loop {
            let page = self.fetch(api, Some(l.before), None, l.page).await?;
            let last = page.len < PER_PAGE as usize;
            let next = (!last).then_some(Listing {
                page: l.page + 1,
                ..l
            });
            self.apply(api, &page, listing_id, next).await?;
            if last {
                break;
            }
            l.page += 1;
        }
        let deleted = self.local(|s| {
            apply::delete_unlisted(
                s,
                listing_id,
                Timestamp(i64::MIN),
                Timestamp(l.before * 1000),
            )
        })?;
        self.report.changes.rides_deleted += deleted;
        self.local(|s| state::set_history_complete(s.connection()))?;
        self.report.history_complete = true;
        Ok(())
    }

    /// The last 30 days before the newest ride, oldest first; rides Strava no longer lists there
    /// were deleted (or stopped being rides).
    async fn rescan_window(&mut self, api: &mut Api) -> Result<(), StravaError> {
        let newest: Option<Timestamp> = self.local(|s| {
            Ok(s.connection().query_row(
                "SELECT MAX(start_at) FROM rides WHERE source = 'strava' AND deleted_at IS NULL",
                [],
                |r| r.get(0),
            )?)
        })?;
        let after_ms = newest.map_or(0, |t| t.millis() - RESCAN_DAYS * MS_PER_DAY);
        let after = after_ms.div_euclid(1000);
        // Window listings are named by when they began (milliseconds, apart from the seconds
        // that name history listings).
        let listing_id = self.clock.now().millis();
        let mut page_no = 1;
        loop {
            let page = self.fetch(api, None, Some(after), page_no).await?;
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

    /// One page, waiting for the rate-limit window when it turns soon enough.
    async fn fetch(
        &mut self,
        api: &mut Api,
        before: Option<i64>,
        after: Option<i64>,
        page: u32,
    ) -> Result<Page, StravaError> {
        loop {
            if let Some(until) = api.wait_for_budget() {
                self.pause(until).await?;
                continue;
            }
            match api.activities(before, after, page, PER_PAGE).await {
                Err(ApiError::RateLimited { until }) => self.pause(until).await?,
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
        let wait_ms = (until.millis() - now.millis()).max(0) as u64;
        if wait_ms > self.options.max_pause.as_millis() as u64 {
            return Err(ApiError::RateLimited { until }.into());
        }
        tracing::info!(until = %until.local_time(), "Strava's rate limit is used up; waiting for the next window");
        let holder = self.options.holder.clone();
        self.local(|s| {
            lease::acquire(s, LEASE, &holder, LEASE_MS + wait_ms as i64)?;
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
        tokio::time::sleep(Duration::from_millis(wait_ms + 50)).await;
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
            if let Some(until) = api.wait_for_budget() {
                self.pause(until).await?;
            }
            self.report.gear_requests += 1;
            match api.gear(&id).await {
                Ok(g) => fetched.push(g),
                // Gear Strava no longer knows: the rides stay unassigned.
                Err(ApiError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if !fetched.is_empty() {
            let linked = self.local(|s| apply::link_bikes(s, &[], &fetched))?;
            self.report.changes.add(linked);
        }
        let changes = self.local(|s| apply::apply_page(s, page, listing_id, next))?;
        self.report.changes.add(changes);
        let holder = self.options.holder.clone();
        self.local(|s| lease::acquire(s, LEASE, &holder, LEASE_MS).map(|_| ()))?;
        if let Some(budget) = api.budget {
            self.local(|s| state::save_budget(s.connection(), &budget))?;
        }
        Ok(())
    }
}
