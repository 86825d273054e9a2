//! Device-to-device sync: every edit of a synced table is captured per field with a hybrid
//! logical clock, pushed as encrypted immutable files into this device's own folder on storage
//! the rider already has, and merged field by field (last writer wins, deletes win) on the others.
//! See `shared/SYNC.md` for the design and the evidence behind it.

pub mod transport;
pub mod vault;
