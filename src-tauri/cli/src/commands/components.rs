//! `components`: the components and where they are mounted, as a tree: a part on another part
//! (a tyre on a wheel) is listed under it, indented.

use pedalwrencher_core::garage::{bikes, components, tree};
use pedalwrencher_core::{BikeId, Result, Store};

use crate::args::ComponentsArgs;
use crate::output::Out;
use crate::table::Table;

pub fn run(s: &mut Store, out: &Out, args: ComponentsArgs) -> Result<()> {
    let bike = args.bike.map(BikeId::from);
    if let Some(b) = &bike {
        bikes::get(s, b)?;
    }
    let ordered = tree::in_tree_order(components::list(s, bike.as_ref(), args.all)?);
    let depths: Vec<usize> = ordered.iter().map(|(d, _)| *d).collect();
    let list: Vec<components::ComponentListing> = ordered.into_iter().map(|(_, c)| c).collect();
    out.emit(&list, |list| {
        let mut t = Table::new(&["ID", "NAME", "KIND", "BIKE", "SINCE", "RETIRED"]);
        for (c, depth) in list.iter().zip(&depths) {
            let name = match depth {
                0 => c.component.name.clone(),
                d => format!("{}└ {}", "  ".repeat(d - 1), c.component.name),
            };
            t.row(vec![
                c.component.id.to_string(),
                name,
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
