//! The header: the brand, the due pills, the sync chips, and the buttons that open the dialogs
//! and panels.

use serde_json::Value;

use super::{AddBike, AddComponent, DevicesPanel, LogRide, NotificationsPanel, StravaPanel};
use crate::window::{strings, Result, Window};

/// Everything the header shows: the brand, the due pills, the sync chips and the buttons.
const ITEMS: &str =
    "header .brand, header .summary .pill, header [data-testid$='-chip'], header nav button";

pub struct Header<'a> {
    w: Window<'a>,
}

impl<'a> Header<'a> {
    pub fn new(w: Window<'a>) -> Header<'a> {
        Header { w }
    }

    pub async fn add_bike(&self) -> Result<AddBike<'a>> {
        self.w.click("[data-testid='open-add-bike']").await?;
        Ok(AddBike::new(self.w))
    }

    /// Whether Add bike can be used.
    pub async fn add_bike_enabled(&self) -> Result<bool> {
        let add = self.w.find("[data-testid='open-add-bike']").await?;
        Ok(add.attr("disabled").await?.is_none())
    }

    pub async fn add_component(&self) -> Result<AddComponent<'a>> {
        self.w.click("[data-testid='open-add-component']").await?;
        Ok(AddComponent::new(self.w))
    }

    pub async fn log_ride(&self) -> Result<LogRide<'a>> {
        self.w.click("[data-testid='open-log-ride']").await?;
        Ok(LogRide::new(self.w))
    }

    /// Opens the Strava panel from its chip.
    pub async fn open_strava(&self) -> Result<StravaPanel<'a>> {
        self.w.click("[data-testid='strava-chip']").await?;
        Ok(StravaPanel::new(self.w))
    }

    /// Opens the Devices panel from its chip, and waits until it is open.
    pub async fn open_devices(&self) -> Result<DevicesPanel<'a>> {
        self.w.click("[data-testid='devices-chip']").await?;
        self.w.find("[data-testid='devices-panel'][open]").await?;
        Ok(DevicesPanel::new(self.w))
    }

    pub async fn open_notifications(&self) -> Result<NotificationsPanel<'a>> {
        self.w.click("[data-testid='open-notifications']").await?;
        Ok(NotificationsPanel::new(self.w))
    }

    /// The due pills' text ("1 due", …).
    pub async fn summary(&self) -> Result<String> {
        self.w.text("[data-testid='summary']").await
    }

    /// How the Strava chip reads the sync's health: off, ok, warn…
    pub async fn strava_health(&self) -> Result<Option<String>> {
        self.w
            .attr("[data-testid='strava-chip']", "data-health")
            .await
    }

    /// The Strava chip's words.
    pub async fn strava_chip_text(&self) -> Result<String> {
        self.w.text("[data-testid='strava-chip-text']").await
    }

    /// Puts `text` in the Strava chip, as the longest summary the core writes would.
    pub async fn show_strava_summary(&self, text: &str) -> Result {
        self.w
            .execute(
                "document.querySelector(\"[data-testid='strava-chip-text']\").textContent = arguments[0];",
                vec![Value::from(text)],
            )
            .await?;
        Ok(())
    }

    /// Resizes the window to `width` and reports what in the header overlaps, leaves the window,
    /// wraps onto a second line (taller than a 44 px touch target and its border) or clips its words (a sync chip may ellipsise its words, but
    /// keeps its mark). Returns the page's width and the problems found.
    pub async fn problems_at(&self, width: u32) -> Result<(u64, Vec<String>)> {
        self.w.resize(width).await?;
        self.w.settle().await?;
        let found = self
            .w
            .execute(
                "const vw = document.documentElement.clientWidth;\n\
                 const items = [...document.querySelectorAll(arguments[0])].map((e) => ({\n\
                   e, r: e.getBoundingClientRect(),\n\
                   n: e.dataset.testid || e.getAttribute('aria-label') || e.textContent.trim() || e.className,\n\
                 }));\n\
                 const out = [];\n\
                 for (const { e, r, n } of items) {\n\
                   if (r.left < 0 || r.right > vw) out.push(`${n} spans ${Math.round(r.left)}..${Math.round(r.right)} of ${vw} px`);\n\
                   if (r.height > 48) out.push(`${n} wraps (${Math.round(r.height)} px tall)`);\n\
                   if (e.scrollWidth > e.clientWidth + 1) out.push(`${n} is too small for what it holds`);\n\
                   for (const c of e.children) {\n\
                     const cr = c.getBoundingClientRect();\n\
                     if (cr.width && (cr.left < r.left - 0.5 || cr.right > r.right + 0.5)) out.push(`${n} spills its ${c.tagName}`);\n\
                   }\n\
                 }\n\
                 for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {\n\
                   const a = items[i].r, b = items[j].r;\n\
                   if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)\n\
                     out.push(`${items[i].n} overlaps ${items[j].n}`);\n\
                 }\n\
                 if (items.length < 9) out.push(`only ${items.length} header items found`);\n\
                 return [vw, out];",
                vec![Value::from(ITEMS)],
            )
            .await?;
        let vw = found[0].as_u64().unwrap_or_default();
        Ok((vw, strings(&found[1])))
    }

    /// The names (aria-label) of the header's buttons, as one text.
    pub async fn control_names(&self) -> Result<String> {
        let names = self
            .w
            .execute(
                "return [...document.querySelectorAll(arguments[0])]\n\
                   .filter((e) => e.tagName === 'BUTTON').map((e) => e.getAttribute('aria-label'));",
                vec![Value::from(ITEMS)],
            )
            .await?;
        Ok(names.to_string())
    }
}
