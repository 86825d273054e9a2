//! The garage screen: bike cards with their parts and rules, the shelf, the due list, the undo
//! banner, and the screen shown instead when the garage cannot be opened.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::Locator;
use serde_json::Value;

use super::{Mount, NotificationsPanel};
use crate::window::{Result, Window, WAIT};

const BIKE_CARD: &str = "[data-testid='bike-card']";
const DUE_ROW: &str = "[data-testid='due-list'] [data-testid='due-row']";

pub struct Dashboard<'a> {
    w: Window<'a>,
}

impl<'a> Dashboard<'a> {
    /// The shelf: parts on no bike.
    pub const SHELF: &'static str = "[data-testid='shelf']";

    pub fn new(w: Window<'a>) -> Dashboard<'a> {
        Dashboard { w }
    }

    /// Waits for the empty garage: the offer to load the demo.
    pub async fn wait_empty(&self) -> Result<Element> {
        self.w.find("[data-testid='load-demo']").await
    }

    /// Whether the demo is offered right now.
    pub async fn offers_demo(&self) -> Result<bool> {
        Ok(!self.w.all("[data-testid='load-demo']").await?.is_empty())
    }

    /// Waits for the first bike card.
    pub async fn wait_bike(&self) -> Result<Element> {
        self.w.find(BIKE_CARD).await
    }

    /// The bike cards shown now.
    pub async fn bike_cards(&self) -> Result<Vec<Element>> {
        self.w.all(BIKE_CARD).await
    }

    /// The first bike card's text.
    pub async fn bike_card_text(&self) -> Result<String> {
        self.w.text(BIKE_CARD).await
    }

    /// Waits until the first bike card's text passes `ok` (bounded as a device sync is).
    pub async fn wait_bike_card_text(
        &self,
        what: &str,
        ok: impl Fn(&str) -> bool,
    ) -> Result<String> {
        self.w.wait_text_long(BIKE_CARD, what, ok).await
    }

    /// The computed `display` of the header and the corner radius of a bike card: what the
    /// stylesheet gives them.
    pub async fn styles(&self) -> Result<Value> {
        self.w
            .execute(
                "const h = document.querySelector('header'); \
                 const c = document.querySelector('[data-testid=\"bike-card\"]'); \
                 return [getComputedStyle(h).display, getComputedStyle(c).borderTopLeftRadius];",
                vec![],
            )
            .await
    }

    /// Waits for a part's row, `filter` added to its selector (`[data-state='due']`, say).
    pub async fn component_row(&self, filter: &str) -> Result<Element> {
        self.w
            .find(&format!("[data-testid='component-row']{filter}"))
            .await
    }

    /// The rows of parts matching `filter` shown now.
    pub async fn component_rows(&self, filter: &str) -> Result<Vec<Element>> {
        self.w
            .all(&format!("[data-testid='component-row']{filter}"))
            .await
    }

    /// The first part's row text.
    pub async fn component_row_text(&self) -> Result<String> {
        self.w.text("[data-testid='component-row']").await
    }

    /// Waits for the first part's row on a retired bike (or on one in use).
    pub async fn component_row_on(&self, retired: bool) -> Result<Element> {
        let card = if retired {
            ".retired"
        } else {
            ":not(.retired)"
        };
        self.w
            .find(&format!("{BIKE_CARD}{card} [data-testid='component-row']"))
            .await
    }

    /// The text of the first due-list row in `state` (due, due_soon).
    pub async fn due_row_text(&self, state: &str) -> Result<String> {
        self.w
            .text(&format!("[data-testid='due-row'][data-state='{state}']"))
            .await
    }

    /// The rows of the due list shown now.
    pub async fn due_rows(&self) -> Result<Vec<Element>> {
        self.w.all(DUE_ROW).await
    }

    /// Waits for a due row in `state` in the due list; returns it.
    pub async fn wait_due_row(&self, state: &str) -> Result<Element> {
        self.w
            .find(&format!("{DUE_ROW}[data-state='{state}']"))
            .await
    }

    /// Waits until no due row (in `state`, if given) is shown.
    pub async fn wait_no_due_row(&self, state: Option<&str>) -> Result {
        match state {
            Some(s) => {
                self.w
                    .wait_gone(&format!("[data-testid='due-row'][data-state='{s}']"))
                    .await
            }
            None => self.w.wait_gone("[data-testid='due-row']").await,
        }
    }

    /// Marks `task` done (the first rule of that task), and confirms.
    pub async fn mark_done(&self, task: &str) -> Result {
        self.w
            .click(&format!("[data-testid='mark-done'][data-task='{task}']"))
            .await?;
        self.w.click("[data-testid='mark-done-confirm']").await
    }

    /// Marks done the rule within `scope` (the shelf, one rule line), and confirms there.
    pub async fn mark_done_in(&self, scope: &str) -> Result {
        self.w
            .click(&format!("{scope} [data-testid='mark-done']"))
            .await?;
        self.w
            .click(&format!("{scope} [data-testid='mark-done-confirm']"))
            .await
    }

    /// The rule line of `task`.
    pub fn rule_line(task: &str) -> String {
        format!("[data-testid='rule-line'][data-task='{task}']")
    }

    /// What a rule has used of its interval ("2,500 km / 300 km"), the rule within `scope`.
    pub async fn rule_usage(&self, scope: &str) -> Result<String> {
        self.w
            .text(&format!("{scope} [data-testid='rule-usage']"))
            .await
    }

    /// Waits until the usage within `scope` passes `ok`; returns it.
    pub async fn wait_rule_usage(
        &self,
        scope: &str,
        what: &str,
        ok: impl Fn(&str) -> bool,
    ) -> Result<String> {
        self.w
            .wait_text(&format!("{scope} [data-testid='rule-usage']"), what, ok)
            .await
    }

    /// The shelf's text.
    pub async fn shelf_text(&self) -> Result<String> {
        self.w.text(Self::SHELF).await
    }

    /// Waits for a part's row on the shelf, `filter` added to its selector.
    pub async fn shelf_row(&self, filter: &str) -> Result<Element> {
        self.w
            .find(&format!(
                "{} [data-testid='component-row']{filter}",
                Self::SHELF
            ))
            .await
    }

    /// Waits until the shelf is gone (nothing left on it).
    pub async fn wait_no_shelf(&self) -> Result {
        self.w.wait_gone(Self::SHELF).await
    }

    /// Opens the dialog that mounts the shelf part on a bike.
    pub async fn mount(&self) -> Result<Mount<'a>> {
        self.w.click("[data-testid='mount-component']").await?;
        Ok(Mount::new(self.w))
    }

    /// Opens the dialog that moves a part carrying others (a wheel) with its parts; the same
    /// form as mounting.
    pub async fn move_part(&self) -> Result<Mount<'a>> {
        self.w.click("[data-testid='move-component']").await?;
        Ok(Mount::new(self.w))
    }

    /// The banner offering to undo the last Done.
    pub async fn undo_banner_text(&self) -> Result<String> {
        self.w.text("[data-testid='undo-banner']").await
    }

    pub async fn undo(&self) -> Result {
        self.w.click("[data-testid='undo-done']").await
    }

    pub async fn wait_no_undo_banner(&self) -> Result {
        self.w.wait_gone("[data-testid='undo-banner']").await
    }

    /// Waits until the banner of a failing reminder channel passes `ok`; returns it.
    pub async fn wait_channel_failed_banner(&self, ok: impl Fn(&str) -> bool) -> Result<String> {
        self.w
            .wait_text(
                "[data-testid='channel-failed-banner']",
                "the failed-channel banner",
                ok,
            )
            .await
    }

    /// Opens the Notifications panel from the failed-channel banner.
    pub async fn open_notifications_from_banner(&self) -> Result<NotificationsPanel<'a>> {
        self.w
            .click("[data-testid='banner-open-notifications']")
            .await?;
        Ok(NotificationsPanel::new(self.w))
    }

    /// The screen shown when the garage cannot be opened.
    pub async fn open_failed_text(&self) -> Result<String> {
        self.w.text("[data-testid='open-failed']").await
    }

    pub async fn try_opening_again(&self) -> Result {
        self.w.click("[data-testid='open-retry']").await
    }

    pub async fn wait_open_failure_gone(&self) -> Result {
        self.w.wait_gone("[data-testid='open-failed']").await
    }

    /// Ride counts per bike name as the bike cards show them.
    pub async fn ride_counts(&self) -> Result<BTreeMap<String, i64>> {
        let mut counts = BTreeMap::new();
        for card in self.bike_cards().await? {
            let name = card
                .find(Locator::Css("[data-testid='bike-name']"))
                .await?
                .prop("textContent")
                .await?
                .unwrap_or_default();
            let rides = card
                .find(Locator::Css("[data-testid='bike-rides']"))
                .await?
                .attr("data-count")
                .await?
                .and_then(|n| n.parse().ok())
                .unwrap_or(-1);
            counts.insert(name.trim().to_owned(), rides);
        }
        Ok(counts)
    }

    /// Waits until the bike cards show `expected` ride counts.
    pub async fn wait_ride_counts(&self, expected: &BTreeMap<String, i64>) -> Result {
        let deadline = Instant::now() + WAIT;
        loop {
            let counts = self.ride_counts().await?;
            if &counts == expected {
                return Ok(());
            }
            assert!(
                Instant::now() < deadline,
                "bike cards show {counts:?}, not {expected:?}, after {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
