//! `bikes`: the bikes with their ride totals.

use pedalwrencher_core::garage::bikes;
use pedalwrencher_core::{Metric, Result, Store};

use crate::output::Out;
use crate::table::Table;

pub fn run(s: &mut Store, out: &Out) -> Result<()> {
    let list = bikes::list(s)?;
    out.emit(&list, |list| {
        let mut t = Table::new(&[
            "ID", "NAME", "KIND", "RIDES", "DISTANCE", "MOVING", "STRAVA", "RETIRED",
        ])
        .right(&[3, 4, 5]);
        for b in list {
            t.row(vec![
                b.id.to_string(),
                b.name.clone(),
                b.kind.clone(),
                b.rides.to_string(),
                out.units.format(Metric::DistanceM, b.distance_m),
                out.units.format(Metric::MovingTimeS, b.moving_time_s),
                b.strava_gear_id.clone().unwrap_or_default(),
                if b.retired { "yes".into() } else { String::new() },
            ]);
        }
        if list.is_empty() {
            "No bikes yet. Add one with `pedalwrencher-cli bike add NAME` or try `pedalwrencher-cli demo`.".to_owned()
        } else {
            t.render()
        }
    })
}
