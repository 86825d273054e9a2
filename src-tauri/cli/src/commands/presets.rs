//! `presets`: the component kinds and their default service intervals.

use pedalwrencher_core::garage::presets;
use pedalwrencher_core::Result;

use crate::output::Out;
use crate::table::Table;

pub fn run(out: &Out) -> Result<()> {
    out.emit(&presets::all(), |list| {
        let mut t = Table::new(&["KIND", "LABEL", "DEFAULT RULES"]);
        for p in list.iter() {
            let rules: Vec<String> = p
                .rules
                .iter()
                .map(|r| {
                    format!(
                        "{} every {}",
                        r.task.to_lowercase(),
                        out.units.format(r.metric, r.interval)
                    )
                })
                .collect();
            t.row(vec![p.kind.clone(), p.label.clone(), rules.join("; ")]);
        }
        t.render()
    })
}
