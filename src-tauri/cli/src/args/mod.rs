//! The command line, as clap sees it. Every `///` here and in the submodules is a line of
//! `--help`: say what the thing does for a rider, and the format or units of what it takes.
//! This file has the top-level commands and their options; `garage` the subcommands of bikes,
//! components, rides, rules and services; `sync` those of Strava and device sync.

mod garage;
mod sync;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use garage::{BikeCmd, ComponentCmd, RideCmd, RideImportArgs, RuleCmd, ServiceCmd};
pub use sync::{DevicesCmd, StravaCmd, SyncArgs};

#[derive(Debug, Parser)]
#[command(
    name = "pedalwrencher-cli",
    version,
    about = "Pedalwrencher from the terminal: your garage, wear and what is due.",
    after_help = "Quantities are in your units (--units): distances in km or mi, times in hours (1:30, 90m, 1.5h), \
                  elevation in m or ft, energy in kJ. Dates: YYYY-MM-DD or YYYY-MM-DDTHH:MM (local time); a date \
                  alone means now when it is today, else noon for a ride, the end of the day for a service (after \
                  that day's rides) and the start of the day for mounting or removing a part.\n\
                  Exit codes: 0 ok, 1 failure (not found, conflict, database), 2 bad usage or bad input."
)]
pub struct Cli {
    /// Folder holding the garage database (default: $PEDALWRENCHER_DATA_DIR, else the app's data folder).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Units for input and output.
    #[arg(
        long,
        global = true,
        env = pedalwrencher_core::env::UNITS,
        default_value = "metric",
        value_name = "metric|imperial"
    )]
    pub units: String,

    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load a demo garage (three bikes, a year of rides); running it again adds nothing.
    Demo,
    /// Where the database is, how the garage stands, and its health: each problem that could
    /// silently stop reminders (a stale or refused Strava sync, an exhausted rate limit, a
    /// failing channel, a background loop that stopped) with what to do. Exit 1 when unhealthy,
    /// for cron and uptime monitors; --json lists the problems and those new since the last
    /// `status` (`newly_opened`).
    Status,
    /// List bikes with their ride totals.
    Bikes,
    /// Add, edit or retire a bike.
    #[command(subcommand)]
    Bike(BikeCmd),
    /// List components and where they are mounted.
    Components(ComponentsArgs),
    /// Add, mount, move, remove, retire or replace a component.
    #[command(subcommand)]
    Component(ComponentCmd),
    /// The component kinds you can add, with their default service intervals.
    Presets,
    /// List rides, newest first.
    Rides(RidesArgs),
    /// Log, assign or delete a ride.
    #[command(subcommand)]
    Ride(RideCmd),
    /// Add, edit or delete a service interval.
    #[command(subcommand)]
    Rule(RuleCmd),
    /// Every active service interval with its wear and state (ok, due_soon, due).
    Due(DueArgs),
    /// Mark a rule's task as done: its counter starts again.
    Done(DoneArgs),
    /// Sync rides and bikes from Strava once and print what changed.
    Sync(SyncArgs),
    /// Connect to Strava, see how the connection stands, or disconnect.
    #[command(subcommand)]
    Strava(StravaCmd),
    /// Keep this garage the same on your other devices, through a folder, WebDAV or S3 storage
    /// you already have, end-to-end encrypted. PEDALWRENCHER_SYNC_URL and
    /// PEDALWRENCHER_SYNC_PASSPHRASE override what `devices setup` stored.
    #[command(subcommand)]
    Devices(DevicesCmd),
    /// The services done on a rule, newest first (their ids are for `service delete`).
    Services(ServicesArgs),
    /// Undo a service marked done by mistake.
    #[command(subcommand)]
    Service(ServiceCmd),
    /// Evaluate the rules and send the reminders that are due by email and SMS, once; prints
    /// what was sent and what failed (exit 1 if a delivery failed). Native notifications are the
    /// app's. Email and SMS come from the app's settings or the PEDALWRENCHER_SMTP_* /
    /// PEDALWRENCHER_EMAIL_* / PEDALWRENCHER_TWILIO_* / PEDALWRENCHER_SMS_* variables.
    Notify(NotifyArgs),
    /// Run the background loop headless (a home server): every sync interval, sync with Strava
    /// (when connected or configured by PEDALWRENCHER_STRAVA_*), evaluate the rules, send the
    /// reminders by email and SMS, check health (see `status`), record a heartbeat and ping
    /// PEDALWRENCHER_HEALTHCHECK_URL (or the healthcheck_url setting; `/fail` appended when
    /// unhealthy). One log line per cycle on stderr. SIGTERM or Ctrl-C: the delivery in hand is
    /// finished (or given back after a grace period) and it exits 0, losing nothing.
    Serve(ServeArgs),
    /// Quiet a rule's reminders for a while: some days, until a date, or for some further use.
    Snooze(SnoozeArgs),
    /// Write the whole garage to FILE (one versioned JSON file: bikes, parts, rules, services,
    /// rides…) and its rides as CSV next to it (FILE's name with .rides.csv).
    Backup(BackupArgs),
    /// Restore a backup written by `backup`: onto an empty garage every id is kept; alongside an
    /// existing one, rows already here are kept as they are and reported as skipped. The file is
    /// checked first, and a damaged, truncated or foreign one changes nothing.
    Restore(RestoreArgs),
}

// The options of `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the backup (e.g. garage-2026-12-05.json).
    pub file: std::path::PathBuf,
}

// The options of `restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file to restore.
    pub file: std::path::PathBuf,
}

// The options of `components` (its help is the variant's line above).
#[derive(Debug, Args)]
pub struct ComponentsArgs {
    /// Only those mounted on this bike now (a bike id from `bikes`).
    #[arg(long)]
    pub bike: Option<String>,
    /// Include retired components.
    #[arg(long)]
    pub all: bool,
}

// The options of `rides`.
#[derive(Debug, Args)]
pub struct RidesArgs {
    /// Only rides on this bike (a bike id from `bikes`).
    #[arg(long)]
    pub bike: Option<String>,
    /// Only rides not assigned to any bike.
    #[arg(long)]
    pub unassigned: bool,
    /// Only rides flagged for review (numbers a ride cannot have, from Strava or a file).
    #[arg(long)]
    pub flagged: bool,
    /// Show at most this many rides.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

// The options of `due`.
#[derive(Debug, Args)]
pub struct DueArgs {
    /// Only rules that are due or due soon.
    #[arg(long)]
    pub attention: bool,
}

// The options of `done`.
#[derive(Debug, Args)]
pub struct DoneArgs {
    /// The rule whose task was done (a rule id from `due`).
    pub rule: String,
    /// When it was done: YYYY-MM-DD (after that day's rides; now if today) or
    /// YYYY-MM-DDTHH:MM (default: now).
    #[arg(long)]
    pub date: Option<String>,
    /// What it cost, e.g. 24.90.
    #[arg(long)]
    pub cost: Option<String>,
    /// A note kept with the service, e.g. the part fitted.
    #[arg(long, default_value = "")]
    pub notes: String,
}

// The options of `services`.
#[derive(Debug, Args)]
pub struct ServicesArgs {
    /// The rule (a rule id from `due`).
    pub rule: String,
}

// The options of `notify`.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// Send a test message on one channel instead, and say what went wrong if it fails.
    #[arg(long, value_name = "email|sms")]
    pub test: Option<String>,
    /// First give the deliveries that failed for good (after fixing the settings) another
    /// full set of attempts.
    #[arg(long, conflicts_with = "test")]
    pub retry_failed: bool,
}

// The options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Seconds between cycles (default: the sync interval setting, 60 minutes).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub interval_seconds: Option<u64>,
    /// Stop after this many cycles (default: run until stopped).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub cycles: Option<u32>,
    /// On SIGTERM, how many seconds to let a delivery in hand finish before giving it back.
    #[arg(long, default_value_t = 10)]
    pub grace_seconds: u64,
}

// The options of `snooze`.
#[derive(Debug, Args)]
pub struct SnoozeArgs {
    /// The rule to quiet (a rule id from `due`).
    pub rule: String,
    /// For this many days from now (at most 36500, a hundred years).
    #[arg(long, conflicts_with_all = ["until", "clear", "further"], value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub days: Option<u32>,
    /// Until this date: YYYY-MM-DD (the start of that day) or YYYY-MM-DDTHH:MM.
    #[arg(long, conflicts_with_all = ["clear", "further"])]
    pub until: Option<String>,
    /// For this much further use, in the rule's units (km/mi, hours, rides, m/ft, kJ).
    #[arg(
        long = "use",
        id = "further",
        value_name = "AMOUNT",
        conflicts_with = "clear"
    )]
    pub further: Option<String>,
    /// Remove the snooze.
    #[arg(long)]
    pub clear: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every subcommand says what it does and every argument what it takes, in `--help`.
    #[test]
    fn every_command_and_argument_has_a_help_line() {
        let mut missing = Vec::new();
        walk(&Cli::command(), "pedalwrencher-cli", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:#?}");
    }

    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        let blank = |text: Option<&clap::builder::StyledStr>| {
            text.is_none_or(|t| t.to_string().trim().is_empty())
        };
        if blank(cmd.get_about()) {
            missing.push(path.to_owned());
        }
        for arg in cmd.get_arguments() {
            // clap's own --help and --version.
            if matches!(arg.get_id().as_str(), "help" | "version") {
                continue;
            }
            if blank(arg.get_help()) {
                missing.push(format!("{path} <{}>", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_name() != "help" {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
    }

    /// The walk above sees every argument: one left without help is caught.
    #[test]
    fn the_walk_finds_an_argument_without_help() {
        let cmd = clap::Command::new("x")
            .about("x")
            .subcommand(clap::Command::new("y").about("y").arg(clap::Arg::new("z")));
        let mut missing = Vec::new();
        walk(&cmd, "x", &mut missing);
        assert_eq!(missing, vec!["x y <z>".to_owned()]);
    }
}
