//! `due`: every active service interval with its wear and state. A part on another part is named
//! with the parts it hangs from ("Winter wheels › Front tyre"); `--json` adds `path`, the bike
//! too ("Canyon Endurace › Winter wheels › Front tyre").

use pedalwrencher_core::garage::tree;
use pedalwrencher_core::wear::{self, State};
use pedalwrencher_core::{Result, Store};

use crate::args::DueArgs;
use crate::output::Out;
use crate::table::Table;

pub fn run(s: &mut Store, out: &Out, args: DueArgs) -> Result<()> {
    let now = s.now();
    let mut list = wear::statuses(s)?;
    if args.attention {
        // Parts on a retired bike never remind, so they never need attention.
        list.retain(|r| r.state != State::Ok && r.active);
    }
    let paths = tree::paths(s)?;
    let path_of = |r: &wear::RuleStatus| {
        paths
            .get(&r.component_id)
            .cloned()
            .unwrap_or_else(|| r.component.clone())
    };
    let json: Vec<serde_json::Value> = list
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("path".into(), path_of(r).into());
            }
            v
        })
        .collect();
    out.emit(&json, |_| {
        let mut t = Table::new(&[
            "RULE",
            "BIKE",
            "COMPONENT",
            "TASK",
            "USED",
            "INTERVAL",
            "LEFT",
            "STATE",
        ])
        .right(&[4, 5, 6]);
        for r in &list {
            let left = if r.remaining >= 0.0 {
                out.units.format(r.metric, r.remaining)
            } else {
                format!("over {}", out.units.format(r.metric, -r.remaining))
            };
            let state = match (r.state, r.snoozed_until) {
                _ if !r.active => format!("{} (bike retired)", state_label(r.state)),
                (st, Some(until)) if until > now => {
                    format!("{} (snoozed)", state_label(st))
                }
                (st, _) if r.snoozed_until_used.is_some_and(|u| r.used < u) => {
                    format!("{} (snoozed)", state_label(st))
                }
                (st, _) => state_label(st).to_owned(),
            };
            // The bike has its own column: the component column names the parts above it.
            let path = path_of(r);
            let component = match &r.bike {
                Some(bike) => path
                    .strip_prefix(&format!("{bike} › "))
                    .unwrap_or(&path)
                    .to_owned(),
                None => path.clone(),
            };
            t.row(vec![
                r.rule_id.to_string(),
                r.bike.clone().unwrap_or_else(|| "(shelf)".into()),
                component,
                r.task.clone(),
                out.units.format(r.metric, r.used),
                out.units.format(r.metric, r.interval),
                left,
                state,
            ]);
        }
        if list.is_empty() {
            "Nothing to show: no service intervals yet, or none needing attention.".to_owned()
        } else {
            t.render()
        }
    })
}

fn state_label(state: State) -> &'static str {
    match state {
        State::Ok => "ok",
        State::DueSoon => "due soon",
        State::Due => "DUE",
    }
}
