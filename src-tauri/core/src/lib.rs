//! Pedalwrencher's core: the garage model in SQLite, the wear and rule engine, presets and the
//! demo garage. It knows nothing of Tauri or of a terminal; the desktop app and the CLI are thin
//! shells over it.
//!
//! Layers, each using only those below it:
//! - `garage` — bikes, components, installations, rides, rules, services, and the multi-step
//!   jobs of the `workshop` (replace, retire, add with preset rules), the demo and the overview;
//! - `delivery` — reminders, the outbox and the channels (email, SMS; the app adds native
//!   notifications), on top of `wear` and `garage`;
//! - `backup` — the whole garage in one versioned file and back (restore validates first,
//!   writes all or nothing), on top of `garage`, `wear` and `store`;
//! - `watchdog` — episodes of what could silently stop reminders (stale sync, revoked token,
//!   exhausted rate limit, failed channel, a loop that stopped), heartbeats, the dead-man's switch;
//! - `runner` — the background engine both hosts (the app, `serve`) run: when each job runs, one
//!   pass at a time;
//! - `wear` — usage since each rule's anchor, rule state and evaluation;
//! - `store` — the SQLite file, migrations, write transactions and the clock;
//! - shared vocabulary: `ids`, `time`, `units`, `validate`, `error`, `advice` (what the rider can
//!   do, as data each front end words), `paths`, `faults`;
//! - `settings` — this device's preferences (`settings.json`, one writer), `locked_file` — the
//!   one-writer-at-a-time rewrite it and `secrets.json` share, and `env` — every environment
//!   variable read, named once and read once.

pub mod advice;
pub mod backup;
pub mod delivery;
pub mod env;
pub mod error;
pub mod faults;
pub mod garage;
pub mod ids;
pub(crate) mod locked_file;
pub mod paths;
pub mod ride_files;
pub mod runner;
pub mod secrets;
pub mod settings;
pub mod store;
pub mod strava;
pub mod sync;
pub mod time;
pub mod units;
pub mod validate;
pub mod watchdog;
pub mod wear;

pub use advice::Advice;
pub use error::{Error, ErrorKind, Result};
pub use ids::{BikeId, ComponentId, InstallationId, RideId, RuleId, ServiceId};
pub use store::{Clock, ManualClock, Store, SystemClock};
pub use time::{DateMeaning, Timestamp, When};
pub use wear::metric::{ActivityFilter, Metric};
