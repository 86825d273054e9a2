//! One error type for the core. Every message says what the rider can do next.

use std::path::PathBuf;

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

    #[error("could not open the garage database at {path}: {}. Check that the folder exists and is writable, or choose another with --data-dir / PEDALWRENCHER_DATA_DIR", open_reason(.path, .source))]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error("the garage database needs an upgrade that failed ({0}); your data is unchanged. Back up the file and report this")]
    Migration(#[from] rusqlite_migration::Error),

    #[error("this garage was saved by a newer Pedalwrencher (schema v{found}; this one knows up to v{supported}). Update Pedalwrencher to open it; the file was not changed")]
    TooNew { found: usize, supported: usize },

    #[error("database error: {0}. If this repeats, run `pedalwrencher-cli status` and report it")]
    Storage(#[from] rusqlite::Error),
}

impl Error {
    /// A short machine-readable kind for the UI and for exit codes.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid",
            Error::NotFound { .. } => "not_found",
            Error::Conflict(_) => "conflict",
            Error::Open { .. } | Error::Migration(_) | Error::TooNew { .. } | Error::Storage(_) => {
                "storage"
            }
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

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }
}

/// SQLite's reason without the path rusqlite appends to it: the message names the path once.
fn open_reason(path: &std::path::Path, source: &rusqlite::Error) -> String {
    let text = source.to_string();
    let suffix = format!(": {}", path.display());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
