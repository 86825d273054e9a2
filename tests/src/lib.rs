//! Shared rigs for the tests: the CLI on a garage of its own ([`cli`]), servers on loopback
//! ([`loopback`]: the fakes of Strava and Twilio, the real SMTP, WebDAV and S3 servers, a
//! healthcheck), the database's tables named once ([`tables`]), and garages built in process.

pub mod cli;
pub mod fake_strava;
pub mod fake_twilio;
pub mod fixtures;
pub mod garages;
pub mod healthcheck;
pub mod loopback;
pub mod process;
pub mod ride_fixtures;
pub mod smtp_server;
pub mod sql;
pub mod sync_servers;
pub mod tables;
pub mod venv;

pub use cli::cli_path;
