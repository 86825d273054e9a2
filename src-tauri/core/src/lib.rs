//! Pedalwrencher's core: the garage model in SQLite, the wear and rule engine, presets and the
//! demo garage. It knows nothing of Tauri; the desktop app and the CLI are thin shells over it.

pub mod bikes;
pub mod components;
pub mod demo;
pub mod error;
pub mod garage;
pub mod ids;
pub mod installations;
pub mod metric;
pub mod paths;
pub mod presets;
pub mod rides;
pub mod rules;
pub mod store;
pub mod time;
pub mod units;
pub mod usage;
pub mod validate;

pub use error::{Error, Result};
pub use ids::{BikeId, ComponentId, InstallationId, RideId, RuleId, ServiceId};
pub use metric::{ActivityFilter, Metric};
pub use store::Store;
pub use time::Timestamp;
