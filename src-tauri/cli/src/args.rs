//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
        env = "PEDALWRENCHER_UNITS",
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
    /// Quiet a rule's reminders for a while.
    Snooze(SnoozeArgs),
}

// The options of `components` (its help is the variant's line above).
#[derive(Debug, Args)]
pub struct ComponentsArgs {
    /// Only those mounted on this bike now.
    #[arg(long)]
    pub bike: Option<String>,
    /// Include retired components.
    #[arg(long)]
    pub all: bool,
}

// The options of `rides`.
#[derive(Debug, Args)]
pub struct RidesArgs {
    #[arg(long)]
    pub bike: Option<String>,
    /// Only rides not assigned to any bike.
    #[arg(long)]
    pub unassigned: bool,
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
    pub rule: String,
    /// When it was done (default: now).
    #[arg(long)]
    pub date: Option<String>,
    /// What it cost, e.g. 24.90.
    #[arg(long)]
    pub cost: Option<String>,
    #[arg(long, default_value = "")]
    pub notes: String,
}

// The options of `services`.
#[derive(Debug, Args)]
pub struct ServicesArgs {
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
    /// On SIGTERM, how long to let a delivery in hand finish before giving it back.
    #[arg(long, default_value_t = 10)]
    pub grace_seconds: u64,
}

// The options of `snooze`.
#[derive(Debug, Args)]
pub struct SnoozeArgs {
    pub rule: String,
    /// At most 36500 (a hundred years).
    #[arg(long, conflicts_with_all = ["until", "clear", "further"], value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub days: Option<u32>,
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

#[derive(Debug, Subcommand)]
pub enum BikeCmd {
    Add {
        name: String,
        /// road, gravel, mtb, cx, tt, touring, city, ebike or other.
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        strava_gear_id: Option<String>,
        #[arg(long, default_value = "")]
        notes: String,
    },
    Edit {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        /// `false` brings a retired bike back into use.
        #[arg(long)]
        retired: Option<bool>,
    },
    /// Retire a bike you no longer ride: parts left on it stop reminding you.
    Retire { id: String },
}

// What a second-hand part had already done, for `component add`.
#[derive(Debug, Args)]
pub struct Used {
    /// Distance it already had (second-hand parts).
    #[arg(long)]
    pub used_distance: Option<f64>,
    /// Hours it already had.
    #[arg(long)]
    pub used_hours: Option<String>,
    /// Days old it already was.
    #[arg(long)]
    pub used_days: Option<f64>,
}

#[derive(Debug, Subcommand)]
pub enum ComponentCmd {
    Add {
        /// A preset kind (see `presets`), e.g. chain, tyre, fork, or custom.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: Option<String>,
        /// Mount it on this bike.
        #[arg(long)]
        bike: Option<String>,
        /// When it was mounted (default: now).
        #[arg(long, requires = "bike")]
        installed: Option<String>,
        #[arg(long, default_value = "")]
        brand: String,
        #[arg(long, default_value = "")]
        model: String,
        /// Purchase cost, e.g. 39.99.
        #[arg(long)]
        cost: Option<String>,
        #[command(flatten)]
        used: Used,
        /// Do not add the preset's default rules.
        #[arg(long)]
        no_rules: bool,
    },
    /// Change its name, brand, model, notes or cost; only the options given change.
    Edit {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        brand: Option<String>,
        #[arg(long)]
        model: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        /// Purchase cost, e.g. 39.99; "none" clears it.
        #[arg(long)]
        cost: Option<String>,
    },
    Install {
        id: String,
        #[arg(long)]
        bike: String,
        #[arg(long)]
        at: Option<String>,
        /// Back-date a finished installation.
        #[arg(long)]
        until: Option<String>,
    },
    Remove {
        id: String,
        #[arg(long)]
        at: Option<String>,
    },
    Move {
        id: String,
        #[arg(long)]
        bike: String,
        #[arg(long)]
        at: Option<String>,
    },
    Retire {
        id: String,
        #[arg(long)]
        at: Option<String>,
    },
    /// Retire it and mount a fresh one of the same kind with the same rules.
    Replace {
        id: String,
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RideCmd {
    Add {
        #[arg(long)]
        bike: Option<String>,
        /// Start (default: now).
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        distance: f64,
        /// Moving time: 1:30, 90m, 1h30m or 1.5 (hours).
        #[arg(long, default_value = "0")]
        time: String,
        #[arg(long, default_value_t = 0.0)]
        elevation: f64,
        /// Energy in kJ.
        #[arg(long)]
        energy: Option<f64>,
        /// A trainer / virtual ride.
        #[arg(long)]
        indoor: bool,
        #[arg(long)]
        commute: bool,
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Correct a logged ride; only the options given change.
    Edit {
        id: String,
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        distance: Option<f64>,
        /// Moving time: 1:30, 90m, 1h30m or 1.5 (hours).
        #[arg(long)]
        time: Option<String>,
        #[arg(long)]
        elevation: Option<f64>,
        /// Energy in kJ.
        #[arg(long)]
        energy: Option<f64>,
        #[arg(long)]
        indoor: Option<bool>,
        #[arg(long)]
        commute: Option<bool>,
        #[arg(long)]
        name: Option<String>,
    },
    Assign {
        id: String,
        #[arg(long, required_unless_present = "unassign")]
        bike: Option<String>,
        #[arg(long)]
        unassign: bool,
    },
    Delete {
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ServiceCmd {
    /// Delete a service: the rule's counter goes back to where it was before it.
    Delete { id: String },
}

#[derive(Debug, Subcommand)]
pub enum RuleCmd {
    Add {
        component: String,
        #[arg(long)]
        task: String,
        /// distance, moving_time, rides, elevation, energy or days.
        #[arg(long)]
        metric: String,
        /// The interval in your units (km/mi, hours, rides, m/ft, kJ, days).
        #[arg(long)]
        every: f64,
        /// Warn from this fraction of the interval (default 0.8).
        #[arg(long)]
        warn: Option<f64>,
        /// Remind again every further interval until done.
        #[arg(long)]
        repeat: bool,
        /// all, outdoor or indoor rides.
        #[arg(long, default_value = "all")]
        filter: String,
    },
    Edit {
        id: String,
        #[arg(long)]
        task: Option<String>,
        #[arg(long)]
        every: Option<f64>,
        #[arg(long)]
        warn: Option<f64>,
        #[arg(long)]
        repeat: Option<bool>,
        #[arg(long)]
        filter: Option<String>,
    },
    Delete {
        id: String,
    },
}

// The options of `sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Re-list the whole history, catching older edits and deletions too.
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Subcommand)]
pub enum DevicesCmd {
    /// One pass: send this device's changes, read the other devices' and merge them; prints what
    /// moved. Exit 1 when the target is unreachable, refuses a write or the passphrase is wrong.
    Sync,
    /// This device, the others seen and when, changes waiting to be sent, and notices.
    Status,
    /// Sync this garage through URL: file:///path, dav://user:pass@host[:port]/path, davs://…, or
    /// s3://bucket/prefix?endpoint=…&region=…. The passphrase is read from
    /// PEDALWRENCHER_SYNC_PASSPHRASE, else from standard input; the first device to sync creates
    /// the vault with it, the others join with the same one. Runs a first pass, and keeps the
    /// setting only if it succeeds.
    Setup { url: String },
    /// Stop syncing on this device (its garage and the target stay as they are).
    Forget,
    /// Choose the device that forwards reminders by email and SMS (the others only show
    /// notifications): a device id from `devices status`, or `this`.
    Forward { device: String },
}

#[derive(Debug, Subcommand)]
pub enum StravaCmd {
    /// Connect your own Strava API application: prints an address to open in a browser and waits
    /// for Strava to send you back. The client secret is read from
    /// PEDALWRENCHER_STRAVA_CLIENT_SECRET, else asked for on standard input.
    Connect {
        /// Your application's Client ID (strava.com/settings/api).
        #[arg(long, env = "PEDALWRENCHER_STRAVA_CLIENT_ID")]
        client_id: String,
        /// How long to wait for the browser, in minutes.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=60))]
        timeout: u64,
    },
    /// How the connection stands: athlete, last and next sync, rate-limit usage.
    Status,
    /// Revoke the connection at Strava, forget its tokens and delete the rides it brought
    /// (their wear is kept).
    Disconnect,
}
