//! Commands grouped by domain; each is one line over the core.

pub mod garage;
pub mod notifications;
pub mod strava;
