//! The garage's secret store (Strava tokens, sync passphrase, SMTP and Twilio secrets), opened
//! for a command.

use std::path::Path;

use pedalwrencher_core::secrets::{self, SecretStore};
use pedalwrencher_core::{Result, Store};

/// The secret store, or why it does not open: for commands that cannot work without it
/// (`sync`, `strava`, `devices`).
pub(crate) fn required(store: &mut Store, dir: &Path) -> Result<Box<dyn SecretStore>> {
    let garage = store.garage_id()?;
    secrets::open(dir, &garage)
}

/// The secret store, if one opens: a server configured by its environment alone needs none
/// (`notify`, `serve`).
pub(crate) fn secret_store(store: &mut Store, dir: &Path) -> Option<Box<dyn SecretStore>> {
    let garage = store.garage_id().ok()?;
    match secrets::open(dir, &garage) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("warning: {e}; only secrets given in the environment are used");
            None
        }
    }
}
