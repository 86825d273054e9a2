//! Device-to-device sync: every edit of a synced table is captured per field with a hybrid
//! logical clock (`store::capture`), pushed as encrypted immutable files into this device's own
//! folder on storage the rider already has, and merged field by field (last writer wins, deletes
//! win) on the others. See `README.md` in this folder for the design and the evidence behind it.
//!
//! Layout on the target: `vault.json` (format, vault id), `key-<vault id>` (the vault key wrapped under the
//! passphrase), `devices/<id>/seg-<n>` and `snap-<n>` (immutable, encrypted), `devices/<id>/info`.

pub mod apply;
pub mod batch;
mod binding;
pub mod config;
mod cycles;
mod engine;
mod export;
pub mod heads;
pub mod names;
pub mod notices;
pub mod outgoing;
mod pull;
mod repair;
mod report;
pub mod settings;
pub mod status;
pub mod transport;
pub mod vault;

pub use engine::{pass, record_failure, Report};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_reading;
