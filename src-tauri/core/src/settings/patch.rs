//! A change to the settings, section by section. Each section is the group of fields one panel of
//! the window (or one CLI command) edits together; a patch names only the fields to change, and
//! every other field keeps the value in the file at the moment of writing (not a copy the caller
//! read earlier).
//!
//! In JSON (what a window sends), per field:
//! - absent: leave it as it is;
//! - a value: set it;
//! - `null`, for a field that may be unset (`email_to`, `smtp_port`, `healthcheck_url`, …): clear
//!   it. In Rust these fields are `Option<Option<T>>`: `None` leaves, `Some(None)` clears,
//!   `Some(Some(v))` sets. (For the other fields `null` means the same as absent.)
//!
//! Unknown section or field names are refused, so a misspelt field is an error, not a no-op.

use serde::{Deserialize, Serialize};

use super::{Settings, SmtpSecurity};
use crate::units::Units;

/// One or more sections to change at once (written together, under one lock).
/// `{"strava": {"sync_interval_minutes": 30}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default, deny_unknown_fields)]
pub struct SettingsPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strava: Option<StravaPatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<DisplayPatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminders: Option<RemindersPatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailPatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsPatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watchdog: Option<WatchdogPatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices: Option<DevicesPatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import: Option<ImportPatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desktop: Option<DesktopPatch>,
}

/// The Strava panel: how often the background sync runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default, deny_unknown_fields)]
pub struct StravaPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_interval_minutes: Option<u32>,
}

/// How distances are written (reminders, and the CLI's default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default, deny_unknown_fields)]
pub struct DisplayPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<Units>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_warn_fraction: Option<f64>,
}

/// Which channels reminders take from this device, and how often they repeat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default, deny_unknown_fields)]
pub struct RemindersPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_native: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_email: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_sms: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nag_days: Option<u32>,
}

/// The mail server and addresses (the SMTP password is a secret, not a setting).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default, deny_unknown_fields)]
pub struct EmailPatch {
    #[serde(skip_serializing_if = "Option::is_none", with = "double_option")]
    #[cfg_attr(feature = "bindings", specta(type = Option<String>, optional))]
    pub email_to: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none", with = "double_option")]
    #[cfg_attr(feature = "bindings", specta(type = Option<String>, optional))]
    pub email_from: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none", with = "double_option")]
    #[cfg_attr(feature = "bindings", specta(type = Option<String>, optional))]
    pub smtp_host: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none", with = "double_option")]
    #[cfg_attr(feature = "bindings", specta(type = Option<u16>, optional))]
    pub smtp_port: Option<Option<u16>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_security: Option<SmtpSecurity>,
    #[serde(skip_serializing_if = "Option::is_none", with = "double_option")]
    #[cfg_attr(feature = "bindings", specta(type = Option<String>, optional))]
    pub smtp_user: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_digest: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest_hour: Option<u8>,
}

/// Twilio and the numbers (the auth token is a secret, not a setting).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default, deny_unknown_fields)]
pub struct SmsPatch {
    #[serde(skip_serializing_if = "Option::is_none", with = "double_option")]
    #[cfg_attr(feature = "bindings", specta(type = Option<String>, optional))]
    pub sms_to: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none", with = "double_option")]
    #[cfg_attr(feature = "bindings", specta(type = Option<String>, optional))]
    pub sms_from: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none", with = "double_option")]
    #[cfg_attr(feature = "bindings", specta(type = Option<String>, optional))]
    pub twilio_account_sid: Option<Option<String>>,
}

/// When a stale sync is reported, and the dead-man's switch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default, deny_unknown_fields)]
pub struct WatchdogPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale_sync_hours: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", with = "double_option")]
    #[cfg_attr(feature = "bindings", specta(type = Option<String>, optional))]
    pub healthcheck_url: Option<Option<String>>,
}

/// This device as the rider's other devices see it, and how often it syncs with them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default, deny_unknown_fields)]
pub struct DevicesPatch {
    /// Blank: the machine's host name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices_sync_minutes: Option<u32>,
}

/// The Import place: the folder whose new ride files are imported in the background.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default, deny_unknown_fields)]
pub struct ImportPatch {
    #[serde(skip_serializing_if = "Option::is_none", with = "double_option")]
    #[cfg_attr(feature = "bindings", specta(type = Option<String>, optional))]
    pub watched_folder: Option<Option<String>>,
}

/// The desktop app around the window: start at login, and what it has told the rider already.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(default, deny_unknown_fields)]
pub struct DesktopPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_at_login: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tray_notice_shown: Option<bool>,
}

/// `Some(v)` sets the field to `v`; `None` leaves it.
fn set<T>(field: &mut T, change: Option<T>) {
    if let Some(v) = change {
        *field = v;
    }
}

impl SettingsPatch {
    /// Applies every section given; the result still has to be validated.
    pub fn apply(self, s: &mut Settings) {
        let SettingsPatch {
            strava,
            display,
            reminders,
            email,
            sms,
            watchdog,
            devices,
            import,
            desktop,
        } = self;
        if let Some(p) = strava {
            p.apply(s);
        }
        if let Some(p) = display {
            p.apply(s);
        }
        if let Some(p) = reminders {
            p.apply(s);
        }
        if let Some(p) = email {
            p.apply(s);
        }
        if let Some(p) = sms {
            p.apply(s);
        }
        if let Some(p) = watchdog {
            p.apply(s);
        }
        if let Some(p) = devices {
            p.apply(s);
        }
        if let Some(p) = import {
            p.apply(s);
        }
        if let Some(p) = desktop {
            p.apply(s);
        }
    }

    /// A patch that sets every field to its value in `s`: a whole-file write, or, with some
    /// sections picked out of it, a panel that sends whole sections
    /// (`SettingsPatch { email: all.email, sms: all.sms, ..SettingsPatch::default() }`).
    /// Every field of [`Settings`] is in exactly one section; this takes them all apart, so a new
    /// field is an unused variable (an error under clippy's `-D warnings`) until it has a section.
    pub fn all(s: &Settings) -> SettingsPatch {
        let Settings {
            sync_interval_minutes,
            units,
            default_warn_fraction,
            notify_native,
            notify_email,
            notify_sms,
            nag_days,
            email_to,
            email_from,
            smtp_host,
            smtp_port,
            smtp_security,
            smtp_user,
            email_digest,
            digest_hour,
            sms_to,
            sms_from,
            twilio_account_sid,
            stale_sync_hours,
            healthcheck_url,
            device_name,
            devices_sync_minutes,
            watched_folder,
            start_at_login,
            tray_notice_shown,
        } = s.clone();
        SettingsPatch {
            strava: Some(StravaPatch {
                sync_interval_minutes: Some(sync_interval_minutes),
            }),
            display: Some(DisplayPatch {
                units: Some(units),
                default_warn_fraction: Some(default_warn_fraction),
            }),
            reminders: Some(RemindersPatch {
                notify_native: Some(notify_native),
                notify_email: Some(notify_email),
                notify_sms: Some(notify_sms),
                nag_days: Some(nag_days),
            }),
            email: Some(EmailPatch {
                email_to: Some(email_to),
                email_from: Some(email_from),
                smtp_host: Some(smtp_host),
                smtp_port: Some(smtp_port),
                smtp_security: Some(smtp_security),
                smtp_user: Some(smtp_user),
                email_digest: Some(email_digest),
                digest_hour: Some(digest_hour),
            }),
            sms: Some(SmsPatch {
                sms_to: Some(sms_to),
                sms_from: Some(sms_from),
                twilio_account_sid: Some(twilio_account_sid),
            }),
            watchdog: Some(WatchdogPatch {
                stale_sync_hours: Some(stale_sync_hours),
                healthcheck_url: Some(healthcheck_url),
            }),
            devices: Some(DevicesPatch {
                device_name: Some(device_name),
                devices_sync_minutes: Some(devices_sync_minutes),
            }),
            import: Some(ImportPatch {
                watched_folder: Some(watched_folder),
            }),
            desktop: Some(DesktopPatch {
                start_at_login: Some(start_at_login),
                tray_notice_shown: Some(tray_notice_shown),
            }),
        }
    }
}

impl StravaPatch {
    pub fn apply(self, s: &mut Settings) {
        set(&mut s.sync_interval_minutes, self.sync_interval_minutes);
    }
}

impl DisplayPatch {
    pub fn apply(self, s: &mut Settings) {
        set(&mut s.units, self.units);
        set(&mut s.default_warn_fraction, self.default_warn_fraction);
    }
}

impl RemindersPatch {
    pub fn apply(self, s: &mut Settings) {
        set(&mut s.notify_native, self.notify_native);
        set(&mut s.notify_email, self.notify_email);
        set(&mut s.notify_sms, self.notify_sms);
        set(&mut s.nag_days, self.nag_days);
    }
}

impl EmailPatch {
    pub fn apply(self, s: &mut Settings) {
        set(&mut s.email_to, self.email_to);
        set(&mut s.email_from, self.email_from);
        set(&mut s.smtp_host, self.smtp_host);
        set(&mut s.smtp_port, self.smtp_port);
        set(&mut s.smtp_security, self.smtp_security);
        set(&mut s.smtp_user, self.smtp_user);
        set(&mut s.email_digest, self.email_digest);
        set(&mut s.digest_hour, self.digest_hour);
    }
}

impl SmsPatch {
    pub fn apply(self, s: &mut Settings) {
        set(&mut s.sms_to, self.sms_to);
        set(&mut s.sms_from, self.sms_from);
        set(&mut s.twilio_account_sid, self.twilio_account_sid);
    }
}

impl WatchdogPatch {
    pub fn apply(self, s: &mut Settings) {
        set(&mut s.stale_sync_hours, self.stale_sync_hours);
        set(&mut s.healthcheck_url, self.healthcheck_url);
    }
}

impl DevicesPatch {
    pub fn apply(self, s: &mut Settings) {
        set(&mut s.device_name, self.device_name);
        set(&mut s.devices_sync_minutes, self.devices_sync_minutes);
    }
}

impl ImportPatch {
    pub fn apply(self, s: &mut Settings) {
        set(&mut s.watched_folder, self.watched_folder);
    }
}

impl DesktopPatch {
    pub fn apply(self, s: &mut Settings) {
        set(&mut s.start_at_login, self.start_at_login);
        set(&mut s.tray_notice_shown, self.tray_notice_shown);
    }
}

// A single section is a whole patch: `settings::update(dir, StravaPatch { … })`.

impl From<StravaPatch> for SettingsPatch {
    fn from(p: StravaPatch) -> Self {
        SettingsPatch {
            strava: Some(p),
            ..SettingsPatch::default()
        }
    }
}

impl From<DisplayPatch> for SettingsPatch {
    fn from(p: DisplayPatch) -> Self {
        SettingsPatch {
            display: Some(p),
            ..SettingsPatch::default()
        }
    }
}

impl From<RemindersPatch> for SettingsPatch {
    fn from(p: RemindersPatch) -> Self {
        SettingsPatch {
            reminders: Some(p),
            ..SettingsPatch::default()
        }
    }
}

impl From<EmailPatch> for SettingsPatch {
    fn from(p: EmailPatch) -> Self {
        SettingsPatch {
            email: Some(p),
            ..SettingsPatch::default()
        }
    }
}

impl From<SmsPatch> for SettingsPatch {
    fn from(p: SmsPatch) -> Self {
        SettingsPatch {
            sms: Some(p),
            ..SettingsPatch::default()
        }
    }
}

impl From<WatchdogPatch> for SettingsPatch {
    fn from(p: WatchdogPatch) -> Self {
        SettingsPatch {
            watchdog: Some(p),
            ..SettingsPatch::default()
        }
    }
}

impl From<ImportPatch> for SettingsPatch {
    fn from(p: ImportPatch) -> Self {
        SettingsPatch {
            import: Some(p),
            ..SettingsPatch::default()
        }
    }
}

impl From<DevicesPatch> for SettingsPatch {
    fn from(p: DevicesPatch) -> Self {
        SettingsPatch {
            devices: Some(p),
            ..SettingsPatch::default()
        }
    }
}

impl From<DesktopPatch> for SettingsPatch {
    fn from(p: DesktopPatch) -> Self {
        SettingsPatch {
            desktop: Some(p),
            ..SettingsPatch::default()
        }
    }
}

/// Serde for a field that may be absent (leave), `null` (clear) or a value (set). With
/// `#[serde(default, skip_serializing_if = "Option::is_none")]` on the field: serde only calls
/// `deserialize` for a field that is present, so absent stays `None`.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(json: &str) -> SettingsPatch {
        serde_json::from_str(json).unwrap()
    }

    /// Every field away from its default.
    fn everything_set() -> Settings {
        Settings {
            sync_interval_minutes: 30,
            units: Units::Imperial,
            default_warn_fraction: 0.7,
            notify_native: false,
            notify_email: true,
            notify_sms: true,
            nag_days: 3,
            email_to: Some("rider@example.org".into()),
            email_from: Some("bike@example.org".into()),
            smtp_host: Some("mail.example.org".into()),
            smtp_port: Some(2525),
            smtp_security: SmtpSecurity::Tls,
            smtp_user: Some("rider".into()),
            email_digest: true,
            digest_hour: 7,
            sms_to: Some("+447700900123".into()),
            sms_from: Some("+15005550006".into()),
            twilio_account_sid: Some("AC1".into()),
            stale_sync_hours: 72,
            healthcheck_url: Some("https://hc-ping.com/x".into()),
            device_name: "Laptop".into(),
            devices_sync_minutes: 5,
            watched_folder: Some("/media/rider/GARMIN/Garmin/Activities".into()),
            start_at_login: true,
            tray_notice_shown: true,
        }
    }

    #[test]
    fn only_the_fields_named_change() {
        let before = everything_set();
        let mut s = before.clone();
        patch(r#"{"reminders": {"notify_email": false}, "devices": {"device_name": "Desk"}}"#)
            .apply(&mut s);
        assert_eq!(
            s,
            Settings {
                notify_email: false,
                device_name: "Desk".into(),
                ..before
            }
        );
    }

    #[test]
    fn absent_leaves_null_clears_and_a_value_sets() {
        let mut s = everything_set();
        patch(r#"{"email": {"email_to": null, "smtp_host": "smtp.example.org"}, "watchdog": {}}"#)
            .apply(&mut s);
        assert_eq!(s.email_to, None, "null clears");
        assert_eq!(s.smtp_host.as_deref(), Some("smtp.example.org"));
        assert_eq!(s.email_from.as_deref(), Some("bike@example.org"), "absent");
        assert_eq!(s.smtp_port, Some(2525), "absent");
        assert_eq!(s.healthcheck_url.as_deref(), Some("https://hc-ping.com/x"));

        patch(r#"{"email": {"smtp_port": null}, "reminders": {"nag_days": null}}"#).apply(&mut s);
        assert_eq!(s.smtp_port, None, "a port clears too");
        assert_eq!(
            s.nag_days, 3,
            "null on a field that cannot be unset leaves it"
        );
    }

    #[test]
    fn a_patch_goes_through_json_unchanged_and_says_only_what_changes() {
        let p = SettingsPatch {
            email: Some(EmailPatch {
                email_to: Some(None),
                smtp_host: Some(Some("h".into())),
                ..EmailPatch::default()
            }),
            strava: Some(StravaPatch {
                sync_interval_minutes: Some(30),
            }),
            ..SettingsPatch::default()
        };
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "strava": {"sync_interval_minutes": 30},
                "email": {"email_to": null, "smtp_host": "h"}
            })
        );
        assert_eq!(serde_json::from_value::<SettingsPatch>(json).unwrap(), p);
    }

    #[test]
    fn start_at_login_is_the_desktop_sections_and_leaves_the_notice_alone() {
        let mut s = Settings {
            tray_notice_shown: true,
            ..Settings::default()
        };
        patch(r#"{"desktop": {"start_at_login": true}}"#).apply(&mut s);
        assert!(s.start_at_login);
        assert!(s.tray_notice_shown, "absent leaves it");
        patch(r#"{"desktop": {"start_at_login": false}}"#).apply(&mut s);
        assert!(!s.start_at_login);
    }

    #[test]
    fn misspelt_sections_and_fields_are_refused() {
        assert!(serde_json::from_str::<SettingsPatch>(r#"{"stava": {}}"#).is_err());
        assert!(
            serde_json::from_str::<SettingsPatch>(r#"{"strava": {"sync_interval": 30}}"#).is_err()
        );
    }

    #[test]
    fn the_sections_together_cover_every_field() {
        let s = everything_set();
        let mut from_defaults = Settings::default();
        SettingsPatch::all(&s).apply(&mut from_defaults);
        assert_eq!(from_defaults, s);
    }

    #[test]
    fn one_section_is_a_whole_patch() {
        let p: SettingsPatch = DisplayPatch {
            units: Some(Units::Imperial),
            ..DisplayPatch::default()
        }
        .into();
        let mut s = Settings::default();
        p.apply(&mut s);
        assert_eq!(s.units, Units::Imperial);
        assert_eq!(
            Settings {
                units: Units::Metric,
                ..s
            },
            Settings::default()
        );
    }
}
