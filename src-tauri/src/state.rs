//! The one open garage the commands share.

use std::path::Path;
use std::sync::Mutex;

use pedalwrencher_core::{Result, Store};
use serde::Serialize;

pub struct AppState {
    /// Why the garage could not be opened, if it could not: every command then tells the rider
    /// (a window with an explanation beats an app that silently fails to start).
    store: std::result::Result<Mutex<Store>, CommandError>,
}

impl AppState {
    pub fn open(data_dir: &Path) -> Self {
        let store = Store::open_dir(data_dir).map(Mutex::new).map_err(|e| {
            tracing::error!(data_dir = %data_dir.display(), "cannot open the garage: {e}");
            CommandError::from(e)
        });
        Self { store }
    }

    /// Runs `f` with the store. A panic in an earlier command must not lock the rider out,
    /// and SQLite's own transactions already rolled back any half-done write, so a poisoned
    /// lock is safe to take over.
    pub fn with<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T, CommandError> {
        let store = self.store.as_ref().map_err(Clone::clone)?;
        let mut store = store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut store).map_err(CommandError::from)
    }
}

/// What the UI receives when a command fails: a kind to branch on and a message to show.
#[derive(Debug, Clone, Serialize)]
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
