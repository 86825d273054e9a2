//! The one open garage the commands share, and this garage's secret store.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use pedalwrencher_core::secrets::{self, SecretStore};
use pedalwrencher_core::store::StoreAccess;
use pedalwrencher_core::{Result, Store};
use serde::Serialize;

pub struct AppState {
    data_dir: PathBuf,
    /// `None` until the garage opens. When it cannot be opened (a read-only folder, a file from
    /// a newer version…) every command says why and tries again, so the rider can fix the cause
    /// and press "Try again" instead of restarting; a window with an explanation beats an app
    /// that silently fails to start.
    store: Mutex<Option<Store>>,
    /// Where the Strava secrets live (the OS keyring, else a private file), opened once for the
    /// garage the first time a secret is needed: probing the keyring is a D-Bus round trip, so a
    /// garage never connected to Strava never pays for it (see [`AppState::secrets`]).
    secrets: Mutex<Option<Arc<dyn SecretStore>>>,
    /// Called after a command changed the garage (the device sync's "soon").
    on_write: OnceLock<Box<dyn Fn() + Send + Sync>>,
}

impl AppState {
    pub fn open(data_dir: &Path) -> Self {
        let state = Self {
            data_dir: data_dir.to_owned(),
            store: Mutex::new(None),
            secrets: Mutex::new(None),
            on_write: OnceLock::new(),
        };
        // Open now so a problem is logged at start, not at the first click.
        if state.with(|_| Ok(())).is_ok() {
            tracing::info!(data_dir = %data_dir.display(), "garage open");
        }
        state
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Runs `f` with the store, as a command: failures come back in the window's words. A command
    /// that changed a row tells [`AppState::on_write`]'s hook (every command writes through here,
    /// so no command has to remember to).
    pub fn with<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T, CommandError> {
        let mut wrote = false;
        let result = self.access(|s| {
            let before = s.connection().total_changes();
            let result = f(s);
            wrote = s.connection().total_changes() != before;
            result
        });
        if wrote {
            if let Some(hook) = self.on_write.get() {
                hook();
            }
        }
        crate::memory::release_soon();
        result.map_err(CommandError::from)
    }

    /// Sets what runs after a command changed the garage (once, at start).
    pub fn on_write(&self, hook: impl Fn() + Send + Sync + 'static) {
        let _ = self.on_write.set(Box::new(hook));
    }

    /// The garage's secret store, opened on first use and kept. It may block on D-Bus (the
    /// keyring's probe, and every keyring read or write after it): call it, and use what it
    /// returns, from a blocking thread (`tauri::async_runtime::spawn_blocking`).
    pub fn secrets(&self) -> Result<Arc<dyn SecretStore>> {
        // Held while opening, so two callers never probe the keyring twice.
        let mut slot = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = slot.as_ref() {
            return Ok(open.clone());
        }
        let garage = self.access(|s| s.garage_id())?;
        let open: Arc<dyn SecretStore> = Arc::from(secrets::open(&self.data_dir, &garage)?);
        tracing::info!(secrets = %open.describe(), "secret store open");
        *slot = Some(open.clone());
        Ok(open)
    }

    /// Runs `f` with the store, opening it first if it is not open yet. The lock is held only
    /// for `f`, so a Strava sync waiting on the network never holds the garage. A panic in an
    /// earlier command must not lock the rider out: the lock is taken over and whatever
    /// transaction the panic left open is rolled back, so the half-done write is dropped and
    /// later writes land.
    fn access<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        self.with_core(f)
    }

    /// [`AppState::with`] with the core's error, for background work (the delivery cycle, the
    /// Strava sync) and the core's [`StoreAccess`].
    pub fn with_core<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
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
            let store = Store::open_dir(&self.data_dir)?;
            *slot = Some(store);
        }
        let store = slot.as_mut().expect("opened above");
        f(store)
    }
}

/// The Strava sync and disconnect reach the garage through here: the store is locked only for
/// each closure, never across a network call.
impl StoreAccess for AppState {
    fn with<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        self.access(f)
    }
}

/// What the UI receives when a command fails: a kind to branch on and a message to show.
#[derive(Debug, Clone, Serialize, specta::Type)]
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

impl From<pedalwrencher_core::strava::StravaError> for CommandError {
    fn from(e: pedalwrencher_core::strava::StravaError) -> Self {
        pedalwrencher_core::Error::from(e).into()
    }
}

impl CommandError {
    /// A failure of the app itself (a background task that died, a plugin's file), not of input.
    pub fn app(message: impl Into<String>) -> Self {
        let message = message.into();
        tracing::warn!("command failed: {message}");
        Self {
            kind: pedalwrencher_core::ErrorKind::Storage,
            message,
        }
    }
}

/// Runs `f` on a blocking thread with the state and the garage's secret store: keyring calls
/// block on D-Bus, and async core calls (the sync, disconnect) run there with `block_on`, so
/// neither ties up the runtime's few worker threads.
pub async fn with_secrets<T, F>(app: &tauri::AppHandle, f: F) -> Result<T, CommandError>
where
    T: Send + 'static,
    F: FnOnce(&AppState, &dyn SecretStore) -> Result<T> + Send + 'static,
{
    use tauri::Manager;
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let secrets = state.secrets()?;
        f(&state, secrets.as_ref())
    })
    .await
    .map_err(|e| CommandError::app(format!("a background task failed: {e}")))?
    .map_err(CommandError::from)
}
