//! `rule add`, `edit`, `delete`: a component's service intervals.

use pedalwrencher_core::garage::rules::{self, NewRule, RulePatch};
use pedalwrencher_core::{validate, ComponentId, Metric, Result, RuleId, Store};

use crate::args::RuleCmd;
use crate::input::si;
use crate::output::Out;

pub fn run(s: &mut Store, out: &Out, cmd: RuleCmd) -> Result<()> {
    let r = match cmd {
        RuleCmd::Add {
            component,
            task,
            metric,
            every,
            warn,
            repeat,
            filter,
        } => {
            let metric: Metric = metric.parse()?;
            let new = NewRule {
                task,
                metric,
                interval: si(
                    out.units,
                    "interval",
                    metric,
                    validate::positive("interval", every)?,
                )?,
                warn_fraction: warn,
                repeat,
                filter: filter.parse()?,
            };
            rules::add(s, &ComponentId::from(component), new)?
        }
        RuleCmd::Edit {
            id,
            task,
            every,
            warn,
            repeat,
            filter,
        } => {
            let id = RuleId::from(id);
            let metric = rules::get(s, &id)?.metric;
            let patch = RulePatch {
                task,
                interval: every
                    .map(|e| {
                        si(
                            out.units,
                            "interval",
                            metric,
                            validate::positive("interval", e)?,
                        )
                    })
                    .transpose()?,
                warn_fraction: warn,
                repeat,
                filter: filter.as_deref().map(str::parse).transpose()?,
            };
            rules::edit(s, &id, patch)?
        }
        RuleCmd::Delete { id } => {
            rules::delete(s, &RuleId::from(id))?;
            return out.emit(&serde_json::json!({ "deleted": true }), |_| {
                "Rule deleted.".to_owned()
            });
        }
    };
    out.emit(&r, |r| {
        format!(
            "Rule \"{}\" every {} saved. id: {}",
            r.task,
            out.units.format(r.metric, r.interval),
            r.id
        )
    })
}
