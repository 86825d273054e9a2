//! The one open garage the commands share.

use std::path::Path;
use std::sync::Mutex;

use pedalwrencher_core::{Result, Store};
use serde::Serialize;

pub struct AppState {
    store: Mutex<Store>,
}

impl AppState {
    pub fn open(data_dir: &Path) -> Result<Self> {
        Ok(Self {
            store: Mutex::new(Store::open_dir(data_dir)?),
        })
    }

    /// Runs `f` with the store. A panic in an earlier command must not lock the rider out,
    /// and SQLite's own transactions already rolled back any half-done write, so a poisoned
    /// lock is safe to take over.
    pub fn with<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T, CommandError> {
        let mut store = self
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut store).map_err(CommandError::from)
    }
}

/// What the UI receives when a command fails: a kind to branch on and a message to show.
#[derive(Debug, Serialize)]
pub struct CommandError {
    pub kind: &'static str,
    pub message: String,
}

impl From<pedalwrencher_core::Error> for CommandError {
    fn from(e: pedalwrencher_core::Error) -> Self {
        tracing::warn!(kind = e.kind(), "command failed: {e}");
        Self {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}
