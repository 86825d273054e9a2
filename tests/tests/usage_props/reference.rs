//! The reference: its own model of the garage, and the definition read literally.

use pedalwrencher_core::garage::components::InitialUsage;
use pedalwrencher_core::time::MS_PER_DAY;
use pedalwrencher_core::wear::State;
use pedalwrencher_core::{ActivityFilter, ComponentId, Metric, RuleId, ServiceId};

use crate::scenario::RideValues;
use crate::{at, NOW};

#[derive(Debug)]
pub struct ServiceModel {
    pub id: ServiceId,
    pub done_at: i64,
    pub live: bool,
}

#[derive(Debug)]
pub struct RuleModel {
    pub id: RuleId,
    pub task: String,
    pub metric: Metric,
    pub filter: ActivityFilter,
    pub interval: f64,
    pub warn: f64,
    pub repeat: bool,
    /// Every service marked on the rule, in the order marked.
    pub services: Vec<ServiceModel>,
    /// Services marked + deletions that removed the then-latest service.
    pub epoch: i64,
}

impl RuleModel {
    pub fn last_service(&self) -> Option<i64> {
        self.services
            .iter()
            .filter(|s| s.live)
            .map(|s| s.done_at)
            .max()
    }

    /// Index of the standing service that anchors the counter: latest by (done_at, id).
    pub fn latest(&self) -> Option<usize> {
        (0..self.services.len())
            .filter(|&i| self.services[i].live)
            .max_by(|&a, &b| {
                let (a, b) = (&self.services[a], &self.services[b]);
                (a.done_at, &a.id).cmp(&(b.done_at, &b.id))
            })
    }
}

/// What an installation holds a part on: a bike (index), or another part (index into the
/// model's parts, not the scenario's slots).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum On {
    Bike(usize),
    Part(usize),
}

#[derive(Debug)]
pub struct PartModel {
    pub id: ComponentId,
    pub initial: InitialUsage,
    /// (what it is on, from hour, until hour or None for still mounted)
    pub installs: Vec<(On, u32, Option<u32>)>,
    pub rules: Vec<RuleModel>,
    pub retired: bool,
}

impl PartModel {
    pub fn open(&self) -> Option<(On, u32)> {
        self.installs
            .iter()
            .find(|(_, _, until)| until.is_none())
            .map(|&(on, from, _)| (on, from))
    }

    /// What it is on at hour `h` (a ride at the exact removal hour is the next mounting's).
    pub fn on_at(&self, h: u32) -> Option<On> {
        self.installs
            .iter()
            .find(|(_, from, until)| *from <= h && until.is_none_or(|u| h < u))
            .map(|&(on, _, _)| on)
    }
}

/// The bike part `p` is on at hour `h`, climbing through its parents one hour at a time: the
/// literal reading of "a part's bike is its parents' bike at that moment". A chain longer than
/// the parts there are is a cycle, and reaches no bike.
pub fn bike_at(parts: &[PartModel], p: usize, h: u32) -> Option<usize> {
    let mut node = p;
    for _ in 0..=parts.len() {
        match parts[node].on_at(h)? {
            On::Bike(b) => return Some(b),
            On::Part(q) => node = q,
        }
    }
    None
}

/// The bike part `p` is on now, through its open installations.
pub fn bike_now(parts: &[PartModel], p: usize) -> Option<usize> {
    let mut node = p;
    for _ in 0..=parts.len() {
        match parts[node].open()?.0 {
            On::Bike(b) => return Some(b),
            On::Part(q) => node = q,
        }
    }
    None
}

/// Whether part `p` is above part `q` (or is `q`) at some hour from `from` on: mounting `p` on
/// `q` from then would mount it on itself. The chain only changes where an installation starts
/// or ends, so those hours (and `from`) are the ones to look at.
pub fn above(parts: &[PartModel], p: usize, q: usize, from: u32) -> bool {
    let mut hours: Vec<u32> = parts
        .iter()
        .flat_map(|m| m.installs.iter())
        .flat_map(|(_, f, u)| [Some(*f), *u])
        .flatten()
        .filter(|h| *h >= from)
        .collect();
    hours.push(from);
    hours.into_iter().any(|h| {
        let mut node = q;
        for _ in 0..=parts.len() {
            if node == p {
                return true;
            }
            match parts[node].on_at(h) {
                Some(On::Part(up)) => node = up,
                _ => return false,
            }
        }
        false
    })
}

pub fn value(metric: Metric, r: &RideValues) -> f64 {
    match metric {
        Metric::DistanceM => f64::from(r.distance_m),
        Metric::MovingTimeS => f64::from(r.moving_s),
        Metric::Rides => 1.0,
        Metric::ElevationM => f64::from(r.elevation_m),
        Metric::EnergyKj => f64::from(r.energy_kj.unwrap_or(0)),
        Metric::Days => 0.0,
    }
}

pub fn initial(metric: Metric, i: &InitialUsage) -> f64 {
    match metric {
        Metric::DistanceM => i.distance_m,
        Metric::MovingTimeS => i.moving_time_s,
        Metric::Rides => i.rides,
        Metric::ElevationM => i.elevation_m,
        Metric::EnergyKj => i.energy_kj,
        Metric::Days => i.days,
    }
}

pub fn passes(filter: ActivityFilter, indoor: bool) -> bool {
    match filter {
        ActivityFilter::All => true,
        ActivityFilter::Outdoor => !indoor,
        ActivityFilter::Indoor => indoor,
    }
}

/// The definition, read literally: scan every ride for every rule; a ride counts when the part,
/// through its parents at the ride's hour, is on the ride's bike.
pub fn reference_usage(
    parts: &[PartModel],
    p: usize,
    rule: &RuleModel,
    rides: &[Option<RideValues>],
) -> f64 {
    let part = &parts[p];
    let last_service = rule.last_service();
    let mut used = if last_service.is_some() {
        0.0
    } else {
        initial(rule.metric, &part.initial)
    };
    if rule.metric == Metric::Days {
        let first_install = part
            .installs
            .iter()
            .map(|(_, from, _)| at(*from).millis())
            .min();
        if let Some(anchor) = last_service.or(first_install) {
            used += (NOW.millis() - anchor).max(0) as f64 / MS_PER_DAY as f64;
        }
        return used;
    }
    for ride in rides.iter().flatten() {
        let Some(bike) = ride.bike else { continue };
        let start = at(ride.hour).millis();
        let mounted = bike_at(parts, p, ride.hour) == Some(bike);
        let after_service = last_service.is_none_or(|s| start >= s);
        if mounted && after_service && passes(rule.filter, ride.indoor) {
            used += value(rule.metric, ride);
        }
    }
    used
}

pub fn reference_state(used: f64, interval: f64, warn: f64) -> State {
    if used >= interval {
        State::Due
    } else if used >= warn * interval {
        State::DueSoon
    } else {
        State::Ok
    }
}

pub fn reference_cycle(used: f64, interval: f64, repeat: bool) -> u32 {
    if repeat {
        (used / interval).floor() as u32
    } else {
        0
    }
}
