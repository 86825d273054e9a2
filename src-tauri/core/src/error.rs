//! One error type for the core. Every message says what happened and what the rider can do
//! next, in words that fit any front end: the CLI adds its flags, the window its own wording.

use std::path::PathBuf;

use serde::Serialize;

use crate::advice::Advice;

/// What kind of failure an error is, for front ends to branch on (exit codes, UI handling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Input the rider can correct and try again.
    Invalid,
    /// The id names nothing (any more).
    NotFound,
    /// Valid input that clashes with what is stored.
    Conflict,
    /// The database or the disk failed; the input was fine.
    Storage,
    /// A remote service (Strava, a mail server, Twilio) refused, failed or could not be reached.
    Remote,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Invalid => "invalid",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Storage => "storage",
            ErrorKind::Remote => "remote",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that can never be stored as given; the message names the field and the fix.
    #[error("{0}")]
    Invalid(String),

    /// Each front end adds its own hint: the CLI names the listing command (`list`), the window
    /// says the item was deleted elsewhere.
    #[error("no {kind} has the id '{id}'")]
    NotFound {
        kind: &'static str,
        id: String,
        /// The CLI command that lists this kind (`bikes`, `rides`, …).
        list: &'static str,
    },

    /// Valid input that clashes with what is already stored (overlapping installations, …).
    #[error("{0}")]
    Conflict(String),

    /// A file or folder the garage needs could not be created or read.
    #[error("cannot {action} {}: {source}. Check that the folder exists and is writable, or choose another data folder", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("could not open the garage database at {path}: {}. Check that the folder exists and is writable, or choose another data folder", open_reason(.path, .source))]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error("the garage database needs an upgrade that failed ({0}); your data is unchanged. Back up the file and report this")]
    Migration(#[from] rusqlite_migration::Error),

    #[error("this garage was saved by a newer Pedalwrencher (schema v{found}; this one knows up to v{supported}). Update Pedalwrencher to open it; the file was not changed")]
    TooNew { found: usize, supported: usize },

    #[error(
        "database error: {0}. Nothing was half-written; try again, and report it if it repeats"
    )]
    Storage(#[from] rusqlite::Error),

    /// The keyring or the secrets file failed; the message never contains a secret.
    #[error("{0}")]
    Secrets(String),

    /// A remote service (Strava) refused or failed; `kind` says whether the rider's input was at
    /// fault (invalid) or the service (remote), and the message what to do.
    #[error("{message}")]
    Remote { kind: ErrorKind, message: String },

    /// A reminder channel (email, SMS) could not deliver or is not set up.
    #[error(transparent)]
    Delivery(Box<SendError>),

    /// Something the rider must do before this can work (connect to Strava, give the sync
    /// passphrase again). The message says it plainly; `advice` says it as data, for each front
    /// end to add where to do it with its own controls.
    #[error("{message}")]
    NeedsAction {
        kind: ErrorKind,
        message: String,
        advice: Advice,
    },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid(_) => ErrorKind::Invalid,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Io { .. }
            | Error::Open { .. }
            | Error::Migration(_)
            | Error::TooNew { .. }
            | Error::Storage(_)
            | Error::Secrets(_) => ErrorKind::Storage,
            Error::Remote { kind, .. } => *kind,
            Error::Delivery(e) => e.error_kind(),
            Error::NeedsAction { kind, .. } => *kind,
        }
    }

    /// What the rider can do about it, when the core knows more than its message says.
    pub fn advice(&self) -> Option<&Advice> {
        match self {
            Error::NeedsAction { advice, .. } => Some(advice),
            _ => None,
        }
    }

    /// Names what the error is about when a batch fails on one item ("ride 123: distance …").
    /// Only input errors carry text worth prefixing; the others are returned unchanged.
    pub fn about(self, what: &str) -> Self {
        match self {
            Error::Invalid(msg) => Error::Invalid(format!("{what}: {msg}")),
            Error::Conflict(msg) => Error::Conflict(format!("{what}: {msg}")),
            other => other,
        }
    }

    /// True when the garage itself could not be reached (a folder, the file, its schema), as
    /// opposed to one operation failing on it. Front ends point the rider at the data folder.
    pub fn is_about_the_data_folder(&self) -> bool {
        matches!(self, Error::Io { .. } | Error::Open { .. })
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }
}

/// Kept here, with the other errors, so the error type needs nothing from `delivery`; it is
/// `delivery::SendError` to its users.
/// Why a reminder delivery did not go out, in words a rider can act on. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The channel is on but not set up (missing server, address, number or secret).
    #[error("{0}")]
    NotConfigured(String),
    /// The server refused the login: user name or password, SID or token.
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    #[error("connection refused: {0}")]
    ConnectionRefused(String),
    /// The server's TLS certificate is not signed by anyone this device trusts (or names another
    /// host).
    #[error("certificate not trusted: {0}")]
    CertificateNotTrusted(String),
    /// No answer: DNS, routing, a timeout, a dropped connection.
    #[error("could not reach {0}")]
    Unreachable(String),
    /// The phone number was refused (invalid, unverified on a trial account, unsubscribed …).
    #[error("bad number: {0}")]
    BadNumber(String),
    /// The service refused this message for another reason; retrying may help (busy, rate
    /// limit) or not.
    #[error("{0}")]
    Rejected(String),
}

impl SendError {
    /// A stable word for front ends to branch on ("auth_failed", …).
    pub fn kind(&self) -> &'static str {
        match self {
            SendError::NotConfigured(_) => "not_configured",
            SendError::AuthFailed(_) => "auth_failed",
            SendError::ConnectionRefused(_) => "connection_refused",
            SendError::CertificateNotTrusted(_) => "certificate_not_trusted",
            SendError::Unreachable(_) => "unreachable",
            SendError::BadNumber(_) => "bad_number",
            SendError::Rejected(_) => "rejected",
        }
    }

    pub fn error_kind(&self) -> ErrorKind {
        match self {
            SendError::NotConfigured(_) | SendError::BadNumber(_) => ErrorKind::Invalid,
            _ => ErrorKind::Remote,
        }
    }
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Self {
        Error::Delivery(Box::new(e))
    }
}

/// SQLite's reason without the path rusqlite appends to it: the message names the path once.
fn open_reason(path: &std::path::Path, source: &rusqlite::Error) -> String {
    let text = source.to_string();
    let suffix = format!(": {}", path.display());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_that_cannot_be_created_is_a_storage_failure_not_bad_input() {
        let e = Error::Io {
            action: "create the data folder",
            path: PathBuf::from("/proc/nope"),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        assert_eq!(e.kind(), ErrorKind::Storage);
        assert!(e.to_string().contains("/proc/nope"), "{e}");
        assert!(
            !e.to_string().contains("--data-dir"),
            "no CLI flags in core messages: {e}"
        );
    }
}
