//! Phase C: each edit applied to the engine and to the model, and both compared after it.

use std::collections::{HashMap, HashSet};

use pedalwrencher_core::garage::bikes;
use pedalwrencher_core::garage::components::{self, ComponentPatch, InitialUsage};
use pedalwrencher_core::garage::installations;
use pedalwrencher_core::garage::rides::{self, RidePatch};
use pedalwrencher_core::garage::rules::{self, RulePatch};
use pedalwrencher_core::garage::services;
use pedalwrencher_core::garage::workshop::{self, ItsParts};
use pedalwrencher_core::wear::{self, RuleStatus};
use pedalwrencher_core::{ErrorKind, RideId, RuleId, Timestamp, When};
use proptest::prelude::*;

use crate::at;
use crate::reference::{
    above, bike_now, reference_cycle, reference_state, reference_usage, On, PartModel, RuleModel,
};
use crate::scenario::{Edit, RideValues, Target};
use crate::sim::{ok, Sim};

impl Sim {
    /// Phase C: one edit, to the engine and to the model.
    pub fn apply(&mut self, edit: &Edit) -> Result<(), TestCaseError> {
        match edit {
            Edit::Reassign { ride, bike } => {
                let Some(id) = self.live_ride(*ride) else {
                    return Ok(());
                };
                ok(
                    rides::assign(&mut self.store, &id, bike.map(|b| self.bikes[b].clone())),
                    "assign",
                )?;
                self.rides[*ride].as_mut().expect("live ride").bike = *bike;
            }
            Edit::Delete { ride } => {
                let Some(id) = self.live_ride(*ride) else {
                    return Ok(());
                };
                ok(rides::delete(&mut self.store, &id), "delete ride")?;
                self.rides[*ride] = None;
            }
            Edit::Retime { ride, hour, indoor } => {
                let Some(id) = self.live_ride(*ride) else {
                    return Ok(());
                };
                let patch = RidePatch {
                    start_at: hour.map(|h| When::At(at(h))),
                    indoor: *indoor,
                    ..Default::default()
                };
                ok(rides::edit(&mut self.store, &id, patch), "edit ride")?;
                let v = self.rides[*ride].as_mut().expect("live ride");
                if let Some(h) = hour {
                    v.hour = *h;
                }
                if let Some(i) = indoor {
                    v.indoor = *i;
                }
            }
            Edit::Reimport { rides: offered } => {
                let imported: Vec<usize> = (0..self.imported.len())
                    .filter(|&i| self.imported[i])
                    .collect();
                if imported.is_empty() {
                    return Ok(());
                }
                let offered: Vec<(usize, &RideValues)> = offered
                    .iter()
                    .map(|(i, v)| (imported[i % imported.len()], v))
                    .collect();
                let news = offered
                    .iter()
                    .map(|&(i, v)| self.new_ride(v, Some(i)))
                    .collect();
                let (mut updated, mut unchanged) = (0, 0);
                for &(i, v) in &offered {
                    match &mut self.rides[i] {
                        // A ride the rider deleted stays deleted.
                        None => unchanged += 1,
                        Some(old) if old == v => unchanged += 1,
                        Some(old) => {
                            *old = v.clone();
                            updated += 1;
                        }
                    }
                }
                let report = ok(rides::import(&mut self.store, news), "re-import")?;
                prop_assert_eq!(
                    (report.inserted, report.updated, report.unchanged),
                    (0, updated, unchanged),
                    "re-import report"
                );
            }
            Edit::Rule {
                component,
                rule,
                filter,
                warn,
                interval_quarters,
                repeat,
            } => {
                let Some((p, ri)) = self.target(*component, *rule) else {
                    return Ok(());
                };
                let r = &mut self.parts[p].rules[ri];
                let interval =
                    interval_quarters.map(|q| (r.interval * f64::from(q) / 4.0).floor().max(1.0));
                ok(
                    rules::edit(
                        &mut self.store,
                        &r.id,
                        RulePatch {
                            interval,
                            warn_fraction: *warn,
                            repeat: *repeat,
                            filter: *filter,
                            ..Default::default()
                        },
                    ),
                    "edit rule",
                )?;
                r.interval = interval.unwrap_or(r.interval);
                r.warn = warn.unwrap_or(r.warn);
                r.repeat = repeat.unwrap_or(r.repeat);
                r.filter = filter.unwrap_or(r.filter);
            }
            Edit::StartingUsage { component, initial } => {
                let Some((p, _)) = self.target(*component, 0) else {
                    return Ok(());
                };
                ok(
                    components::edit(
                        &mut self.store,
                        &self.parts[p].id,
                        ComponentPatch {
                            initial: Some(*initial),
                            ..Default::default()
                        },
                    ),
                    "edit starting usage",
                )?;
                self.parts[p].initial = *initial;
            }
            Edit::MarkService {
                component,
                rule,
                hour,
            } => {
                let Some((p, ri)) = self.target(*component, *rule) else {
                    return Ok(());
                };
                self.mark(p, ri, *hour)?;
            }
            Edit::DeleteService {
                component,
                rule,
                nth,
            } => {
                let Some((p, ri)) = self.target(*component, *rule) else {
                    return Ok(());
                };
                let r = &mut self.parts[p].rules[ri];
                let standing: Vec<usize> = (0..r.services.len())
                    .filter(|&i| r.services[i].live)
                    .collect();
                if standing.is_empty() {
                    return Ok(());
                }
                let victim = standing[nth % standing.len()];
                if r.latest() == Some(victim) {
                    r.epoch += 1;
                }
                r.services[victim].live = false;
                let undone = ok(
                    services::delete(&mut self.store, &r.services[victim].id),
                    "delete service",
                )?;
                prop_assert_eq!(undone.epoch, r.epoch, "epoch reported by the undo");
            }
            Edit::Retire { component, hour } => {
                let Some((p, _)) = self.target(*component, 0) else {
                    return Ok(());
                };
                let result =
                    workshop::retire(&mut self.store, &self.parts[p].id, &at(*hour).into());
                match self.parts[p].open() {
                    Some((_, since)) if *hour <= since => {
                        return expect_refused(result.map(|_| ()), ErrorKind::Invalid, edit);
                    }
                    _ => {}
                }
                let on_it = self.on_it(p);
                if on_it.iter().any(|&(_, since)| *hour <= since) {
                    return expect_refused(result.map(|_| ()), ErrorKind::Invalid, edit);
                }
                let retired = ok(result, "retire")?;
                let shelved: HashSet<_> = retired.shelved.iter().map(|q| q.id.clone()).collect();
                let want: HashSet<_> = on_it
                    .iter()
                    .map(|&(q, _)| self.parts[q].id.clone())
                    .collect();
                prop_assert_eq!(shelved, want, "parts shelved by the retire");
                self.close_open(p, *hour);
                for &(q, _) in &on_it {
                    self.close_open(q, *hour);
                }
                self.parts[p].retired = true;
                self.slots[*component] = None;
            }
            Edit::Replace {
                component,
                hour,
                shelve,
            } => {
                let Some((p, _)) = self.target(*component, 0) else {
                    return Ok(());
                };
                let its_parts = if *shelve {
                    ItsParts::Shelve
                } else {
                    ItsParts::Move
                };
                let result = workshop::replace(
                    &mut self.store,
                    &self.parts[p].id,
                    &at(*hour).into(),
                    its_parts,
                );
                let open = self.parts[p].open();
                match open {
                    Some((_, since)) if *hour <= since => {
                        return expect_refused(result.map(|_| ()), ErrorKind::Invalid, edit);
                    }
                    // The fresh part cannot be mounted on a retired bike or part.
                    Some((On::Bike(bike), _)) if self.bike_retired[bike] => {
                        return expect_refused(result.map(|_| ()), ErrorKind::Conflict, edit);
                    }
                    Some((On::Part(q), _)) if self.parts[q].retired => {
                        return expect_refused(result.map(|_| ()), ErrorKind::Conflict, edit);
                    }
                    _ => {}
                }
                let on_it = self.on_it(p);
                if on_it.iter().any(|&(_, since)| *hour <= since) {
                    return expect_refused(result.map(|_| ()), ErrorKind::Invalid, edit);
                }
                let replaced = ok(result, "replace")?;
                let (moved, shelved) = if *shelve {
                    (&replaced.shelved, &replaced.moved)
                } else {
                    (&replaced.moved, &replaced.shelved)
                };
                prop_assert!(
                    shelved.is_empty(),
                    "parts sent the other way: {:?}",
                    shelved
                );
                let went: HashSet<_> = moved.iter().map(|q| q.id.clone()).collect();
                let want: HashSet<_> = on_it
                    .iter()
                    .map(|&(q, _)| self.parts[q].id.clone())
                    .collect();
                prop_assert_eq!(went, want, "parts taken off the replaced one");
                let fresh = replaced.fresh;
                self.close_open(p, *hour);
                let fresh_index = self.parts.len();
                for &(q, _) in &on_it {
                    self.close_open(q, *hour);
                    if !*shelve {
                        self.parts[q]
                            .installs
                            .push((On::Part(fresh_index), *hour, None));
                    }
                }
                self.parts[p].retired = true;
                // The fresh part's rules are new rows: find them by their (copied) task.
                let listed = ok(rules::list(&self.store, &fresh.id), "list fresh rules")?;
                prop_assert_eq!(listed.len(), self.parts[p].rules.len(), "rules copied");
                let mut copies = Vec::new();
                for old in &self.parts[p].rules {
                    let Some(new) = listed.iter().find(|r| r.task == old.task) else {
                        return Err(TestCaseError::fail(format!("no copy of {}", old.task)));
                    };
                    copies.push(RuleModel {
                        id: new.id.clone(),
                        task: old.task.clone(),
                        metric: old.metric,
                        filter: old.filter,
                        interval: old.interval,
                        warn: old.warn,
                        repeat: old.repeat,
                        services: Vec::new(),
                        epoch: 0,
                    });
                }
                prop_assert_eq!(fresh_index, self.parts.len());
                self.parts.push(PartModel {
                    id: fresh.id,
                    initial: InitialUsage::default(),
                    installs: open
                        .map(|(on, _)| vec![(on, *hour, None)])
                        .unwrap_or_default(),
                    rules: copies,
                    retired: false,
                });
                self.slots[*component] = Some(self.parts.len() - 1);
            }
            Edit::RetireBike { bike } => {
                ok(
                    bikes::retire(&mut self.store, &self.bikes[*bike]),
                    "retire bike",
                )?;
                self.bike_retired[*bike] = true;
            }
            Edit::Move {
                component,
                onto,
                hour,
            } => {
                let Some((p, _)) = self.target(*component, 0) else {
                    return Ok(());
                };
                let on = match onto {
                    Target::Bike(b) => On::Bike(*b),
                    Target::Part(slot) => match self.slots[*slot] {
                        Some(q) => On::Part(q),
                        None => return Ok(()),
                    },
                };
                let (id, mount) = (self.parts[p].id.clone(), self.mount(on));
                let result =
                    installations::move_onto(&mut self.store, &id, &mount, &at(*hour).into())
                        .map(|_| ());
                let Some((_, since)) = self.parts[p].open() else {
                    return expect_refused(result, ErrorKind::Conflict, edit);
                };
                if *hour <= since {
                    return expect_refused(result, ErrorKind::Invalid, edit);
                }
                let refused = match on {
                    On::Bike(b) => self.bike_retired[b],
                    On::Part(q) => above(&self.parts, p, q, *hour),
                };
                if refused {
                    return expect_refused(result, ErrorKind::Conflict, edit);
                }
                ok(result, "move")?;
                self.close_open(p, *hour);
                self.parts[p].installs.push((on, *hour, None));
            }
        }
        Ok(())
    }

    pub fn live_ride(&self, ride: usize) -> Option<RideId> {
        self.rides.get(ride)?.as_ref()?;
        self.ride_ids[ride].clone()
    }

    /// The parts mounted directly on `part` now, with the hour each went on.
    pub fn on_it(&self, part: usize) -> Vec<(usize, u32)> {
        self.parts
            .iter()
            .enumerate()
            .filter_map(|(q, model)| match model.open() {
                Some((On::Part(parent), since)) if parent == part => Some((q, since)),
                _ => None,
            })
            .collect()
    }

    pub fn close_open(&mut self, part: usize, hour: u32) {
        for span in &mut self.parts[part].installs {
            if span.2.is_none() {
                span.2 = Some(hour);
            }
        }
    }

    /// Every rule of every part in service, as the reference sees it, against `wear::statuses`.
    pub fn verify(&mut self, when: &dyn Fn() -> String) -> Result<Vec<RuleStatus>, TestCaseError> {
        let statuses = ok(wear::statuses(&mut self.store), "statuses")?;
        let mut expected: HashMap<&RuleId, (usize, &PartModel, &RuleModel)> = HashMap::new();
        for (p, part) in self.parts.iter().enumerate().filter(|(_, p)| !p.retired) {
            for rule in &part.rules {
                expected.insert(&rule.id, (p, part, rule));
            }
        }
        prop_assert_eq!(
            statuses.len(),
            expected.len(),
            "{}: rules listed {:?}",
            when(),
            statuses.iter().map(|s| &s.task).collect::<Vec<_>>()
        );
        let mut seen = HashSet::new();
        for st in &statuses {
            let Some(&(p, part, rule)) = expected.get(&st.rule_id) else {
                return Err(TestCaseError::fail(format!(
                    "{}: rule {} of {} is listed but should not be",
                    when(),
                    st.task,
                    st.component
                )));
            };
            prop_assert!(seen.insert(&st.rule_id), "{}: listed twice", when());
            let want = reference_usage(&self.parts, p, rule, &self.rides);
            prop_assert!(
                (st.used - want).abs() <= 1e-6 * want.abs().max(1.0),
                "{}: {} of {} ({:?}): engine {} vs reference {}",
                when(),
                rule.task,
                st.component,
                rule,
                st.used,
                want
            );
            prop_assert_eq!(
                (
                    st.metric,
                    st.interval,
                    st.warn_fraction,
                    st.repeat,
                    st.filter
                ),
                (
                    rule.metric,
                    rule.interval,
                    rule.warn,
                    rule.repeat,
                    rule.filter
                ),
                "{}: settings of {:?}",
                when(),
                rule
            );
            prop_assert_eq!(&st.component_id, &part.id, "{}: component", when());
            prop_assert_eq!(
                st.state,
                reference_state(want, rule.interval, rule.warn),
                "{}: state of {:?} at {}",
                when(),
                rule,
                want
            );
            prop_assert_eq!(
                st.cycle,
                reference_cycle(want, rule.interval, rule.repeat),
                "{}: cycle of {:?} at {}",
                when(),
                rule,
                want
            );
            prop_assert_eq!(st.epoch, rule.epoch, "{}: epoch of {:?}", when(), rule);
            prop_assert_eq!(
                st.last_service_at,
                rule.last_service().map(Timestamp),
                "{}: last service of {:?}",
                when(),
                rule
            );
            let now = bike_now(&self.parts, p);
            let active = now.is_none_or(|bike| !self.bike_retired[bike]);
            prop_assert_eq!(st.active, active, "{}: active, on bike {:?}", when(), now);
            prop_assert!(
                (st.remaining - (rule.interval - want)).abs() <= 1e-6 * rule.interval.max(1.0),
                "{}: remaining",
                when()
            );
        }
        Ok(statuses)
    }
}

pub fn expect_refused(
    result: pedalwrencher_core::Result<()>,
    kind: ErrorKind,
    edit: &Edit,
) -> Result<(), TestCaseError> {
    match result {
        Err(e) if e.kind() == kind => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!(
            "{edit:?}: refused as {:?} ({e}), expected {kind:?}",
            e.kind()
        ))),
        Ok(()) => Err(TestCaseError::fail(format!(
            "{edit:?}: accepted, expected {kind:?}"
        ))),
    }
}
