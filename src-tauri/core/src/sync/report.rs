//! What one pass did, and a target's failure as the pass reports it.

use serde::Serialize;

use super::apply::Applied;
use super::transport::TransportError;
use crate::error::{Error, ErrorKind};

/// What one pass did.
#[derive(Debug, Default, Clone, Serialize)]
#[cfg_attr(feature = "bindings", derive(specta::Type))]
#[cfg_attr(feature = "bindings", serde(rename = "DevicesReport"))]
pub struct Report {
    /// This device made the vault (the target was empty).
    pub vault_created: bool,
    /// The device whose snapshot this device joined from.
    pub joined_from: Option<String>,
    pub pushed_files: usize,
    pub pushed_bytes: usize,
    pub pulled_files: usize,
    pub applied: Applied,
    /// Files skipped this time (partial, damaged or not decryptable); retried next pass.
    pub skipped: Vec<String>,
    /// Devices this device cannot read up to their newest file, and why; the watchdog raises
    /// each one that stays so for longer than the stale threshold.
    pub behind: Vec<String>,
    /// Other devices with a folder on the target.
    pub devices: usize,
}

/// A target that failed, as the pass's error.
pub(super) fn remote(e: TransportError) -> Error {
    Error::Remote {
        kind: ErrorKind::Remote,
        message: e.message,
    }
}
