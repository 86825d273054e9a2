//! Every environment variable Pedalwrencher reads, named once, and a snapshot of them read once.
//!
//! The variables are for headless use (`serve` on a server), for tests and for power users; the
//! window never needs them. Each constant says what its variable does and what applies when it is
//! unset. Modules read them through [`env()`], the snapshot taken the first time it is asked for
//! (in practice at start-up), so one run sees one set of values and a test can build its own with
//! [`Env::from_pairs`] instead of changing the process's environment.
//!
//! A value that is blank (only whitespace) counts as unset everywhere, as does one that is not
//! UTF-8 (except [`DATA_DIR`], a path, which is kept as the OS gave it).
//!
//! This module is a leaf: it uses nothing else in the crate, so any module may use it.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

// --- Where things are -------------------------------------------------------------------------

/// The data folder (database, settings, secrets file). Default: the platform's data folder for
/// the app (`~/.local/share/app.pedalwrencher` on Linux), the one the app uses too.
pub const DATA_DIR: &str = "PEDALWRENCHER_DATA_DIR";
/// The CLI's units, `metric` or `imperial` (what `--units` sets). Default: metric.
pub const UNITS: &str = "PEDALWRENCHER_UNITS";
/// The app's log filter, in `tracing` syntax (`debug`, `pedalwrencher=trace`). Default: `info`.
pub const LOG: &str = "PEDALWRENCHER_LOG";
/// Where secrets are kept: `keyring` (the OS keyring, an error when it does not answer) or `file`
/// (a private file in the data folder). Default: the keyring when it answers, else the file.
pub const SECRETS: &str = "PEDALWRENCHER_SECRETS";

// --- Strava -----------------------------------------------------------------------------------

/// Strava's address (`{url}/oauth/…`, `{url}/api/v3/…`). Default: `https://www.strava.com`.
pub const STRAVA_URL: &str = "PEDALWRENCHER_STRAVA_URL";
/// The rider's Strava API application's Client ID. Default: the one given when connecting.
pub const STRAVA_CLIENT_ID: &str = "PEDALWRENCHER_STRAVA_CLIENT_ID";
/// That application's Client Secret. Default: the one kept in the secret store when connecting.
pub const STRAVA_CLIENT_SECRET: &str = "PEDALWRENCHER_STRAVA_CLIENT_SECRET";
/// A refresh token; with the client id and secret it connects a headless server without the
/// browser. Default: the one kept in the secret store.
pub const STRAVA_REFRESH_TOKEN: &str = "PEDALWRENCHER_STRAVA_REFRESH_TOKEN";
/// Test-only: the length of Strava's short rate-limit window in ms, to match a fake's.
/// Default: 15 minutes.
pub const STRAVA_RATE_WINDOW_MS: &str = "PEDALWRENCHER_STRAVA_RATE_WINDOW_MS";
/// Test-only: the first retry delay of a Strava request in ms. Default: 2 seconds.
pub const STRAVA_BACKOFF_MS: &str = "PEDALWRENCHER_STRAVA_BACKOFF_MS";
/// Test-only: how long one Strava request may take in ms. Default: 30 seconds.
pub const STRAVA_TIMEOUT_MS: &str = "PEDALWRENCHER_STRAVA_TIMEOUT_MS";

// --- Reminders by email and SMS (each overrides its setting) ----------------------------------

/// The mail server, `smtp://user:pass@host:port` (plain: this machine only),
/// `smtp://…?tls=required` (STARTTLS) or `smtps://…` (implicit TLS); set, it turns email on.
/// Default: the Notifications settings.
pub const SMTP_URL: &str = "PEDALWRENCHER_SMTP_URL";
/// A PEM file of extra CAs to trust for the mail server. Default: the built-in web roots only.
pub const SMTP_CA_FILE: &str = "PEDALWRENCHER_SMTP_CA_FILE";
/// The sender address. Default: the setting, else the SMTP user when it is an address, else the
/// recipient.
pub const EMAIL_FROM: &str = "PEDALWRENCHER_EMAIL_FROM";
/// Where reminder emails go; set, it turns email on. Default: the setting.
pub const EMAIL_TO: &str = "PEDALWRENCHER_EMAIL_TO";
/// Twilio's API root. Default: `https://api.twilio.com`.
pub const TWILIO_URL: &str = "PEDALWRENCHER_TWILIO_URL";
/// The Twilio Account SID; set, it turns SMS on. Default: the setting.
pub const TWILIO_ACCOUNT_SID: &str = "PEDALWRENCHER_TWILIO_ACCOUNT_SID";
/// The Twilio auth token. Default: the one in the secret store.
pub const TWILIO_AUTH_TOKEN: &str = "PEDALWRENCHER_TWILIO_AUTH_TOKEN";
/// The Twilio number texts come from (E.164). Default: the setting.
pub const SMS_FROM: &str = "PEDALWRENCHER_SMS_FROM";
/// Where reminder texts go (E.164); set, it turns SMS on. Default: the setting.
pub const SMS_TO: &str = "PEDALWRENCHER_SMS_TO";
/// Test-only: the first retry delay of a failed delivery in ms. Default: one minute.
pub const DELIVERY_BACKOFF_MS: &str = "PEDALWRENCHER_DELIVERY_BACKOFF_MS";
/// Test-only: how long a claim on a delivery lasts in ms. Default: five minutes.
pub const DELIVERY_CLAIM_MS: &str = "PEDALWRENCHER_DELIVERY_CLAIM_MS";

/// The variables that override a Notifications setting (the window lists those that are set).
pub const DELIVERY: [&str; 9] = [
    SMTP_URL,
    SMTP_CA_FILE,
    EMAIL_FROM,
    EMAIL_TO,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    SMS_FROM,
    SMS_TO,
    TWILIO_URL,
];

// --- Watchdog ---------------------------------------------------------------------------------

/// A dead-man's switch pinged after every background cycle (`/fail` appended when unhealthy).
/// Default: the `healthcheck_url` setting.
pub const HEALTHCHECK_URL: &str = "PEDALWRENCHER_HEALTHCHECK_URL";
/// Hours without a Strava sync before the watchdog warns; may be fractional (tests).
/// Default: the `stale_sync_hours` setting (48).
pub const STALE_SYNC_HOURS: &str = "PEDALWRENCHER_STALE_SYNC_HOURS";

// --- Device sync ------------------------------------------------------------------------------

/// Where this device syncs to (a folder, WebDAV or S3 URL). Default: what `devices setup` (or
/// the app's Devices section) stored in the secret store; unset there too: no device sync.
pub const SYNC_URL: &str = "PEDALWRENCHER_SYNC_URL";
/// The sync passphrase. Default: the one stored with the URL.
pub const SYNC_PASSPHRASE: &str = "PEDALWRENCHER_SYNC_PASSPHRASE";
/// An S3 target's access key id when its URL has none (the AWS tools' own name).
/// Default: the key in the URL.
pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// An S3 target's secret key when its URL has none (the AWS tools' own name).
/// Default: the secret in the URL.
pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";

// --- The app's loop and crash tests -----------------------------------------------------------

/// Test-only: the app's background cycle period in ms (at least 100). Default: the Strava sync
/// interval setting.
pub const CYCLE_MS: &str = "PEDALWRENCHER_CYCLE_MS";
/// Test-only, debug builds: `NAME` or `NAME:N` aborts the process the N-th time (default: the
/// first) it passes the fault point `NAME` (see `faults`). Default: never.
pub const ABORT_AT: &str = "PEDALWRENCHER_ABORT_AT";

/// Every variable the product reads, in the order they are documented above.
pub const ALL: [&str; 30] = [
    DATA_DIR,
    UNITS,
    LOG,
    SECRETS,
    STRAVA_URL,
    STRAVA_CLIENT_ID,
    STRAVA_CLIENT_SECRET,
    STRAVA_REFRESH_TOKEN,
    STRAVA_RATE_WINDOW_MS,
    STRAVA_BACKOFF_MS,
    STRAVA_TIMEOUT_MS,
    SMTP_URL,
    SMTP_CA_FILE,
    EMAIL_FROM,
    EMAIL_TO,
    TWILIO_URL,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    SMS_FROM,
    SMS_TO,
    DELIVERY_BACKOFF_MS,
    DELIVERY_CLAIM_MS,
    HEALTHCHECK_URL,
    STALE_SYNC_HOURS,
    SYNC_URL,
    SYNC_PASSPHRASE,
    AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY,
    CYCLE_MS,
    ABORT_AT,
];

// --- The tests' own (read by test code only, never by the product or the snapshot) ---------

/// The CLI binary the integration tests run (an older build's, for upgrade tests).
/// Default: the one in `target/debug`.
pub const TEST_CLI: &str = "PEDALWRENCHER_TEST_CLI";
/// The latest schema version of the build [`TEST_CLI`] names. Default: this build's.
pub const TEST_CLI_SCHEMA: &str = "PEDALWRENCHER_TEST_CLI_SCHEMA";
/// The Python the test mail server runs under. Default: `tests/.venv`'s.
pub const TEST_PYTHON: &str = "PEDALWRENCHER_TEST_PYTHON";

/// Set by the settings writer test on a copy of the core's test binary it starts: which section
/// that process writes, and where (`<section>:<data dir>`).
pub const TEST_SETTINGS_WRITER: &str = "PEDALWRENCHER_TEST_SETTINGS_WRITER";
/// Set by the secrets-file writer test on a copy of the core's test binary it starts: which key
/// that process writes, and where (`<key>:<data dir>`).
pub const TEST_SECRETS_WRITER: &str = "PEDALWRENCHER_TEST_SECRETS_WRITER";

/// The rig's variables.
pub const TEST_RIG: [&str; 5] = [
    TEST_CLI,
    TEST_CLI_SCHEMA,
    TEST_PYTHON,
    TEST_SETTINGS_WRITER,
    TEST_SECRETS_WRITER,
];

/// Which secret store [`SECRETS`] forces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretsBackend {
    Keyring,
    File,
}

/// The variables' values at one moment. `Debug` shows which are set, never a value (several
/// carry passwords or tokens).
#[derive(Clone, Default)]
pub struct Env {
    values: BTreeMap<&'static str, OsString>,
}

/// The snapshot taken the first time any code asks (at start-up, in practice).
pub fn env() -> &'static Env {
    static SNAPSHOT: OnceLock<Env> = OnceLock::new();
    SNAPSHOT.get_or_init(Env::from_process)
}

impl Env {
    /// Reads every variable in [`ALL`] from the process environment now.
    pub fn from_process() -> Env {
        let values = ALL
            .iter()
            .filter_map(|&name| std::env::var_os(name).map(|v| (name, v)))
            .collect();
        Env { values }
    }

    /// A snapshot with just these values (tests). Names outside [`ALL`] are ignored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Env {
        let values = pairs
            .into_iter()
            .filter_map(|(name, value)| {
                let known = ALL.iter().find(|&&k| k == name)?;
                Some((*known, OsString::from(value)))
            })
            .collect();
        Env { values }
    }

    /// The value, as given (not trimmed); `None` when unset, blank or not UTF-8.
    pub fn get(&self, name: &str) -> Option<&str> {
        // A name missing from ALL would never be read: catch it in debug builds and tests.
        debug_assert!(ALL.contains(&name), "{name} is not listed in env::ALL");
        self.values
            .get(name)
            .and_then(|v| v.to_str())
            .filter(|v| !v.trim().is_empty())
    }

    /// [`get`](Self::get), owned.
    pub fn var(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    /// The value trimmed; `None` when unset or blank.
    pub fn trimmed(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim)
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Those of `names` that are set, in the given order.
    pub fn set_of(&self, names: &[&'static str]) -> Vec<&'static str> {
        names.iter().copied().filter(|n| self.is_set(n)).collect()
    }

    /// A whole number of milliseconds (the test-only knobs); `None` when unset or not a number.
    pub fn millis(&self, name: &str) -> Option<u64> {
        self.trimmed(name)?.parse().ok()
    }

    /// [`DATA_DIR`], kept as the OS gave it (a path need not be UTF-8).
    pub fn data_dir(&self) -> Option<PathBuf> {
        self.values
            .get(DATA_DIR)
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
    }

    /// [`SECRETS`]; `None` for unset or any other value (then: keyring, else file).
    pub fn secrets_backend(&self) -> Option<SecretsBackend> {
        match self.get(SECRETS) {
            Some("keyring") => Some(SecretsBackend::Keyring),
            Some("file") => Some(SecretsBackend::File),
            _ => None,
        }
    }

    /// [`STRAVA_URL`] without surrounding blanks or trailing slashes.
    pub fn strava_url(&self) -> Option<String> {
        let url = self.trimmed(STRAVA_URL)?.trim_end_matches('/');
        (!url.is_empty()).then(|| url.to_owned())
    }

    /// Whether the environment alone connects Strava (a headless server): client id, secret and
    /// refresh token are all set.
    pub fn strava_configured(&self) -> bool {
        [STRAVA_CLIENT_ID, STRAVA_CLIENT_SECRET, STRAVA_REFRESH_TOKEN]
            .iter()
            .all(|n| self.is_set(n))
    }

    /// [`STALE_SYNC_HOURS`] when it is a positive number of hours.
    pub fn stale_sync_hours(&self) -> Option<f64> {
        self.trimmed(STALE_SYNC_HOURS)?
            .parse::<f64>()
            .ok()
            .filter(|h| h.is_finite() && *h > 0.0)
    }

    /// [`ABORT_AT`] as given.
    pub fn abort_at(&self) -> Option<&str> {
        self.get(ABORT_AT)
    }
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("set", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_listed_once_and_starts_with_the_prefix() {
        let mut names = [ALL.as_slice(), TEST_RIG.as_slice()].concat();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a name is listed twice");
        for name in names {
            assert!(
                name.starts_with("PEDALWRENCHER_") || name.starts_with("AWS_"),
                "{name}"
            );
        }
        for name in DELIVERY {
            assert!(ALL.contains(&name), "{name}");
        }
    }

    #[test]
    fn blank_values_count_as_unset_and_values_keep_their_spaces() {
        let env = Env::from_pairs([
            (EMAIL_TO, "  "),
            (SMTP_URL, " smtp://127.0.0.1:25 "),
            ("PEDALWRENCHER_NOT_A_VARIABLE", "x"),
        ]);
        assert_eq!(env.get(EMAIL_TO), None);
        assert_eq!(env.get(SMTP_URL), Some(" smtp://127.0.0.1:25 "));
        assert_eq!(env.trimmed(SMTP_URL), Some("smtp://127.0.0.1:25"));
        assert_eq!(env.set_of(&DELIVERY), [SMTP_URL]);
        assert!(
            !format!("{env:?}").contains("NOT_A_VARIABLE"),
            "unknown names are dropped"
        );
    }

    #[test]
    fn typed_values_are_read_as_documented() {
        let env = Env::from_pairs([
            (DATA_DIR, "/srv/garage"),
            (SECRETS, "file"),
            (STRAVA_URL, " http://127.0.0.1:9/ "),
            (STALE_SYNC_HOURS, "0.5"),
            (DELIVERY_BACKOFF_MS, " 250 "),
            (STRAVA_BACKOFF_MS, "soon"),
            (STRAVA_CLIENT_ID, "1"),
            (STRAVA_CLIENT_SECRET, "s"),
        ]);
        assert_eq!(env.data_dir(), Some(PathBuf::from("/srv/garage")));
        assert_eq!(env.secrets_backend(), Some(SecretsBackend::File));
        assert_eq!(env.strava_url().as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(env.stale_sync_hours(), Some(0.5));
        assert_eq!(env.millis(DELIVERY_BACKOFF_MS), Some(250));
        assert_eq!(env.millis(STRAVA_BACKOFF_MS), None);
        assert!(!env.strava_configured(), "no refresh token");

        let other = Env::from_pairs([(SECRETS, "vault"), (STALE_SYNC_HOURS, "-1"), (DATA_DIR, "")]);
        assert_eq!(other.secrets_backend(), None);
        assert_eq!(other.stale_sync_hours(), None);
        assert_eq!(other.data_dir(), None);
    }

    #[test]
    fn debug_output_names_the_variables_but_never_a_value() {
        let env = Env::from_pairs([
            (SYNC_PASSPHRASE, "correct horse"),
            (SMTP_URL, "smtp://u:pw@h"),
        ]);
        let shown = format!("{env:?}");
        assert!(shown.contains(SYNC_PASSPHRASE), "{shown}");
        assert!(
            !shown.contains("horse") && !shown.contains("pw@"),
            "{shown}"
        );
    }
}
