//! `rides`: the rides, newest first.

use std::collections::HashMap;

use pedalwrencher_core::garage::bikes;
use pedalwrencher_core::garage::rides::{self, RideQuery};
use pedalwrencher_core::{BikeId, Metric, Result, Store};

use crate::args::RidesArgs;
use crate::output::Out;
use crate::table::Table;

pub fn run(s: &mut Store, out: &Out, args: RidesArgs) -> Result<()> {
    let bike = args.bike.map(BikeId::from);
    if let Some(b) = &bike {
        bikes::get(s, b)?;
    }
    let q = RideQuery {
        bike,
        unassigned_only: args.unassigned,
        flagged_only: args.flagged,
        limit: Some(args.limit),
        ..RideQuery::default()
    };
    let list = rides::list(s, &q)?;
    // Riders know their bikes by name; the ids are in --json and in `bikes`.
    let names: HashMap<_, _> = bikes::list(s)?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    out.emit(&list, |list| {
        let mut t = Table::new(&["ID", "DATE", "NAME", "DISTANCE", "MOVING", "CLIMB", "BIKE"])
            .right(&[3, 4, 5]);
        for r in list {
            t.row(vec![
                r.id.to_string(),
                r.start_at.local_date(),
                r.name.clone(),
                out.units.format(Metric::DistanceM, r.distance_m),
                out.units.format(Metric::MovingTimeS, r.moving_time_s),
                out.units.format(Metric::ElevationM, r.elevation_m),
                r.bike_id.as_ref().map_or("(unassigned)".into(), |b| {
                    names.get(b).cloned().unwrap_or_else(|| b.to_string())
                }),
            ]);
        }
        t.render()
    })
}
