//! The one open garage the commands share.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pedalwrencher_core::{Result, Store};
use serde::Serialize;

pub struct AppState {
    data_dir: PathBuf,
    /// `None` until the garage opens. When it cannot be opened (a read-only folder, a file from
    /// a newer version…) every command says why and tries again, so the rider can fix the cause
    /// and press "Try again" instead of restarting; a window with an explanation beats an app
    /// that silently fails to start.
    store: Mutex<Option<Store>>,
}

impl AppState {
    pub fn open(data_dir: &Path) -> Self {
        let state = Self {
            data_dir: data_dir.to_owned(),
            store: Mutex::new(None),
        };
        // Open now so a problem is logged at start, not at the first click.
        if state.with(|_| Ok(())).is_ok() {
            tracing::info!(data_dir = %data_dir.display(), "garage open");
        }
        state
    }

    /// Runs `f` with the store, opening it first if it is not open yet. A panic in an earlier
    /// command must not lock the rider out: the lock is taken over and whatever transaction the
    /// panic left open is rolled back, so the half-done write is dropped and later writes land.
    pub fn with<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T, CommandError> {
        let mut slot = self.store.lock().unwrap_or_else(|poisoned| {
            let mut slot = poisoned.into_inner();
            if let Some(store) = slot.as_mut() {
                match store.abandon_open_transaction() {
                    Ok(true) => tracing::warn!("rolled back a write interrupted by a panic"),
                    Ok(false) => {}
                    // Reopen on the next call rather than keep a connection in an unknown state.
                    Err(e) => {
                        tracing::error!("could not roll back after a panic: {e}");
                        *slot = None;
                    }
                }
            }
            self.store.clear_poison();
            slot
        });
        if slot.is_none() {
            let store = Store::open_dir(&self.data_dir).map_err(CommandError::from)?;
            *slot = Some(store);
        }
        let store = slot.as_mut().expect("opened above");
        f(store).map_err(CommandError::from)
    }
}

/// What the UI receives when a command fails: a kind to branch on and a message to show.
#[derive(Debug, Clone, Serialize)]
pub struct CommandError {
    pub kind: pedalwrencher_core::ErrorKind,
    pub message: String,
}

impl From<pedalwrencher_core::Error> for CommandError {
    fn from(e: pedalwrencher_core::Error) -> Self {
        tracing::warn!(kind = e.kind().as_str(), "command failed: {e}");
        let message = match &e {
            // In the window the id came from the screen, so the item was deleted after the screen
            // was drawn (by the CLI, say).
            pedalwrencher_core::Error::NotFound { kind, .. } => format!(
                "that {kind} is no longer in the garage; it may have been deleted elsewhere, from the CLI for instance"
            ),
            _ => e.to_string(),
        };
        Self {
            kind: e.kind(),
            message,
        }
    }
}
