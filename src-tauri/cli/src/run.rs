//! What each command does: parse the rider's units, call the core, print a table or JSON.

use serde::Serialize;

use pedalwrencher_core::garage::bikes::{self, BikePatch, NewBike};
use pedalwrencher_core::garage::components::{self, ComponentPatch, InitialUsage, NewComponent};
use pedalwrencher_core::garage::rides::{self, NewRide, RidePatch, RideQuery, RideSource};
use pedalwrencher_core::garage::rules::{self, NewRule, RulePatch};
use pedalwrencher_core::garage::services::{self, NewService};
use pedalwrencher_core::garage::{demo, installations, presets, workshop};
use pedalwrencher_core::time::{self, DateMeaning};
use pedalwrencher_core::units::{parse_duration_s, Units};
use pedalwrencher_core::wear::{self, State};
use pedalwrencher_core::{
    paths, store, validate, BikeId, ComponentId, Error, Metric, Result, RideId, RuleId, ServiceId,
    Store, Timestamp, When,
};

use crate::args::{BikeCmd, Cli, Command, ComponentCmd, RideCmd, RuleCmd, ServiceCmd};
use crate::table::Table;

pub(crate) struct Out {
    pub(crate) json: bool,
    pub(crate) units: Units,
}

impl Out {
    /// A quantity typed in the rider's units, checked as typed (so a message quotes what they
    /// wrote, not metres or seconds), then converted to SI.
    fn si(&self, field: &str, metric: Metric, value: f64) -> Result<f64> {
        Ok(self
            .units
            .from_display(metric, validate::non_negative(field, value)?))
    }

    /// JSON for scripts, or the human rendering.
    pub(crate) fn emit<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> Result<()> {
        if self.json {
            let text = serde_json::to_string_pretty(value)
                .map_err(|e| Error::Invalid(format!("could not encode the output as JSON: {e}")))?;
            print_out(&text);
        } else {
            print_out(&human(value));
        }
        Ok(())
    }
}

/// Writes to stdout without `println!`'s panic when stdout is gone or full.
pub(crate) fn print_out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Ok(()) => {}
        // The reader went away (`| head`): the command itself succeeded.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        // Any write already made is committed; only the report is lost.
        Err(e) => {
            eprintln!("error: could not write the output: {e}");
            std::process::exit(1);
        }
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let out = Out {
        json: cli.json,
        units: cli.units.parse()?,
    };
    let dir = match cli.data_dir.clone().or_else(paths::default_data_dir) {
        Some(dir) => dir,
        None => {
            return Err(Error::Invalid(
                "no data folder: pass --data-dir DIR or set PEDALWRENCHER_DATA_DIR".to_owned(),
            ))
        }
    };
    let mut store = Store::open_dir(&dir)?;
    let command = match cli.command {
        Command::Sync { full } => return crate::strava::sync(store, &dir, &out, full),
        Command::Strava(cmd) => return crate::strava::run(store, &dir, &out, cmd),
        Command::Devices(cmd) => return crate::devices::run(store, &dir, &out, cmd),
        Command::Notify { test, retry_failed } => {
            return crate::notify::notify(store, &dir, &out, test, retry_failed)
        }
        Command::Status => return crate::health::status(store, &dir, &out),
        Command::Serve {
            interval_seconds,
            cycles,
            grace_seconds,
        } => {
            return crate::serve::serve(
                store,
                &dir,
                crate::serve::Options {
                    interval_seconds,
                    cycles,
                    grace: std::time::Duration::from_secs(grace_seconds),
                    units: out.units,
                },
            )
        }
        other => other,
    };
    let s = &mut store;
    let now = s.now();
    match command {
        Command::Demo => {
            let outcome = demo::load(s)?;
            out.emit(&outcome, |o| {
                if o.loaded {
                    "Loaded the demo garage: 3 bikes, 16 components and a year of rides. Try `pedalwrencher-cli due`.".to_owned()
                } else {
                    "The demo garage is already loaded; nothing was added.".to_owned()
                }
            })
        }
        Command::Sync { .. }
        | Command::Strava(_)
        | Command::Devices(_)
        | Command::Notify { .. }
        | Command::Status
        | Command::Serve { .. } => {
            unreachable!("handled above")
        }
        Command::Bikes => {
            let list = bikes::list(s)?;
            out.emit(&list, |list| {
                let mut t = Table::new(&["ID", "NAME", "KIND", "RIDES", "DISTANCE", "MOVING", "STRAVA", "RETIRED"]).right(&[3, 4, 5]);
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
        Command::Bike(cmd) => bike(s, &out, cmd),
        Command::Components { bike, all } => {
            let bike = bike.map(BikeId::from);
            if let Some(b) = &bike {
                bikes::get(s, b)?;
            }
            let list = components::list(s, bike.as_ref(), all)?;
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
        Command::Component(cmd) => component(s, &out, cmd, now),
        Command::Presets => out.emit(&presets::all(), |list| {
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
        }),
        Command::Rides {
            bike,
            unassigned,
            limit,
        } => {
            let bike = bike.map(BikeId::from);
            if let Some(b) = &bike {
                bikes::get(s, b)?;
            }
            let q = RideQuery {
                bike,
                unassigned_only: unassigned,
                limit: Some(limit),
            };
            let list = rides::list(s, &q)?;
            // Riders know their bikes by name; the ids are in --json and in `bikes`.
            let names: std::collections::HashMap<_, _> = bikes::list(s)?
                .into_iter()
                .map(|b| (b.id, b.name))
                .collect();
            out.emit(&list, |list| {
                let mut t =
                    Table::new(&["ID", "DATE", "NAME", "DISTANCE", "MOVING", "CLIMB", "BIKE"])
                        .right(&[3, 4, 5]);
                for r in list {
                    t.row(vec![
                        r.id.to_string(),
                        r.start_at.local_date(),
                        r.name.clone(),
                        out.units.format(Metric::DistanceM, r.distance_m),
                        out.units.format(Metric::MovingTimeS, r.moving_time_s),
                        out.units.format(Metric::ElevationM, r.elevation_m),
                        r.bike_id.as_ref().map_or("(unassigned)".into(), |b| {
                            names.get(b).cloned().unwrap_or_else(|| b.to_string())
                        }),
                    ]);
                }
                t.render()
            })
        }
        Command::Ride(cmd) => ride(s, &out, cmd, now),
        Command::Rule(cmd) => rule(s, &out, cmd),
        Command::Due { attention } => {
            let mut list = wear::statuses(s)?;
            if attention {
                // Parts on a retired bike never remind, so they never need attention.
                list.retain(|r| r.state != State::Ok && r.active);
            }
            out.emit(&list, |list| {
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
                for r in list {
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
                    t.row(vec![
                        r.rule_id.to_string(),
                        r.bike.clone().unwrap_or_else(|| "(shelf)".into()),
                        r.component.clone(),
                        r.task.clone(),
                        out.units.format(r.metric, r.used),
                        out.units.format(r.metric, r.interval),
                        left,
                        state,
                    ]);
                }
                if list.is_empty() {
                    "Nothing to show: no service intervals yet, or none needing attention."
                        .to_owned()
                } else {
                    t.render()
                }
            })
        }
        Command::Done {
            rule,
            date,
            cost,
            notes,
        } => {
            let svc = NewService {
                done_at: date.map(When::Typed),
                cost_cents: money(cost.as_deref())?,
                notes,
            };
            let done = services::mark_done(s, &RuleId::from(rule), svc)?;
            out.emit(&done, |d| {
                format!(
                    "Marked done on {}; the counter starts again. Undo with `pedalwrencher-cli service delete {}`.",
                    d.done_at.local_date(),
                    d.id
                )
            })
        }
        Command::Services { rule } => {
            let list = services::list(s, &RuleId::from(rule))?;
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
        Command::Service(ServiceCmd::Delete { id }) => {
            let undone = services::delete(s, &ServiceId::from(id))?;
            out.emit(&undone, |u| {
                format!(
                    "Service of {} deleted; the counter is back where it was before it.",
                    u.service.done_at.local_date()
                )
            })
        }
        Command::Snooze {
            rule,
            days,
            until,
            further,
            clear,
        } => {
            let id = RuleId::from(rule);
            if let Some(amount) = further {
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
                        out.si("--use", metric, v)?
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
            let until = match (days, until, clear) {
                (_, _, true) => {
                    rules::snooze_for_use(s, &id, None)?;
                    None
                }
                (Some(d), _, _) => Some(now.plus_days(i64::from(d))),
                (None, Some(u), _) => {
                    Some(time::resolve("snooze date", &u, DateMeaning::Until, now)?)
                }
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
    }
}

fn state_label(state: State) -> &'static str {
    match state {
        State::Ok => "ok",
        State::DueSoon => "due soon",
        State::Due => "DUE",
    }
}

#[derive(Serialize)]
pub(crate) struct Status {
    database: String,
    schema_version: usize,
    latest_schema_version: usize,
    bikes: usize,
    rules: usize,
    due: usize,
    due_soon: usize,
    unassigned_rides: i64,
    /// How the Strava connection stands ("Synced 14:05", "Offline — will retry at 14:10", …).
    strava: String,
    strava_status: pedalwrencher_core::strava::state::Status,
}

/// How the garage stands (the first half of `status`; `health` adds the watchdog).
pub(crate) fn garage_status(s: &mut Store) -> Result<Status> {
    let strava = pedalwrencher_core::strava::connection::overview(s)?;
    let mut statuses = wear::statuses(s)?;
    // Parts on a retired bike are shown by `due`, but do not count as needing care.
    statuses.retain(|r| r.active);
    let st = Status {
        database: s
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        schema_version: s.schema_version()?,
        latest_schema_version: store::latest_version(),
        bikes: bikes::list(s)?.len(),
        rules: statuses.len(),
        due: statuses.iter().filter(|r| r.state == State::Due).count(),
        due_soon: statuses
            .iter()
            .filter(|r| r.state == State::DueSoon)
            .count(),
        unassigned_rides: rides::count_unassigned(s)?,
        strava: strava.summary,
        strava_status: strava.state.status,
    };
    Ok(st)
}

impl Status {
    pub(crate) fn describe(&self) -> String {
        format!(
            "database:   {}\nschema:     v{} (latest v{})\nbikes:      {}\nrules:      {} ({} due, {} due soon)\nunassigned: {} rides\nstrava:     {}",
            self.database, self.schema_version, self.latest_schema_version, self.bikes, self.rules, self.due, self.due_soon, self.unassigned_rides, self.strava
        )
    }
}

fn bike(s: &mut Store, out: &Out, cmd: BikeCmd) -> Result<()> {
    let b = match cmd {
        BikeCmd::Add {
            name,
            kind,
            strava_gear_id,
            notes,
        } => bikes::add(
            s,
            NewBike {
                name,
                kind,
                strava_gear_id,
                notes,
            },
        )?,
        BikeCmd::Edit {
            id,
            name,
            kind,
            notes,
            retired,
        } => bikes::edit(
            s,
            &BikeId::from(id),
            BikePatch {
                name,
                kind,
                notes,
                retired,
                ..Default::default()
            },
        )?,
        BikeCmd::Retire { id } => bikes::retire(s, &BikeId::from(id))?,
    };
    out.emit(&b, |b| {
        format!("Bike \"{}\" ({}) saved. id: {}", b.name, b.kind, b.id)
    })
}

/// A date option as typed, or now when it was left out; the core resolves it.
fn when(at: Option<String>, now: Timestamp) -> When {
    at.map_or(When::At(now), When::Typed)
}

fn component(s: &mut Store, out: &Out, cmd: ComponentCmd, now: Timestamp) -> Result<()> {
    match cmd {
        ComponentCmd::Add {
            kind,
            name,
            bike,
            installed,
            brand,
            model,
            cost,
            used,
            no_rules,
        } => {
            let initial = InitialUsage {
                distance_m: out.si(
                    "starting distance",
                    Metric::DistanceM,
                    used.used_distance.unwrap_or(0.0),
                )?,
                moving_time_s: used
                    .used_hours
                    .as_deref()
                    .map(parse_duration_s)
                    .transpose()?
                    .unwrap_or(0.0),
                days: used.used_days.unwrap_or(0.0),
                ..Default::default()
            };
            let new = NewComponent {
                kind,
                name,
                brand,
                model,
                purchase_cost_cents: money(cost.as_deref())?,
                initial,
                installed_at: installed.map(When::Typed),
                bike_id: bike.map(BikeId::from),
                without_rules: no_rules,
                ..Default::default()
            };
            let c = workshop::add_component(s, new)?;
            let rules = rules::list(s, &c.id)?;
            out.emit(
                &serde_json::json!({ "component": c, "rules": rules }),
                |_| {
                    let mut text =
                        format!("Component \"{}\" ({}) added. id: {}", c.name, c.kind, c.id);
                    for r in &rules {
                        text.push_str(&format!(
                            "\n  rule {}: {} every {}",
                            r.id,
                            r.task,
                            out.units.format(r.metric, r.interval)
                        ));
                    }
                    text
                },
            )
        }
        ComponentCmd::Edit {
            id,
            name,
            brand,
            model,
            notes,
            cost,
        } => {
            let purchase_cost_cents = match cost.as_deref() {
                None => None,
                Some("none") => Some(None),
                Some(text) => Some(money(Some(text))?),
            };
            let patch = ComponentPatch {
                name,
                brand,
                model,
                notes,
                purchase_cost_cents,
                initial: None,
            };
            let c = components::edit(s, &ComponentId::from(id), patch)?;
            out.emit(&c, |c| {
                format!("Component \"{}\" saved. id: {}", c.name, c.id)
            })
        }
        ComponentCmd::Install {
            id,
            bike,
            at,
            until,
        } => {
            let until = until.map(When::Typed);
            let i = installations::install(
                s,
                &ComponentId::from(id),
                &BikeId::from(bike),
                &when(at, now),
                until.as_ref(),
            )?;
            out.emit(&i, |i| {
                format!("Installed from {}.", i.installed_at.local_date())
            })
        }
        ComponentCmd::Remove { id, at } => {
            let bike = installations::remove(s, &ComponentId::from(id), &when(at, now))?;
            out.emit(&serde_json::json!({ "removed_from": bike }), |_| {
                "Removed; it is now on the shelf.".to_owned()
            })
        }
        ComponentCmd::Move { id, bike, at } => {
            let i = installations::move_to(
                s,
                &ComponentId::from(id),
                &BikeId::from(bike),
                &when(at, now),
            )?;
            out.emit(&i, |i| format!("Moved on {}.", i.installed_at.local_date()))
        }
        ComponentCmd::Retire { id, at } => {
            let c = workshop::retire(s, &ComponentId::from(id), &when(at, now))?;
            out.emit(&c, |c| format!("\"{}\" retired.", c.name))
        }
        ComponentCmd::Replace { id, at } => {
            let c = workshop::replace(s, &ComponentId::from(id), &when(at, now))?;
            out.emit(&c, |c| {
                format!("Replaced. The new \"{}\" has id {}.", c.name, c.id)
            })
        }
    }
}

fn ride(s: &mut Store, out: &Out, cmd: RideCmd, now: Timestamp) -> Result<()> {
    match cmd {
        RideCmd::Add {
            bike,
            date,
            distance,
            time,
            elevation,
            energy,
            indoor,
            commute,
            name,
        } => {
            let moving = parse_duration_s(&time)?;
            let new = NewRide {
                bike_id: bike.map(BikeId::from),
                start_at: when(date, now),
                distance_m: out.si("distance", Metric::DistanceM, distance)?,
                moving_time_s: moving,
                elapsed_time_s: None,
                elevation_m: out.si("elevation gain", Metric::ElevationM, elevation)?,
                energy_kj: energy,
                sport_type: if indoor { "VirtualRide" } else { "Ride" }.to_owned(),
                indoor,
                commute,
                name,
                source: RideSource::Manual,
                external_id: None,
            };
            let r = rides::add(s, new)?;
            out.emit(&r, |r| {
                format!(
                    "Ride logged ({}). id: {}",
                    out.units.format(Metric::DistanceM, r.distance_m),
                    r.id
                )
            })
        }
        RideCmd::Edit {
            id,
            date,
            distance,
            time,
            elevation,
            energy,
            indoor,
            commute,
            name,
        } => {
            let patch = RidePatch {
                start_at: date.map(When::Typed),
                distance_m: distance
                    .map(|d| out.si("distance", Metric::DistanceM, d))
                    .transpose()?,
                moving_time_s: time.as_deref().map(parse_duration_s).transpose()?,
                elevation_m: elevation
                    .map(|e| out.si("elevation gain", Metric::ElevationM, e))
                    .transpose()?,
                energy_kj: energy.map(Some),
                indoor,
                commute,
                name,
                ..Default::default()
            };
            let r = rides::edit(s, &RideId::from(id), patch)?;
            out.emit(&r, |r| {
                format!(
                    "Ride saved ({}). id: {}",
                    out.units.format(Metric::DistanceM, r.distance_m),
                    r.id
                )
            })
        }
        RideCmd::Assign { id, bike, unassign } => {
            let bike = if unassign {
                None
            } else {
                bike.map(BikeId::from)
            };
            let r = rides::assign(s, &RideId::from(id), bike)?;
            out.emit(&r, |r| match &r.bike_id {
                Some(b) => format!("Ride assigned to bike {b}."),
                None => "Ride is now unassigned.".to_owned(),
            })
        }
        RideCmd::Delete { id } => {
            rides::delete(s, &RideId::from(id))?;
            out.emit(&serde_json::json!({ "deleted": true }), |_| {
                "Ride deleted; its wear is taken back.".to_owned()
            })
        }
    }
}

fn rule(s: &mut Store, out: &Out, cmd: RuleCmd) -> Result<()> {
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
                interval: out.si("interval", metric, validate::positive("interval", every)?)?,
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
                    .map(|e| out.si("interval", metric, validate::positive("interval", e)?))
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

/// "24.90" → 2490 cents.
fn money(text: Option<&str>) -> Result<Option<i64>> {
    let Some(text) = text else { return Ok(None) };
    let bad = || Error::Invalid(format!("'{text}' is not an amount; write it like 24.90"));
    let value: f64 = text.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() || !(0.0..=1e9).contains(&value) {
        return Err(bad());
    }
    Ok(Some((value * 100.0).round() as i64))
}
