//! The subcommands of `bike`, `component`, `ride`, `rule` and `service`: the garage itself.

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum BikeCmd {
    /// Add a bike; prints its id.
    Add {
        /// Its name, e.g. "Gravel bike".
        name: String,
        /// road, gravel, mtb, cx, tt, touring, city, ebike or other.
        #[arg(long)]
        kind: Option<String>,
        /// Its gear id at Strava (e.g. b1234567), so the rides synced from Strava on it count
        /// on this bike.
        #[arg(long)]
        strava_gear_id: Option<String>,
        /// Free-form notes.
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// Change a bike's name, kind or notes, or bring it back into use; only the options given
    /// change.
    Edit {
        /// The bike (an id from `bikes`).
        id: String,
        /// Its new name.
        #[arg(long)]
        name: Option<String>,
        /// road, gravel, mtb, cx, tt, touring, city, ebike or other.
        #[arg(long)]
        kind: Option<String>,
        /// New notes, replacing the old ones.
        #[arg(long)]
        notes: Option<String>,
        /// `false` brings a retired bike back into use.
        #[arg(long)]
        retired: Option<bool>,
    },
    /// Retire a bike you no longer ride: parts left on it stop reminding you.
    Retire {
        /// The bike (an id from `bikes`).
        id: String,
    },
}

// What a second-hand part had already done, for `component add`.
#[derive(Debug, Args)]
pub struct Used {
    /// Distance it already had, in km or mi (second-hand parts).
    #[arg(long)]
    pub used_distance: Option<f64>,
    /// Moving time it already had: 1:30, 90m, 1h30m or 1.5 (hours).
    #[arg(long)]
    pub used_hours: Option<String>,
    /// Days old it already was.
    #[arg(long)]
    pub used_days: Option<f64>,
}

#[derive(Debug, Subcommand)]
pub enum ComponentCmd {
    /// Add a component, on the shelf or mounted on a bike or a part, with its kind's default
    /// service rules; prints its id and its rules' ids.
    #[command(group = clap::ArgGroup::new("mount").args(["bike", "on"]))]
    Add {
        /// A preset kind (see `presets`), e.g. chain, tyre, fork, or custom.
        #[arg(long)]
        kind: String,
        /// Its name (default: the kind's label, e.g. "Chain").
        #[arg(long)]
        name: Option<String>,
        /// Mount it on this bike (a bike id from `bikes`).
        #[arg(long, conflicts_with = "on")]
        bike: Option<String>,
        /// Or mount it on this part, e.g. a tyre on a wheel (a component id from `components`).
        #[arg(long)]
        on: Option<String>,
        /// When it was mounted: YYYY-MM-DD (the start of that day; now if today) or
        /// YYYY-MM-DDTHH:MM (default: now).
        #[arg(long, requires = "mount")]
        installed: Option<String>,
        /// Its brand, e.g. Shimano.
        #[arg(long, default_value = "")]
        brand: String,
        /// Its model, e.g. CN-M8100.
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
        /// The component (an id from `components`).
        id: String,
        /// Its new name.
        #[arg(long)]
        name: Option<String>,
        /// Its new brand.
        #[arg(long)]
        brand: Option<String>,
        /// Its new model.
        #[arg(long)]
        model: Option<String>,
        /// New notes, replacing the old ones.
        #[arg(long)]
        notes: Option<String>,
        /// Purchase cost, e.g. 39.99; "none" clears it.
        #[arg(long)]
        cost: Option<String>,
    },
    /// Mount a component on a bike, or on another part with --on (a tyre on a wheel), from a
    /// date, or for a past period with --until; the rides of the bike it is on (through its
    /// parents) from then on wear it.
    #[command(group = clap::ArgGroup::new("target").required(true).args(["bike", "on"]))]
    Install {
        /// The component (an id from `components`).
        id: String,
        /// The bike (an id from `bikes`).
        #[arg(long)]
        bike: Option<String>,
        /// The part it goes on, e.g. a wheel (an id from `components`).
        #[arg(long)]
        on: Option<String>,
        /// When it was mounted: YYYY-MM-DD (the start of that day; now if today) or
        /// YYYY-MM-DDTHH:MM (default: now).
        #[arg(long)]
        at: Option<String>,
        /// Back-date a finished installation: when it came off again (same formats as --at).
        #[arg(long)]
        until: Option<String>,
    },
    /// Take a component off its bike; it stays in the garage, on the shelf.
    Remove {
        /// The component (an id from `components`).
        id: String,
        /// When it came off: YYYY-MM-DD (the start of that day; now if today) or
        /// YYYY-MM-DDTHH:MM (default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// Move a component to another bike, or onto a part with --on: it comes off the old one at
    /// the same moment, and what is mounted on it goes along.
    #[command(group = clap::ArgGroup::new("target").required(true).args(["bike", "on"]))]
    Move {
        /// The component (an id from `components`).
        id: String,
        /// The bike it goes on (an id from `bikes`).
        #[arg(long)]
        bike: Option<String>,
        /// The part it goes on, e.g. a wheel (an id from `components`).
        #[arg(long)]
        on: Option<String>,
        /// When it moved: YYYY-MM-DD (the start of that day; now if today) or YYYY-MM-DDTHH:MM
        /// (default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// Take a component out of service for good: it comes off its bike and stops reminding you;
    /// the parts on it go to the shelf.
    Retire {
        /// The component (an id from `components`).
        id: String,
        /// When it came off: YYYY-MM-DD (the start of that day; now if today) or
        /// YYYY-MM-DDTHH:MM (default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// Retire it and mount a fresh one of the same kind with the same rules; the parts on it
    /// (a wheel's tyre and cassette) move onto the fresh one.
    Replace {
        /// The worn component (an id from `components`).
        id: String,
        /// When the fresh one went on: YYYY-MM-DD (the start of that day; now if today) or
        /// YYYY-MM-DDTHH:MM (default: now).
        #[arg(long)]
        at: Option<String>,
        /// Put the parts that were on the worn one on the shelf instead of on the fresh one.
        #[arg(long)]
        shelve_parts: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RideCmd {
    /// Log a ride by hand; it wears the parts on its bike at its date.
    Add {
        /// The bike ridden (an id from `bikes`); left out, the ride waits unassigned.
        #[arg(long)]
        bike: Option<String>,
        /// Start: YYYY-MM-DD (noon that day; now if today) or YYYY-MM-DDTHH:MM (default: now).
        #[arg(long)]
        date: Option<String>,
        /// Distance in km or mi (see --units).
        #[arg(long)]
        distance: f64,
        /// Moving time: 1:30, 90m, 1h30m or 1.5 (hours).
        #[arg(long, default_value = "0")]
        time: String,
        /// Elevation gain in m or ft.
        #[arg(long, default_value_t = 0.0)]
        elevation: f64,
        /// Energy in kJ.
        #[arg(long)]
        energy: Option<f64>,
        /// A trainer / virtual ride.
        #[arg(long)]
        indoor: bool,
        /// A commute.
        #[arg(long)]
        commute: bool,
        /// Its name, e.g. "Morning loop".
        #[arg(long, default_value = "")]
        name: String,
        /// Keep numbers a ride cannot have (over 1,000 km, 100 km/h on average, 48 h moving,
        /// 50 m of climbing per km): refused without it, to catch typos.
        #[arg(long)]
        force: bool,
    },
    /// Correct a logged ride; only the options given change.
    Edit {
        /// The ride (an id from `rides`).
        id: String,
        /// Start: YYYY-MM-DD (noon that day; now if today) or YYYY-MM-DDTHH:MM.
        #[arg(long)]
        date: Option<String>,
        /// Distance in km or mi.
        #[arg(long)]
        distance: Option<f64>,
        /// Moving time: 1:30, 90m, 1h30m or 1.5 (hours).
        #[arg(long)]
        time: Option<String>,
        /// Elevation gain in m or ft.
        #[arg(long)]
        elevation: Option<f64>,
        /// Energy in kJ.
        #[arg(long)]
        energy: Option<f64>,
        /// `true` for a trainer / virtual ride, `false` for one outdoors.
        #[arg(long)]
        indoor: Option<bool>,
        /// `true` for a commute, `false` otherwise.
        #[arg(long)]
        commute: Option<bool>,
        /// Its new name.
        #[arg(long)]
        name: Option<String>,
        /// Keep numbers a ride cannot have (see `ride add --help`).
        #[arg(long)]
        force: bool,
    },
    /// Answer a ride flagged for review (`rides --flagged`): `keep` it as it is, `exclude` it so
    /// that it counts for nothing, or `include` an excluded ride again. To fix its numbers, use
    /// `ride edit`.
    Review {
        /// The ride (an id from `rides --flagged`).
        id: String,
        /// keep, exclude or include.
        verdict: String,
    },
    /// Put a ride on a bike, or take it off any bike; its wear moves with it.
    Assign {
        /// The ride (an id from `rides`).
        id: String,
        /// The bike it was ridden on (an id from `bikes`).
        #[arg(long, required_unless_present = "unassign")]
        bike: Option<String>,
        /// Leave the ride on no bike.
        #[arg(long)]
        unassign: bool,
    },
    /// Delete a ride; the wear it caused is taken back.
    Delete {
        /// The ride (an id from `rides`).
        id: String,
    },
    /// Import rides from FIT, GPX and TCX files (gzipped or not), folders of them, and zip
    /// archives such as Strava's or Garmin Connect's bulk export. A ride already here (from any
    /// source) is recognised, not added twice. Exits 0 when every file was imported, a duplicate
    /// or skipped on purpose (a run, a planned route), 1 when any file failed.
    Import(RideImportArgs),
}

// The options of `ride import`.
#[derive(Debug, clap::Args)]
pub struct RideImportArgs {
    /// Files, folders (read with their sub-folders) or zip archives.
    #[arg(required = true)]
    pub paths: Vec<std::path::PathBuf>,
    /// Put every imported ride on this bike (an id from `bikes`); left out, a ride goes to the
    /// bike its archive or sensors name, else waits unassigned.
    #[arg(long)]
    pub bike: Option<String>,
    /// The date of GPX tracks that have no times: YYYY-MM-DD or YYYY-MM-DDTHH:MM.
    #[arg(long)]
    pub date: Option<String>,
    /// Do not put rides on a bike because their sensors were seen on it before.
    #[arg(long)]
    pub no_sensor_bikes: bool,
}

#[derive(Debug, Subcommand)]
pub enum ServiceCmd {
    /// Delete a service: the rule's counter goes back to where it was before it.
    Delete {
        /// The service (an id from `services RULE`).
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RuleCmd {
    /// Add a service interval to a component; prints its id.
    Add {
        /// The component (an id from `components`).
        component: String,
        /// What to do, e.g. "Wax chain".
        #[arg(long)]
        task: String,
        /// distance, moving_time, rides, elevation, energy or days.
        #[arg(long)]
        metric: String,
        /// The interval in your units (km/mi, hours, rides, m/ft, kJ, days).
        #[arg(long)]
        every: f64,
        /// Warn from this fraction of the interval, above 0 and at most 1 (default: the
        /// settings' default warning point, 0.8 unless changed).
        #[arg(long)]
        warn: Option<f64>,
        /// Remind again every further interval until done.
        #[arg(long)]
        repeat: bool,
        /// all, outdoor or indoor rides.
        #[arg(long, default_value = "all")]
        filter: String,
    },
    /// Change a service interval (not its metric); only the options given change.
    Edit {
        /// The rule (an id from `due`).
        id: String,
        /// What to do, e.g. "Wax chain".
        #[arg(long)]
        task: Option<String>,
        /// The interval in the rule's units (km/mi, hours, rides, m/ft, kJ, days).
        #[arg(long)]
        every: Option<f64>,
        /// Warn from this fraction of the interval, above 0 and at most 1.
        #[arg(long)]
        warn: Option<f64>,
        /// `true` to remind again every further interval until done, `false` to remind once.
        #[arg(long)]
        repeat: Option<bool>,
        /// all, outdoor or indoor rides.
        #[arg(long)]
        filter: Option<String>,
    },
    /// Delete a service interval; it stops reminding you.
    Delete {
        /// The rule (an id from `due`).
        id: String,
    },
}
