//! What the rider reads: which bike, which part, what to do, and how far it is past (or short of)
//! its interval, in the rider's units. One wording for every channel, shaped for each: a title and
//! a body for notifications, a subject with plain text and HTML for email, one short line of plain
//! GSM characters for SMS (an em dash alone would halve what fits in one text).

use crate::delivery::reminders::{Level, Reminder};
use crate::units::Units;
use crate::wear::metric::Metric;

/// A reminder in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// "Replace due: Shimano Ultegra chain".
    pub title: String,
    /// "Canyon Endurace: replace the Shimano Ultegra chain — 312 km past its 3,000 km interval."
    pub body: String,
}

/// Single-word tasks that read as a verb before the part ("replace the chain").
const VERBS: &[&str] = &[
    "replace", "inspect", "service", "charge", "check", "clean", "lube", "wax", "true", "grease",
    "overhaul", "bleed", "adjust", "tighten", "rotate", "refresh", "and",
];

/// "replace the Shimano Ultegra chain", "bleed brake fluid (Hydraulic brakes)".
pub fn what_to_do(task: &str, component: &str) -> String {
    let task_lower = lower_first(task.trim());
    let all_verbs = task_lower
        .split_whitespace()
        .all(|w| VERBS.contains(&w.to_ascii_lowercase().as_str()));
    if all_verbs {
        format!("{task_lower} the {component}")
    } else {
        format!("{task_lower} ({component})")
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        // Keep acronyms ("AXS battery") as typed.
        Some(c) if !chars.clone().next().is_some_and(char::is_uppercase) => {
            c.to_lowercase().chain(chars).collect()
        }
        _ => s.to_owned(),
    }
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "3,000 km interval", "90-day interval", "20-ride interval".
fn interval_phrase(units: Units, metric: Metric, interval: f64) -> String {
    match metric {
        Metric::Days => format!("{}-day interval", group(interval)),
        Metric::Rides => format!("{}-ride interval", group(interval)),
        _ => format!("{} interval", units.format(metric, interval)),
    }
}

fn group(v: f64) -> String {
    // Units::format groups thousands; reuse it through a unitless metric and drop the label.
    let text = Units::Metric.format(Metric::EnergyKj, v);
    text.trim_end_matches(" kJ").to_owned()
}

/// How far along: "312 km past its 3,000 km interval", "450 km left of its 3,000 km interval".
pub fn how_far(units: Units, r: &Reminder) -> String {
    let interval = interval_phrase(units, r.metric, r.interval);
    let over = r.used - r.interval;
    if over >= 0.0 {
        if units.format(r.metric, over).starts_with("0 ") || over == 0.0 {
            format!("at its {interval}")
        } else {
            format!("{} past its {interval}", units.format(r.metric, over))
        }
    } else {
        format!("{} left of its {interval}", units.format(r.metric, -over))
    }
}

/// The reminder in words, in `units`.
pub fn render(units: Units, r: &Reminder) -> Message {
    let what = what_to_do(&r.task, &r.component);
    let soon = r.level == Level::DueSoon;
    let place = r.bike.clone().unwrap_or_else(|| "On the shelf".to_owned());
    let body = format!(
        "{place}: {what}{} — {}.",
        if soon { " soon" } else { "" },
        how_far(units, r)
    );
    let again = if r.nag > 0 { "Still due — " } else { "" };
    let title = format!(
        "{again}{} {}: {}",
        upper_first(r.task.trim()),
        if soon { "soon" } else { "due" },
        r.component
    );
    Message { title, body }
}

/// Reminders shown one notification each, up to this many at once; more come as one summary, so
/// a first sync that makes years of wear due raises one notification, not dozens.
pub const SEPARATE_NOTIFICATIONS: usize = 3;

/// One notification for many reminders: "7 reminders" over the first few titles and how many
/// more ("Replace due: Shimano Ultegra chain; True wheels due: DT Swiss ERC wheelset; … and 4
/// more. Open Pedalwrencher to see them all.").
pub fn summary(units: Units, reminders: &[&Reminder]) -> Message {
    let shown: Vec<String> = reminders
        .iter()
        .take(SEPARATE_NOTIFICATIONS)
        .map(|r| render(units, r).title)
        .collect();
    let more = reminders.len().saturating_sub(shown.len());
    let mut body = shown.join("; ");
    if more > 0 {
        body.push_str(&format!("; and {more} more"));
    }
    body.push_str(". Open Pedalwrencher to see them all.");
    Message {
        title: format!("{} reminders", reminders.len()),
        body,
    }
}

/// One line for a text message, in plain characters: "Pedalwrencher: Canyon Endurace: replace
/// the Shimano Ultegra chain - 312 km past its 3,000 km interval."
pub fn sms_text(units: Units, r: &Reminder) -> String {
    let m = render(units, r);
    let body = m.body.replace(" — ", " - ");
    if r.nag > 0 {
        format!("Pedalwrencher (still due): {body}")
    } else {
        format!("Pedalwrencher: {body}")
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ComponentId, RuleId};
    use crate::time::Timestamp;

    pub(crate) fn chain(used_km: f64) -> Reminder {
        Reminder {
            id: "r1".into(),
            rule_id: RuleId::from("rule"),
            component_id: ComponentId::from("c"),
            epoch: 0,
            level: if used_km >= 3000.0 {
                Level::Due
            } else {
                Level::DueSoon
            },
            cycle: 0,
            nag: 0,
            bike: Some("Canyon Endurace".into()),
            component: "Shimano Ultegra chain".into(),
            task: "Replace".into(),
            metric: Metric::DistanceM,
            interval: 3_000_000.0,
            used: used_km * 1000.0,
            created_at: Timestamp(0),
        }
    }

    #[test]
    fn many_reminders_at_once_read_as_one_summary_of_the_first_few() {
        let parts: Vec<Reminder> = ["Chain", "Cassette", "Rear tyre", "Brake pads", "Bar tape"]
            .iter()
            .map(|name| Reminder {
                component: (*name).into(),
                ..chain(3312.0)
            })
            .collect();
        let all: Vec<&Reminder> = parts.iter().collect();
        let m = summary(Units::Metric, &all);
        assert_eq!(m.title, "5 reminders");
        assert_eq!(
            m.body,
            "Replace due: Chain; Replace due: Cassette; Replace due: Rear tyre; and 2 more. \
             Open Pedalwrencher to see them all."
        );
        let m = summary(Units::Metric, &all[..SEPARATE_NOTIFICATIONS]);
        assert!(!m.body.contains("more"), "{}", m.body);
    }

    #[test]
    fn a_due_part_says_bike_part_task_and_how_far_past_in_the_riders_units() {
        let m = render(Units::Metric, &chain(3312.0));
        assert_eq!(
            m.body,
            "Canyon Endurace: replace the Shimano Ultegra chain — 312 km past its 3,000 km interval."
        );
        assert_eq!(m.title, "Replace due: Shimano Ultegra chain");
        let mi = render(Units::Imperial, &chain(3312.0));
        assert!(
            mi.body.contains("194 mi past its 1,864 mi interval"),
            "{}",
            mi.body
        );
    }

    #[test]
    fn due_soon_says_how_much_is_left_and_nags_say_still_due() {
        let m = render(Units::Metric, &chain(2550.0));
        assert_eq!(
            m.body,
            "Canyon Endurace: replace the Shimano Ultegra chain soon — 450 km left of its 3,000 km interval."
        );
        assert_eq!(m.title, "Replace soon: Shimano Ultegra chain");
        let mut nag = chain(3400.0);
        nag.nag = 2;
        assert!(render(Units::Metric, &nag).title.starts_with("Still due"));
        assert!(sms_text(Units::Metric, &nag).starts_with("Pedalwrencher (still due): "));
    }

    #[test]
    fn tasks_that_are_not_bare_verbs_name_the_part_in_brackets_and_days_read_naturally() {
        let mut r = chain(0.0);
        r.task = "Bleed brake fluid".into();
        r.component = "Hydraulic brakes".into();
        r.metric = Metric::Days;
        r.interval = 365.0;
        r.used = 377.4;
        r.level = Level::Due;
        r.bike = None;
        assert_eq!(
            render(Units::Metric, &r).body,
            "On the shelf: bleed brake fluid (Hydraulic brakes) — 12 days past its 365-day interval."
        );
        assert_eq!(
            what_to_do("Clean and lube", "chain"),
            "clean and lube the chain"
        );
    }

    #[test]
    fn sms_text_is_plain_gsm_and_fits_one_text() {
        let t = sms_text(Units::Metric, &chain(3312.0));
        assert!(t.is_ascii(), "{t}");
        assert!(t.len() <= 160, "{} chars: {t}", t.len());
    }
}
