//! `done`: a rule's task was done; its counter starts again.

use pedalwrencher_core::garage::services::{self, NewService};
use pedalwrencher_core::{Result, RuleId, Store, When};

use crate::args::DoneArgs;
use crate::input::money;
use crate::output::Out;

pub fn run(s: &mut Store, out: &Out, args: DoneArgs) -> Result<()> {
    let svc = NewService {
        done_at: args.date.map(When::Typed),
        cost_cents: money(args.cost.as_deref())?,
        notes: args.notes,
    };
    let done = services::mark_done(s, &RuleId::from(args.rule), svc)?;
    out.emit(&done, |d| {
        format!(
            "Marked done on {}; the counter starts again. Undo with `pedalwrencher-cli service delete {}`.",
            d.done_at.local_date(),
            d.id
        )
    })
}
