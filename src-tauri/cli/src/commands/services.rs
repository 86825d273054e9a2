//! `services`: what was done on a rule, newest first.

use pedalwrencher_core::garage::services;
use pedalwrencher_core::{Result, RuleId, Store};

use crate::args::ServicesArgs;
use crate::output::Out;
use crate::table::Table;

pub fn run(s: &mut Store, out: &Out, args: ServicesArgs) -> Result<()> {
    let list = services::list(s, &RuleId::from(args.rule))?;
    out.emit(&list, |list| {
        if list.is_empty() {
            return "Never done yet.".to_owned();
        }
        let mut t = Table::new(&["ID", "DONE", "COST", "NOTES"]).right(&[2]);
        for svc in list {
            t.row(vec![
                svc.id.to_string(),
                svc.done_at.local_date(),
                svc.cost_cents
                    .map(|c| format!("{}.{:02}", c / 100, c % 100))
                    .unwrap_or_default(),
                svc.notes.clone(),
            ]);
        }
        t.render()
    })
}
