//! Device-local preferences, in `settings.json` in the data folder: the file the app's
//! tauri-plugin-store writes (a JSON object of key → value). The schema is defined here once, so
//! the CLI reads exactly what the app wrote. Secrets never go here (see `secrets`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::units::Units;
use crate::validate;

pub const FILE: &str = "settings.json";

/// Writes the settings (the CLI and tests; the app writes through tauri-plugin-store), atomically:
/// a temporary file renamed over the old one. Keys this version does not know are kept.
pub fn save(data_dir: &Path, settings: &Settings) -> Result<()> {
    let path = path(data_dir);
    let io = |source| Error::Io {
        action: "write the settings file",
        path: path.clone(),
        source,
    };
    let mut all: serde_json::Map<String, serde_json::Value> = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Err(_) => serde_json::Map::new(),
    };
    if let serde_json::Value::Object(ours) = serde_json::to_value(settings)
        .map_err(|e| Error::Invalid(format!("could not encode the settings: {e}")))?
    {
        all.extend(ours);
    }
    let text = serde_json::to_vec_pretty(&all)
        .map_err(|e| Error::Invalid(format!("could not encode the settings: {e}")))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)
}

/// Every device setting, with its default when the file or the key is missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default)]
pub struct Settings {
    /// Minutes between background Strava syncs (the app and `serve`).
    pub sync_interval_minutes: u32,
    /// The units reminders are written in.
    pub units: Units,

    /// Reminders as desktop / mobile notifications on this device (shown by the app).
    pub notify_native: bool,
    /// Forward reminders by email from this device.
    pub notify_email: bool,
    /// Forward reminders by SMS from this device.
    pub notify_sms: bool,
    /// "Remind me again every N days while a part is due"; 0 = never (the default).
    pub nag_days: u32,

    /// Where reminder emails go.
    pub email_to: Option<String>,
    /// The sender address; the SMTP user when it is an address, else `email_to`.
    pub email_from: Option<String>,
    pub smtp_host: Option<String>,
    /// Default: 587 for STARTTLS, 465 for implicit TLS, 25 for plain.
    pub smtp_port: Option<u16>,
    pub smtp_security: SmtpSecurity,
    /// The SMTP login; its password is in the keyring (`secrets::SMTP_PASSWORD`), never here.
    pub smtp_user: Option<String>,
    /// One email a day with the day's reminders instead of one email each.
    pub email_digest: bool,
    /// Local hour (0–23) the daily digest goes out.
    pub digest_hour: u8,

    /// Where reminder texts go (E.164, e.g. +447700900123).
    pub sms_to: Option<String>,
    /// The Twilio number texts come from (E.164).
    pub sms_from: Option<String>,
    /// The Twilio Account SID; its auth token is in the keyring (`secrets::TWILIO_AUTH_TOKEN`).
    pub twilio_account_sid: Option<String>,

    /// Hours without a successful Strava sync, while connected, before the watchdog warns.
    pub stale_sync_hours: u32,
    /// A dead-man's switch (healthchecks.io, Uptime Kuma push, …): GET after every background
    /// cycle of the app or `serve`, with `/fail` appended when the cycle ended unhealthy.
    pub healthcheck_url: Option<String>,

    /// The name this device shows the rider's other devices; blank = the machine's host name.
    pub device_name: String,
    /// Minutes between background device syncs (besides syncing soon after every change).
    pub devices_sync_minutes: u32,
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte ("SMTPS", port 465).
    Tls,
    /// No encryption: only to a server on this machine (a local relay).
    Plain,
}

impl SmtpSecurity {
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Plain => 25,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::Starttls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::Plain => "plain",
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sync_interval_minutes: 60,
            units: Units::Metric,
            notify_native: true,
            notify_email: false,
            notify_sms: false,
            nag_days: 0,
            email_to: None,
            email_from: None,
            smtp_host: None,
            smtp_port: None,
            smtp_security: SmtpSecurity::Starttls,
            smtp_user: None,
            email_digest: false,
            digest_hour: DEFAULT_DIGEST_HOUR,
            sms_to: None,
            sms_from: None,
            twilio_account_sid: None,
            stale_sync_hours: DEFAULT_STALE_SYNC_HOURS,
            healthcheck_url: None,
            device_name: String::new(),
            devices_sync_minutes: DEFAULT_DEVICES_SYNC_MINUTES,
        }
    }
}

pub const DEFAULT_DIGEST_HOUR: u8 = 18;
pub const DEFAULT_DEVICES_SYNC_MINUTES: u32 = 15;
pub const DEFAULT_STALE_SYNC_HOURS: u32 = 48;
pub const MAX_STALE_SYNC_HOURS: u32 = 30 * 24;
pub const MAX_NAG_DAYS: u32 = 365;

pub const MIN_SYNC_INTERVAL_MINUTES: u32 = 15;
pub const MAX_SYNC_INTERVAL_MINUTES: u32 = 24 * 60;

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
        Ok(s)
    }

    pub fn sync_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.sync_interval_minutes) * 60)
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

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// Reads the settings; a missing file means defaults. A file that cannot be read is an error
/// (never silently replaced by defaults: the next save would wipe the rider's choices).
pub fn load(data_dir: &Path) -> Result<Settings> {
    let path = path(data_dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::Invalid(format!(
                "the settings file {} is not valid JSON ({e}); fix or delete it",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
        Err(source) => Err(Error::Io {
            action: "read the settings file",
            path,
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_and_keys_mean_defaults_and_unknown_keys_are_kept_out() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), Settings::default());
        std::fs::write(
            path(dir.path()),
            r#"{"sync_interval_minutes": 30, "ui_theme": "dark"}"#,
        )
        .unwrap();
        assert_eq!(load(dir.path()).unwrap().sync_interval_minutes, 30);
        std::fs::write(path(dir.path()), "{").unwrap();
        assert!(load(dir.path()).is_err());
        assert!(Settings {
            sync_interval_minutes: 5,
            ..Settings::default()
        }
        .validated()
        .is_err());
    }

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
    fn saving_keeps_keys_this_version_does_not_know() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(path(dir.path()), r#"{"ui_theme": "dark"}"#).unwrap();
        let s = Settings {
            notify_email: true,
            ..Settings::default()
        };
        save(dir.path(), &s).unwrap();
        assert_eq!(load(dir.path()).unwrap(), s);
        let raw: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path(dir.path())).unwrap()).unwrap();
        assert_eq!(raw["ui_theme"], "dark");
    }
}
