//! The checks a rider's values must pass before they are written.

use super::{
    Settings, MAX_NAG_DAYS, MAX_STALE_SYNC_HOURS, MAX_SYNC_INTERVAL_MINUTES,
    MIN_SYNC_INTERVAL_MINUTES,
};
use crate::error::{Error, Result};
use crate::validate;

impl Settings {
    /// Checks values a rider typed; the message says what is allowed.
    pub fn validated(self) -> Result<Settings> {
        if !(MIN_SYNC_INTERVAL_MINUTES..=MAX_SYNC_INTERVAL_MINUTES)
            .contains(&self.sync_interval_minutes)
        {
            return Err(Error::Invalid(format!(
                "the sync interval must be between {MIN_SYNC_INTERVAL_MINUTES} minutes and {} hours (Strava's rate limit is shared by every sync of your app)",
                MAX_SYNC_INTERVAL_MINUTES / 60
            )));
        }
        validate::fraction("the default warning point", self.default_warn_fraction)?;
        if self.digest_hour > 23 {
            return Err(Error::Invalid(format!(
                "the digest hour must be between 0 and 23, not {}",
                self.digest_hour
            )));
        }
        if self.nag_days > MAX_NAG_DAYS {
            return Err(Error::Invalid(format!(
                "remind again every 1 to {MAX_NAG_DAYS} days, or 0 for never (not {})",
                self.nag_days
            )));
        }
        if !(1..=MAX_STALE_SYNC_HOURS).contains(&self.stale_sync_hours) {
            return Err(Error::Invalid(format!(
                "warn about a stale Strava sync after 1 to {MAX_STALE_SYNC_HOURS} hours, not {}",
                self.stale_sync_hours
            )));
        }
        if !(1..=24 * 60).contains(&self.devices_sync_minutes) {
            return Err(Error::Invalid(format!(
                "sync with your other devices every 1 minute to 24 hours, not {} minutes",
                self.devices_sync_minutes
            )));
        }
        if self.device_name.trim().chars().count() > 60 {
            return Err(Error::invalid("a device name is at most 60 characters"));
        }
        if self.smtp_port == Some(0) {
            return Err(Error::invalid("the SMTP port must be between 1 and 65535"));
        }
        let mut s = self;
        s.email_to = optional(s.email_to, |v| validate::email("the email address", v))?;
        s.email_from = optional(s.email_from, |v| validate::email("the sender address", v))?;
        s.sms_to = optional(s.sms_to, |v| validate::phone("the phone number", v))?;
        s.sms_from = optional(s.sms_from, |v| validate::phone("the Twilio number", v))?;
        s.smtp_host = optional(s.smtp_host, |v| Ok(v.trim().to_owned()))?;
        s.smtp_user = optional(s.smtp_user, |v| Ok(v.trim().to_owned()))?;
        s.twilio_account_sid = optional(s.twilio_account_sid, |v| Ok(v.trim().to_owned()))?;
        s.healthcheck_url = optional(s.healthcheck_url, |v| {
            let v = v.trim();
            match url::Url::parse(v) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(v.to_owned()),
                _ => Err(Error::Invalid(format!(
                    "the healthcheck URL must be an http:// or https:// address (e.g. https://hc-ping.com/<uuid>), not '{v}'"
                ))),
            }
        })?;
        s.watched_folder = optional(s.watched_folder, |v| {
            let v = v.trim();
            if std::path::Path::new(v).is_absolute() {
                Ok(v.to_owned())
            } else {
                Err(Error::Invalid(format!(
                    "the watched folder must be a whole path (such as /media/you/GARMIN/Garmin/Activities), not '{v}'"
                )))
            }
        })?;
        Ok(s)
    }
}

/// Blank text means "not set".
fn optional(
    value: Option<String>,
    check: impl FnOnce(&str) -> Result<String>,
) -> Result<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => check(&v).map(Some),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_settings_are_checked_and_blank_means_unset() {
        let ok = Settings {
            email_to: Some(" rider@example.org ".into()),
            sms_to: Some("+44 7700 900123".into()),
            smtp_host: Some("  ".into()),
            ..Settings::default()
        }
        .validated()
        .unwrap();
        assert_eq!(ok.email_to.as_deref(), Some("rider@example.org"));
        assert_eq!(ok.sms_to.as_deref(), Some("+447700900123"));
        assert_eq!(ok.smtp_host, None);
        let bad_phone = Settings {
            sms_to: Some("07700 900123".into()),
            ..Settings::default()
        };
        assert!(bad_phone
            .validated()
            .unwrap_err()
            .to_string()
            .contains("E.164"));
        let bad_hour = Settings {
            digest_hour: 24,
            ..Settings::default()
        };
        assert!(bad_hour.validated().is_err());
    }

    #[test]
    fn a_watched_folder_is_a_whole_path_and_blank_means_none() {
        let ok = Settings {
            watched_folder: Some(" /media/rider/GARMIN ".into()),
            ..Settings::default()
        }
        .validated()
        .unwrap();
        assert_eq!(ok.watched_folder.as_deref(), Some("/media/rider/GARMIN"));
        let blank = Settings {
            watched_folder: Some("  ".into()),
            ..Settings::default()
        };
        assert_eq!(blank.validated().unwrap().watched_folder, None);
        let relative = Settings {
            watched_folder: Some("Activities".into()),
            ..Settings::default()
        };
        assert!(relative
            .validated()
            .unwrap_err()
            .to_string()
            .contains("whole path"));
    }

    #[test]
    fn a_sync_interval_under_a_quarter_hour_is_refused() {
        assert!(Settings {
            sync_interval_minutes: 5,
            ..Settings::default()
        }
        .validated()
        .is_err());
    }
}
