//! Where this device syncs to and with which passphrase. Both are secrets (a WebDAV or S3 URL may
//! carry a password), so they live in the OS keyring (or the garage's secrets file), never in
//! settings files or the database. [`env::SYNC_URL`] and [`env::SYNC_PASSPHRASE`] override them,
//! for headless use and tests.

use crate::advice::Advice;
use crate::env;
use crate::error::{Error, ErrorKind, Result};
use crate::secrets::{Secret, SecretStore};

use super::transport::SyncTarget;

const URL_SECRET: &str = "sync_url";
const PASSPHRASE_SECRET: &str = "sync_passphrase";

pub struct SyncConfig {
    pub target: SyncTarget,
    pub passphrase: Secret,
}

/// The configured target and passphrase; `None` when this device does not sync. A malformed URL
/// is an input error (`Error::Invalid`).
pub fn load(secrets: &dyn SecretStore) -> Result<Option<SyncConfig>> {
    let env = env::env();
    let url = match env.var(env::SYNC_URL) {
        Some(url) => url,
        None => match secrets.get(URL_SECRET)? {
            Some(url) => url,
            None => return Ok(None),
        },
    };
    let target = SyncTarget::parse(&url)?;
    let passphrase = match env.var(env::SYNC_PASSPHRASE) {
        Some(p) => p,
        // Each front end adds where to set it up again.
        None => secrets
            .get(PASSPHRASE_SECRET)?
            .ok_or_else(|| Error::NeedsAction {
                kind: ErrorKind::Invalid,
                message: format!(
                    "sync is set up without a passphrase: set {} or set up sync again",
                    env::SYNC_PASSPHRASE
                ),
                advice: Advice::SetUpSyncAgain,
            })?,
    };
    Ok(Some(SyncConfig {
        target,
        passphrase: Secret::new(passphrase),
    }))
}

/// Stores the target and passphrase (after checking the URL parses).
pub fn save(secrets: &dyn SecretStore, url: &str, passphrase: &str) -> Result<SyncTarget> {
    let target = SyncTarget::parse(url)?;
    secrets.set(URL_SECRET, url)?;
    secrets.set(PASSPHRASE_SECRET, passphrase)?;
    Ok(target)
}

/// This device stops syncing (its garage and the target are left as they are).
pub fn forget(secrets: &dyn SecretStore) -> Result<()> {
    secrets.delete(URL_SECRET)?;
    secrets.delete(PASSPHRASE_SECRET)
}

/// The name this device shows the others: the rider's choice, else the machine's host name.
pub fn device_name(chosen: &str) -> String {
    let chosen = chosen.trim();
    if !chosen.is_empty() {
        return chosen.to_owned();
    }
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| os_var("COMPUTERNAME"))
        .or_else(|| os_var("HOSTNAME"))
        .unwrap_or_else(|| "This device".into())
}

/// A variable the OS or the shell sets (the machine's name), not one of Pedalwrencher's: it is
/// outside [`env`]'s snapshot and read when asked.
fn os_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
