//! Commands grouped by domain; each is one line over the core.

pub mod backup;
pub mod bikes;
pub mod components;
pub mod devices;
pub mod garage;
pub mod notifications;
pub mod ride_files;
pub mod rides;
pub mod rules;
pub mod settings;
pub mod startup;
pub mod strava;
