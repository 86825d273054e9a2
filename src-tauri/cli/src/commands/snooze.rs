//! `snooze`: quiet a rule's reminders for some days, until a date, or for some further use.

use pedalwrencher_core::garage::rules;
use pedalwrencher_core::time::{self, DateMeaning};
use pedalwrencher_core::units::parse_duration_s;
use pedalwrencher_core::{Error, Metric, Result, RuleId, Store};

use crate::args::SnoozeArgs;
use crate::input::si;
use crate::output::Out;

pub fn run(s: &mut Store, out: &Out, args: SnoozeArgs) -> Result<()> {
    let now = s.now();
    let id = RuleId::from(args.rule);
    if let Some(amount) = args.further {
        let metric = rules::get(s, &id)?.metric;
        let amount = match metric {
            Metric::MovingTimeS => parse_duration_s(&amount)?,
            _ => {
                let v: f64 = amount.trim().parse().map_err(|_| {
                    Error::Invalid(format!(
                        "--use '{amount}' is not a number of {}",
                        out.units.label(metric)
                    ))
                })?;
                si(out.units, "--use", metric, v)?
            }
        };
        let r = rules::snooze_for_use(s, &id, Some(amount))?;
        return out.emit(&r, |r| match r.snoozed_until_used {
            Some(u) => format!(
                "Snoozed \"{}\" for {} more (until it has {}).",
                r.task,
                out.units.format(r.metric, amount),
                out.units.format(r.metric, u)
            ),
            None => format!("\"{}\" is no longer snoozed.", r.task),
        });
    }
    let until = match (args.days, args.until, args.clear) {
        (_, _, true) => {
            rules::snooze_for_use(s, &id, None)?;
            None
        }
        (Some(d), _, _) => Some(now.plus_days(i64::from(d))),
        (None, Some(u), _) => Some(time::resolve("snooze date", &u, DateMeaning::Until, now)?),
        (None, None, false) => {
            return Err(Error::Invalid(
                "say how long: --days N, --until DATE, --use AMOUNT or --clear".into(),
            ))
        }
    };
    let r = rules::snooze(s, &id, until)?;
    out.emit(&r, |r| match r.snoozed_until {
        Some(t) => format!("Snoozed \"{}\" until {}.", r.task, t.local_date()),
        None => format!("\"{}\" is no longer snoozed.", r.task),
    })
}
