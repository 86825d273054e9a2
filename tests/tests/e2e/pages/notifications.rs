//! The Notifications panel: a check by hand, each channel's counts and failures, a test message
//! per channel, the email settings.

use std::time::{Duration, Instant};

use crate::window::{Result, Window, WAIT};

pub struct NotificationsPanel<'a> {
    w: Window<'a>,
}

impl<'a> NotificationsPanel<'a> {
    pub fn new(w: Window<'a>) -> NotificationsPanel<'a> {
        NotificationsPanel { w }
    }

    /// Runs a check now; returns what it says it found.
    pub async fn check_now(&self) -> Result<String> {
        self.w.click("[data-testid='check-now']").await?;
        self.w
            .wait_text("[data-testid='check-note']", "the check's result", |t| {
                !t.is_empty()
            })
            .await
    }

    /// Waits until the counts of `channel` (notification, email, sms) pass `ok`.
    pub async fn wait_stats(
        &self,
        channel: &str,
        what: &str,
        ok: impl Fn(&str) -> bool,
    ) -> Result<String> {
        self.w
            .wait_text(&format!("[data-testid='stats-{channel}']"), what, ok)
            .await
    }

    /// Waits until the failure shown for `channel` passes `ok`.
    pub async fn wait_failing(
        &self,
        channel: &str,
        what: &str,
        ok: impl Fn(&str) -> bool,
    ) -> Result<String> {
        self.w
            .wait_text(&format!("[data-testid='failing-{channel}']"), what, ok)
            .await
    }

    /// Scrolls the panel back to its top.
    pub async fn scroll_to_top(&self) -> Result {
        self.w
            .execute(
                "document.querySelector(\"[data-testid='notifications-panel']\").scrollTop = 0",
                vec![],
            )
            .await?;
        Ok(())
    }

    /// Sends a test message on `channel`; returns what the panel says came of it.
    pub async fn send_test(&self, channel: &str) -> Result<String> {
        self.w
            .click(&format!("[data-testid='send-test-{channel}']"))
            .await?;
        self.w
            .wait_text(
                &format!("[data-testid='test-result-{channel}']"),
                "the test's result",
                |t| !t.trim().is_empty(),
            )
            .await
    }

    pub async fn type_smtp_password(&self, password: &str) -> Result {
        self.w
            .type_into("[data-testid='smtp-password']", password)
            .await
    }

    pub async fn save(&self) -> Result {
        self.w.click("[data-testid='save-notifications']").await
    }

    /// Waits until the password field says a password is stored.
    pub async fn wait_password_stored(&self) -> Result {
        let deadline = Instant::now() + WAIT;
        loop {
            let field = self.w.find("[data-testid='smtp-password']").await?;
            let placeholder = field.attr("placeholder").await?.unwrap_or_default();
            if placeholder.contains("stored") {
                return Ok(());
            }
            assert!(
                Instant::now() < deadline,
                "the password was not stored: {placeholder}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
