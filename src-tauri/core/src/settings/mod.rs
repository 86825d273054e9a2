//! Device-local preferences: `settings.json` in the data folder, one flat JSON object of
//! key → value, shared by the app, the CLI and `serve` on this device (the rider's garage itself,
//! and what every device shares, is in the database). Secrets never go here (see `secrets`).
//!
//! - [`Settings`] (`mod.rs`) is the schema, with every default: a missing file or key means the
//!   default, and the field names are the file's keys, so installs of every version read the
//!   same file. Keys this version does not know are kept when it writes.
//! - `validate.rs`: [`Settings::validated`] checks values a rider typed; the message says what is
//!   allowed.
//! - `patch.rs`: how a change is said. The settings come in sections, the groups of fields the
//!   window's panels and the CLI edit together ([`StravaPatch`], [`DisplayPatch`],
//!   [`RemindersPatch`], [`EmailPatch`], [`SmsPatch`], [`WatchdogPatch`], [`DevicesPatch`],
//!   [`ImportPatch`], [`DesktopPatch`]); a
//!   [`SettingsPatch`] carries one or more of them, and only the fields it names change. So a
//!   panel holding stale values for another section cannot write them back.
//! - `file.rs`: the one writer. [`update`] takes an exclusive lock on `settings.json.lock` beside
//!   the file (a lock between processes: the app, the CLI and `serve` may write at once), reads
//!   the file again, applies the patch, validates, writes a temporary file of its own and renames
//!   it over `settings.json`, then lets go. Readers ([`load`]) need no lock: a rename is atomic, so
//!   they see the old file or the new one, never half of one. A damaged file is an error, never
//!   silently the defaults (the next write would wipe the rider's choices).
//!
//! Environment variables that override a setting ([`crate::env::SMTP_URL`],
//! [`crate::env::HEALTHCHECK_URL`], …) are not applied here: they live in [`crate::env`], a
//! snapshot read once at start, and the module that uses a setting weighs the two. Nothing
//! written here ever comes from the environment.

mod file;
mod patch;
mod validate;

pub use file::{default_units, load, path, update, FILE, LOCK_FILE};
pub use patch::{
    DesktopPatch, DevicesPatch, DisplayPatch, EmailPatch, ImportPatch, RemindersPatch,
    SettingsPatch, SmsPatch, StravaPatch, WatchdogPatch,
};

use serde::{Deserialize, Serialize};

use crate::units::Units;

/// A new rule warns ("due soon") from this share of its interval unless the settings or the rule
/// say otherwise.
pub const DEFAULT_WARN_FRACTION: f64 = 0.8;

/// Every device setting, with its default when the file or the key is missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default)]
pub struct Settings {
    /// Minutes between background Strava syncs (the app and `serve`).
    pub sync_interval_minutes: u32,
    /// The units reminders are written in.
    pub units: Units,
    /// The share of its interval at which a new rule starts warning ("due soon"), unless the
    /// rider sets one on the rule: one added in the window, by `rule add`, or a preset's rules.
    pub default_warn_fraction: f64,

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

    /// A folder whose new ride files the app imports in the background (a head unit's USB mount,
    /// a synced folder); none: no watched folder. An absolute path on this device.
    pub watched_folder: Option<String>,
    /// The desktop app starts (in the tray, without its window) when the rider logs in. The app
    /// makes the login entry match it (on Linux an XDG autostart file); phones ignore it.
    pub start_at_login: bool,
    /// The desktop app has said once that closing its window leaves it running in the tray.
    pub tray_notice_shown: bool,
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
            default_warn_fraction: DEFAULT_WARN_FRACTION,
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
            watched_folder: None,
            start_at_login: false,
            tray_notice_shown: false,
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
    pub fn sync_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.sync_interval_minutes) * 60)
    }
}
