//! Rides from files and archives: FIT, GPX and TCX files (gzipped or not) from head units and
//! apps, folders of them, and the bulk exports of Strava and Garmin Connect.
//!
//! - `read` turns one file into a [`Summary`] (`fit`, `gpx`, `tcx`; `xml` and `track` are what
//!   the XML formats share), or a [`Problem`] that says why not;
//! - `sport` decides what is a ride; `summary` and `problem` are the vocabulary;
//! - `archive` walks zip files (Strava's and Garmin's exports among them) without inflating
//!   them into memory; `strava_csv` reads Strava's `activities.csv`, `garmin_gear` the gear of
//!   Garmin's export;
//! - `import` brings summaries into the garage: ids from the content, a ride already here (from
//!   any source) recognised, the more complete of two files kept, each file all or nothing;
//! - `report` runs one import for a front end (every file's entry, totals, progress);
//! - `sensors` puts a ride on the bike whose rides named the same sensors;
//! - `watched` imports the new files of the watched folder (the background runner calls it).

pub mod archive;
pub mod fit;
pub mod garmin_gear;
pub mod gpx;
pub mod import;
pub mod problem;
pub mod read;
pub mod report;
pub mod sensors;
pub mod sport;
pub mod strava_csv;
pub mod summary;
pub mod tcx;
pub mod track;
pub mod watched;
mod xml;

pub use problem::Problem;
pub use read::{read, ReadOptions, MAX_FILE_BYTES};
pub use summary::{Sensor, Summary};
