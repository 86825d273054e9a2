//! One file per command, named after it; this dispatcher opens the garage and hands it to the
//! one the rider typed. Shared pieces live in leaf modules (`output`, `input`, `table`,
//! `runtime`, `secrets`, `delivery`, `health`) that import nothing from here.

mod backup;
mod bike;
mod bikes;
mod component;
mod components;
mod demo;
mod devices;
mod done;
mod due;
mod notify;
mod presets;
mod restore;
mod ride;
mod ride_import;
mod rides;
mod rule;
mod serve;
mod service;
mod services;
mod snooze;
mod status;
mod strava;
mod sync;

use pedalwrencher_core::{env, paths, Error, Result, Store};

use crate::args::{Cli, Command, RideCmd};
use crate::exit::Exit;
use crate::output::Out;

pub fn run(cli: Cli) -> Result<Exit> {
    let out = Out {
        json: cli.json,
        units: cli.units.parse()?,
    };
    let dir = match cli.data_dir.or_else(paths::default_data_dir) {
        Some(dir) => dir,
        None => {
            return Err(Error::Invalid(format!(
                "no data folder: pass --data-dir DIR or set {}",
                env::DATA_DIR
            )))
        }
    };
    let mut store = Store::open_dir(&dir)?;
    let s = &mut store;
    match cli.command {
        Command::Demo => demo::run(s, &out)?,
        Command::Status => return status::run(store, &dir, &out),
        Command::Bikes => bikes::run(s, &out)?,
        Command::Bike(cmd) => bike::run(s, &out, cmd)?,
        Command::Components(args) => components::run(s, &out, args)?,
        Command::Component(cmd) => component::run(s, &out, cmd)?,
        Command::Presets => presets::run(&out)?,
        Command::Rides(args) => rides::run(s, &out, args)?,
        Command::Ride(RideCmd::Import(args)) => return ride_import::run(s, &out, args),
        Command::Ride(cmd) => ride::run(s, &out, cmd)?,
        Command::Rule(cmd) => rule::run(s, &out, cmd)?,
        Command::Due(args) => due::run(s, &out, args)?,
        Command::Done(args) => done::run(s, &out, args)?,
        Command::Sync(args) => sync::run(store, &dir, &out, args.full)?,
        Command::Strava(cmd) => strava::run(store, &dir, &out, cmd)?,
        Command::Devices(cmd) => devices::run(store, &dir, &out, cmd)?,
        Command::Services(args) => services::run(s, &out, args)?,
        Command::Service(cmd) => service::run(s, &out, cmd)?,
        Command::Notify(args) => notify::notify(store, &dir, &out, args.test, args.retry_failed)?,
        Command::Serve(args) => serve::serve(
            store,
            &dir,
            serve::Options {
                interval_seconds: args.interval_seconds,
                cycles: args.cycles,
                grace: std::time::Duration::from_secs(args.grace_seconds),
                units: out.units,
            },
        )?,
        Command::Snooze(args) => snooze::run(s, &out, args)?,
        Command::Backup(args) => backup::run(s, &out, args)?,
        Command::Restore(args) => restore::run(s, &out, args)?,
    }
    Ok(Exit::Ok)
}
