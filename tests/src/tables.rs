//! The garage database's tables, named once for every test: which hold the rider's garage,
//! which every device shares through sync, and which stay on one device.

/// The garage itself, there since schema v1.
pub const GARAGE: [&str; 6] = [
    "bikes",
    "components",
    "installations",
    "rides",
    "rules",
    "services",
];

/// The tables every device shares through sync, and the columns of each that stay on one
/// device (a rule's service epoch is counted where the services were done).
pub const SYNCED: [(&str, &[&str]); 8] = [
    ("bikes", &[]),
    ("components", &[]),
    ("installations", &[]),
    ("rides", &[]),
    ("rules", &["epoch"]),
    ("services", &[]),
    ("carried_usage", &[]),
    ("synced_settings", &[]),
];

/// The tables that stay on one device: caches, delivery, Strava's and sync's bookkeeping, the
/// watchdog.
pub const DEVICE_LOCAL: [&str; 21] = [
    "rule_usage",
    "meta",
    "reminders",
    "outbox",
    "strava_state",
    "strava_listing",
    "leases",
    "watchdog_episodes",
    "watchdog_notices",
    "heartbeats",
    "sync_devices",
    "sync_clock",
    "sync_applying",
    "sync_inbox",
    "sync_quarantine",
    "sync_unknown",
    "sync_outgoing",
    "sync_notices",
    // Ride files: what a file said beyond the ride (completeness, sensors), and archive entries
    // already imported.
    "ride_files",
    "ride_sensors",
    "import_entries",
];

/// The wear cache, one row per rule: the demo fills it, like the garage tables.
pub const USAGE_CACHE: &str = "rule_usage";
