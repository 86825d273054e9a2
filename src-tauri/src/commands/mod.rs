//! Commands grouped by domain; each is one line over the core.

pub mod garage;
pub mod strava;
pub mod notifications;
