//! Commands grouped by domain; each is one line over the core.

pub mod devices;
pub mod garage;
pub mod garage_edit;
pub mod notifications;
pub mod settings;
pub mod strava;
