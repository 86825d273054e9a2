//! The Strava panel: how to connect, the connection's health, the rides that wait for a bike,
//! the sync interval, disconnecting.

use fantoccini::Locator;

use crate::window::{Result, Window};

pub struct StravaPanel<'a> {
    w: Window<'a>,
}

impl<'a> StravaPanel<'a> {
    pub fn new(w: Window<'a>) -> StravaPanel<'a> {
        StravaPanel { w }
    }

    /// The guide to registering an app at Strava, shown while not connected.
    pub async fn guide(&self) -> Result<String> {
        self.w.text("[data-testid='strava-guide']").await
    }

    /// Types the rider's Strava app (id and secret) and connects: the browser opens Strava's page.
    pub async fn connect(&self, client_id: &str, client_secret: &str) -> Result {
        self.w
            .type_into("[data-testid='strava-client-id']", client_id)
            .await?;
        self.w
            .type_into("[data-testid='strava-client-secret']", client_secret)
            .await?;
        self.w.click("[data-testid='strava-connect']").await
    }

    /// Waits until the summary line passes `ok`; returns it.
    pub async fn wait_summary(&self, what: &str, ok: impl Fn(&str) -> bool) -> Result<String> {
        self.w
            .wait_text("[data-testid='strava-summary']", what, ok)
            .await
    }

    pub async fn athlete(&self) -> Result<String> {
        self.w.text("[data-testid='strava-athlete']").await
    }

    /// The rate-limit usage ("12/100 this quarter hour, …").
    pub async fn rate_limit(&self) -> Result<String> {
        self.w.text("[data-testid='strava-rate-limit']").await
    }

    pub async fn last_sync(&self) -> Result<String> {
        self.w.text("[data-testid='strava-last-sync']").await
    }

    pub async fn next_sync(&self) -> Result<String> {
        self.w.text("[data-testid='strava-next-sync']").await
    }

    /// What went wrong, in words.
    pub async fn detail(&self) -> Result<String> {
        self.w.text("[data-testid='strava-detail']").await
    }

    pub async fn sync_now(&self) -> Result {
        self.w.click("[data-testid='strava-sync-now']").await
    }

    /// The tab of the rides that wait for a bike.
    pub async fn show_unassigned(&self) -> Result {
        self.w.click("[data-testid='strava-tab-unassigned']").await
    }

    /// Waits until exactly `n` rides wait for a bike.
    pub async fn wait_unassigned(&self, n: usize) -> Result {
        self.w
            .wait_count("[data-testid='unassigned-ride']", n)
            .await
    }

    /// Picks `bike` (by name) for the first ride that waits for one; false if it is not offered.
    pub async fn pick_bike_for_first(&self, bike: &str) -> Result<bool> {
        let first = self.w.find("[data-testid='unassigned-ride']").await?;
        let mut picked = false;
        for option in first
            .find_all(Locator::Css("[data-testid='unassigned-bike'] option"))
            .await?
        {
            if option.text().await?.trim() == bike {
                option.click().await?;
                picked = true;
            }
        }
        Ok(picked)
    }

    /// Assigns the first waiting ride to the bike picked for it.
    pub async fn assign_first(&self) -> Result {
        let first = self.w.find("[data-testid='unassigned-ride']").await?;
        first
            .find(Locator::Css("[data-testid='unassigned-assign']"))
            .await?
            .click()
            .await
    }

    /// The note the panel shows after an action.
    pub async fn note(&self) -> Result<String> {
        self.w.text("[data-testid='strava-note']").await
    }

    /// Closes the panel and waits until it is gone.
    pub async fn close(&self) -> Result {
        self.w.click("[data-testid='strava-close']").await?;
        self.w.wait_gone("[data-testid='strava-panel']").await
    }

    /// The tab of the connection and its settings.
    pub async fn show_connection(&self) -> Result {
        self.w.click("[data-testid='strava-tab-connection']").await
    }

    /// Chooses how often this device syncs.
    pub async fn sync_every(&self, minutes: u32) -> Result {
        self.w
            .click(&format!(
                "[data-testid='strava-interval'] option[value='{minutes}']"
            ))
            .await
    }

    /// Asks to disconnect; returns what the confirmation says will happen.
    pub async fn disconnect(&self) -> Result<String> {
        self.w.click("[data-testid='strava-disconnect']").await?;
        self.w
            .text("[data-testid='strava-disconnect-confirm-box']")
            .await
    }

    pub async fn confirm_disconnect(&self) -> Result {
        self.w
            .click("[data-testid='strava-disconnect-confirm']")
            .await
    }
}
