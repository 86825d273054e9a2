//! Driving the engine and the model side by side: phase B builds the garage in both.

use std::sync::Arc;

use pedalwrencher_core::garage::bikes::{self, NewBike};
use pedalwrencher_core::garage::components::NewComponent;
use pedalwrencher_core::garage::installations::{self, Mount};
use pedalwrencher_core::garage::rides::{self, NewRide, RideQuery, RideSource};
use pedalwrencher_core::garage::rules::{self, NewRule};
use pedalwrencher_core::garage::services::{self, NewService};
use pedalwrencher_core::garage::workshop;
use pedalwrencher_core::{BikeId, ManualClock, RideId, Store, When};
use proptest::prelude::*;

use crate::reference::{On, PartModel, RuleModel, ServiceModel};
use crate::scenario::{RideValues, Scenario};
use crate::{at, NOW};

mod edits;

/// One write against the store; the phase-B writes are applied in a shuffled order.
pub enum Op {
    Install {
        component: usize,
        on: On,
        from: u32,
        until: Option<u32>,
    },
    InstallThenMove {
        component: usize,
        first: (On, u32),
        then: (On, u32),
    },
    Ride(usize),
    Import(Vec<usize>),
    Service {
        component: usize,
        rule: usize,
        hour: u32,
    },
}

pub fn ok<T>(r: pedalwrencher_core::Result<T>, what: &str) -> Result<T, TestCaseError> {
    r.map_err(|e| TestCaseError::fail(format!("{what} failed: {e}")))
}

pub fn external_id(ride: usize) -> String {
    format!("ext-{ride}")
}

pub struct Sim {
    pub store: Store,
    pub bikes: Vec<BikeId>,
    pub bike_retired: Vec<bool>,
    /// Every component ever made, retired ones included.
    pub parts: Vec<PartModel>,
    /// The scenario's component i is now `parts[slots[i]]` (None once retired for good).
    pub slots: Vec<Option<usize>>,
    /// Final values of each ride; None once deleted.
    pub rides: Vec<Option<RideValues>>,
    pub ride_ids: Vec<Option<RideId>>,
    pub imported: Vec<bool>,
}

impl Sim {
    pub fn new_ride(&self, v: &RideValues, external: Option<usize>) -> NewRide {
        NewRide {
            source: if external.is_some() {
                RideSource::Strava
            } else {
                RideSource::Manual
            },
            external_id: external.map(external_id),
            bike_id: v.bike.map(|b| self.bikes[b].clone()),
            start_at: at(v.hour).into(),
            distance_m: f64::from(v.distance_m),
            moving_time_s: f64::from(v.moving_s),
            elapsed_time_s: None,
            elevation_m: f64::from(v.elevation_m),
            energy_kj: v.energy_kj.map(f64::from),
            sport_type: "Ride".into(),
            indoor: v.indoor,
            commute: false,
            name: String::new(),
        }
    }

    /// Phase B: the garage's bikes, parts, rules, installations, rides and services.
    pub fn build(s: &Scenario) -> Result<Sim, TestCaseError> {
        let mut store = ok(Store::open_in_memory(), "in-memory store")?
            .with_clock(Arc::new(ManualClock::new(NOW)));
        let mut bike_ids = Vec::new();
        for i in 0..s.bikes {
            let bike = bikes::add(
                &mut store,
                NewBike {
                    name: format!("Bike {i}"),
                    ..Default::default()
                },
            );
            bike_ids.push(ok(bike, "add bike")?.id);
        }
        let mut parts = Vec::new();
        for (ci, c) in s.components.iter().enumerate() {
            let id = ok(
                workshop::add_component(
                    &mut store,
                    NewComponent {
                        kind: "custom".into(),
                        name: Some(format!("Part {ci}")),
                        initial: c.initial,
                        without_rules: true,
                        ..Default::default()
                    },
                ),
                "add component",
            )?
            .id;
            let mut rule_models = Vec::new();
            for (ri, r) in c.rules.iter().enumerate() {
                let task = format!("Task {ri}");
                let rule = ok(
                    rules::add(
                        &mut store,
                        &id,
                        NewRule {
                            task: task.clone(),
                            metric: r.metric,
                            interval: r.interval,
                            warn_fraction: Some(r.warn),
                            repeat: r.repeat,
                            filter: r.filter,
                        },
                    ),
                    "add rule",
                )?;
                rule_models.push(RuleModel {
                    id: rule.id,
                    task,
                    metric: r.metric,
                    filter: r.filter,
                    interval: r.interval,
                    warn: r.warn,
                    repeat: r.repeat,
                    services: Vec::new(),
                    epoch: 0,
                });
            }
            parts.push(PartModel {
                id,
                initial: c.initial,
                installs: c.intervals(ci),
                rules: rule_models,
                retired: false,
            });
        }
        let mut sim = Sim {
            store,
            bike_retired: vec![false; s.bikes],
            bikes: bike_ids,
            slots: (0..parts.len()).map(Some).collect(),
            parts,
            rides: vec![None; s.rides.len()],
            ride_ids: vec![None; s.rides.len()],
            imported: s.rides.iter().map(|r| r.import_batch.is_some()).collect(),
        };

        let mut ops = Vec::new();
        for (ci, c) in s.components.iter().enumerate() {
            let mut intervals = c.intervals(ci);
            if c.via_move && c.touching && c.open_end && intervals.len() >= 2 {
                let (bike2, from2, _) = intervals.pop().expect("two intervals");
                let (bike1, from1, _) = intervals.pop().expect("two intervals");
                ops.push(Op::InstallThenMove {
                    component: ci,
                    first: (bike1, from1),
                    then: (bike2, from2),
                });
            }
            for (on, from, until) in intervals {
                ops.push(Op::Install {
                    component: ci,
                    on,
                    from,
                    until,
                });
            }
            for (ri, r) in c.rules.iter().enumerate() {
                for &hour in &r.services {
                    ops.push(Op::Service {
                        component: ci,
                        rule: ri,
                        hour,
                    });
                }
            }
        }
        let mut batches: [Vec<usize>; 3] = Default::default();
        for (i, r) in s.rides.iter().enumerate() {
            match r.import_batch {
                None => ops.push(Op::Ride(i)),
                Some(k) => batches[usize::from(k) % 3].push(i),
            }
        }
        ops.extend(
            batches
                .into_iter()
                .filter(|b| !b.is_empty())
                .map(Op::Import),
        );
        // Fisher-Yates driven by generated numbers, so proptest can shrink the order too.
        for i in (1..ops.len()).rev() {
            let j = s.shuffle[i % s.shuffle.len()] as usize % (i + 1);
            ops.swap(i, j);
        }

        for op in ops {
            sim.apply_op(s, op)?;
        }
        // Imports do not hand out ids: find the imported rides by their external ids.
        let listed = ok(rides::list(&sim.store, &RideQuery::default()), "list rides")?;
        for ride in listed {
            if let Some(i) = ride
                .external_id
                .as_deref()
                .and_then(|e| e.strip_prefix("ext-"))
                .and_then(|i| i.parse::<usize>().ok())
            {
                sim.ride_ids[i] = Some(ride.id);
            }
        }
        Ok(sim)
    }

    pub fn apply_op(&mut self, s: &Scenario, op: Op) -> Result<(), TestCaseError> {
        match op {
            Op::Install {
                component,
                on,
                from,
                until,
            } => {
                let mount = self.mount(on);
                ok(
                    installations::install_on(
                        &mut self.store,
                        &self.parts[component].id,
                        &mount,
                        &at(from).into(),
                        until.map(|u| When::from(at(u))).as_ref(),
                    ),
                    "install",
                )?;
            }
            Op::InstallThenMove {
                component,
                first,
                then,
            } => {
                let id = self.parts[component].id.clone();
                let (mount1, mount2) = (self.mount(first.0), self.mount(then.0));
                ok(
                    installations::install_on(
                        &mut self.store,
                        &id,
                        &mount1,
                        &at(first.1).into(),
                        None,
                    ),
                    "install before move",
                )?;
                ok(
                    installations::move_onto(&mut self.store, &id, &mount2, &at(then.1).into()),
                    "move",
                )?;
            }
            Op::Ride(i) => {
                let v = &s.rides[i].values;
                let new = self.new_ride(v, None);
                let ride = ok(rides::add(&mut self.store, new), "ride")?;
                self.ride_ids[i] = Some(ride.id);
                self.rides[i] = Some(v.clone());
            }
            Op::Import(batch) => {
                let news = batch
                    .iter()
                    .map(|&i| self.new_ride(&s.rides[i].values, Some(i)))
                    .collect();
                let report = ok(rides::import(&mut self.store, news), "import")?;
                prop_assert_eq!(report.inserted, batch.len(), "rides inserted by an import");
                for i in batch {
                    self.rides[i] = Some(s.rides[i].values.clone());
                }
            }
            Op::Service {
                component,
                rule,
                hour,
            } => self.mark(component, rule, hour)?,
        }
        Ok(())
    }

    pub fn mark(&mut self, part: usize, rule: usize, hour: u32) -> Result<(), TestCaseError> {
        let r = &mut self.parts[part].rules[rule];
        let service = ok(
            services::mark_done(
                &mut self.store,
                &r.id,
                NewService {
                    done_at: Some(at(hour).into()),
                    ..Default::default()
                },
            ),
            "mark service",
        )?;
        r.services.push(ServiceModel {
            id: service.id,
            done_at: at(hour).millis(),
            live: true,
        });
        r.epoch += 1;
        Ok(())
    }

    /// The engine's name for what the model mounts on.
    pub fn mount(&self, on: On) -> Mount {
        match on {
            On::Bike(b) => Mount::Bike(self.bikes[b].clone()),
            On::Part(p) => Mount::Part(self.parts[p].id.clone()),
        }
    }

    /// The live part in slot `component` and a rule index on it, if the slot is still in use.
    pub fn target(&self, component: usize, rule: usize) -> Option<(usize, usize)> {
        let p = self.slots.get(component).copied().flatten()?;
        Some((p, rule % self.parts[p].rules.len()))
    }
}
