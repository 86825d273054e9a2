//! The Devices panel: setting up sync with the rider's other devices, this device's name and
//! interval, the others it knows, Sync now, stopping.

use crate::window::{Result, Window};

pub struct DevicesPanel<'a> {
    w: Window<'a>,
}

impl<'a> DevicesPanel<'a> {
    pub fn new(w: Window<'a>) -> DevicesPanel<'a> {
        DevicesPanel { w }
    }

    /// Fills the set-up form (the target's address, the passphrase twice) and submits it.
    pub async fn set_up(&self, url: &str, passphrase: &str) -> Result {
        for (css, value) in [
            ("[data-testid='devices-url']", url),
            ("[data-testid='devices-passphrase']", passphrase),
            ("[data-testid='devices-passphrase-confirm']", passphrase),
        ] {
            self.w.replace_text(css, value).await?;
        }
        self.w.click("[data-testid='devices-set-up']").await
    }

    /// Waits for the set-up form (sync is not set up).
    pub async fn wait_setup_form(&self) -> Result {
        self.w.find("[data-testid='devices-setup']").await?;
        Ok(())
    }

    /// Waits (as long as a sync may take) until the summary passes `ok`.
    pub async fn wait_summary(&self, what: &str, ok: impl Fn(&str) -> bool) -> Result<String> {
        self.w
            .wait_text_long("[data-testid='devices-summary']", what, ok)
            .await
    }

    /// Waits (as long as a sync may take) until an error is shown; returns it.
    pub async fn wait_error(&self) -> Result<String> {
        self.w
            .wait_text_long("[data-testid='devices-error']", "an error", |t| {
                !t.is_empty()
            })
            .await
    }

    /// Where this device syncs to, as shown.
    pub async fn target(&self) -> Result<String> {
        self.w.text("[data-testid='devices-target']").await
    }

    /// Renames this device, and waits until the panel shows the new name.
    pub async fn rename(&self, name: &str) -> Result {
        self.w.click("[data-testid='devices-rename']").await?;
        self.w
            .replace_text("[data-testid='devices-name-input']", name)
            .await?;
        self.w.click("[data-testid='devices-name-save']").await?;
        self.w
            .wait_text("[data-testid='devices-this-name']", "the new name", |t| {
                t == name
            })
            .await?;
        Ok(())
    }

    /// Chooses how often this device syncs in the background.
    pub async fn sync_every(&self, minutes: u32) -> Result {
        self.w
            .find("[data-testid='devices-interval']")
            .await?
            .select_by_value(&minutes.to_string())
            .await
    }

    /// Waits until the interval can be chosen again (drawn anew from the status).
    pub async fn wait_interval_ready(&self) -> Result {
        self.w
            .find("[data-testid='devices-interval']:not(:disabled)")
            .await?;
        Ok(())
    }

    /// The interval shown as chosen.
    pub async fn interval(&self) -> Result<Option<String>> {
        self.w
            .find("[data-testid='devices-interval']")
            .await?
            .prop("value")
            .await
    }

    /// Closes the panel and waits until it is gone.
    pub async fn close(&self) -> Result {
        self.w.click("[data-testid='devices-close']").await?;
        self.w.wait_no_dialog().await
    }

    /// Clicks Sync now and waits until it answers.
    pub async fn sync_now(&self) -> Result {
        self.w
            .click("[data-testid='devices-sync-now']:not([disabled])")
            .await?;
        // A pass already running (the one a few seconds after an edit) is followed by another.
        self.w
            .wait_text_long("[data-testid='devices-note']", "the pass's end", |t| {
                t.starts_with("Synced") || t.starts_with("A sync is running")
            })
            .await?;
        Ok(())
    }

    /// Waits until what is left to send passes `ok`.
    pub async fn wait_pending(&self, what: &str, ok: impl Fn(&str) -> bool) -> Result<String> {
        self.w
            .wait_text_long("[data-testid='devices-pending']", what, ok)
            .await
    }

    /// Waits until the list of the other devices passes `ok`; returns it.
    pub async fn wait_others(&self, what: &str, ok: impl Fn(&str) -> bool) -> Result<String> {
        self.w
            .wait_text_long("[data-testid='devices-others']", what, ok)
            .await
    }

    /// Stops syncing (after the confirmation).
    pub async fn forget(&self) -> Result {
        self.w.click("[data-testid='devices-forget']").await?;
        self.w.click("[data-testid='devices-forget-confirm']").await
    }
}
