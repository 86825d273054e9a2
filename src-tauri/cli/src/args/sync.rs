//! The options of `sync` and the subcommands of `strava` and `devices`: Strava and device sync.

use clap::{Args, Subcommand};

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
    Setup {
        /// Where to sync: file:///path, dav://…, davs://… or s3://bucket/prefix?….
        url: String,
    },
    /// Stop syncing on this device (its garage and the target stay as they are).
    Forget,
    /// Choose the device that forwards reminders by email and SMS (the others only show
    /// notifications): a device id from `devices status`, or `this`.
    Forward {
        /// A device id from `devices status`, or `this`.
        device: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum StravaCmd {
    /// Connect your own Strava API application: prints an address to open in a browser and waits
    /// for Strava to send you back. The client secret is read from
    /// PEDALWRENCHER_STRAVA_CLIENT_SECRET, else asked for on standard input.
    Connect {
        /// Your application's Client ID (strava.com/settings/api).
        #[arg(long, env = pedalwrencher_core::env::STRAVA_CLIENT_ID)]
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
