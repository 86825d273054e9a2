//! `components`: the components and where they are mounted.

use pedalwrencher_core::garage::{bikes, components};
use pedalwrencher_core::{BikeId, Result, Store};

use crate::args::ComponentsArgs;
use crate::output::Out;
use crate::table::Table;

pub fn run(s: &mut Store, out: &Out, args: ComponentsArgs) -> Result<()> {
    let bike = args.bike.map(BikeId::from);
    if let Some(b) = &bike {
        bikes::get(s, b)?;
    }
    let list = components::list(s, bike.as_ref(), args.all)?;
    out.emit(&list, |list| {
        let mut t = Table::new(&["ID", "NAME", "KIND", "BIKE", "SINCE", "RETIRED"]);
        for c in list {
            t.row(vec![
                c.component.id.to_string(),
                c.component.name.clone(),
                c.component.kind.clone(),
                c.bike.clone().unwrap_or_else(|| "(shelf)".into()),
                c.installed_at.map(|t| t.local_date()).unwrap_or_default(),
                if c.component.retired {
                    "yes".into()
                } else {
                    String::new()
                },
            ]);
        }
        t.render()
    })
}
