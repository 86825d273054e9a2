//! `bike add`, `bike edit`, `bike retire`.

use pedalwrencher_core::garage::bikes::{self, BikePatch, NewBike};
use pedalwrencher_core::{BikeId, Result, Store};

use crate::args::BikeCmd;
use crate::output::Out;

pub fn run(s: &mut Store, out: &Out, cmd: BikeCmd) -> Result<()> {
    let b = match cmd {
        BikeCmd::Add {
            name,
            kind,
            strava_gear_id,
            notes,
        } => bikes::add(
            s,
            NewBike {
                name,
                kind,
                strava_gear_id,
                notes,
            },
        )?,
        BikeCmd::Edit {
            id,
            name,
            kind,
            notes,
            retired,
        } => bikes::edit(
            s,
            &BikeId::from(id),
            BikePatch {
                name,
                kind,
                notes,
                retired,
                ..Default::default()
            },
        )?,
        BikeCmd::Retire { id } => bikes::retire(s, &BikeId::from(id))?,
    };
    out.emit(&b, |b| {
        format!("Bike \"{}\" ({}) saved. id: {}", b.name, b.kind, b.id)
    })
}
