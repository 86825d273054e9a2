//! Retiring and replacing a part that carries others: what is on it goes to the shelf or onto
//! the fresh part at that instant, and the wear before it stays exactly as it was.

use std::sync::Arc;

use crate::error::ErrorKind;
use crate::garage::bikes::{self, NewBike};
use crate::garage::components::{self, NewComponent};
use crate::garage::installations;
use crate::garage::rides::{self, NewRide, RideSource};
use crate::garage::rules::{self, NewRule};
use crate::garage::workshop::{self, ItsParts, PartOnIt};
use crate::ids::{BikeId, ComponentId};
use crate::store::{ManualClock, Store};
use crate::time::{Timestamp, When, MS_PER_DAY};
use crate::wear::{self, metric::ActivityFilter};
use crate::Metric;

const T0: i64 = 1_780_000_000_000;

fn day(n: i64) -> Timestamp {
    Timestamp(T0 + n * MS_PER_DAY)
}

/// A bike with a wheelset on it since day 0, a tyre on the wheelset and sealant in the tyre;
/// each with one distance rule. "Now" is day 100.
struct Wheels {
    store: Store,
    bike: BikeId,
    wheelset: ComponentId,
    tyre: ComponentId,
    sealant: ComponentId,
}

fn part(
    store: &mut Store,
    kind: &str,
    name: &str,
    bike: Option<&BikeId>,
    on: Option<&ComponentId>,
) -> ComponentId {
    let id = workshop::add_component(
        store,
        NewComponent {
            kind: kind.into(),
            name: Some(name.into()),
            bike_id: bike.cloned(),
            parent_id: on.cloned(),
            installed_at: Some(day(0).into()),
            without_rules: true,
            ..NewComponent::default()
        },
    )
    .unwrap()
    .id;
    rules::add(
        store,
        &id,
        NewRule {
            task: "Check".into(),
            metric: Metric::DistanceM,
            interval: 5_000_000.0,
            warn_fraction: None,
            repeat: true,
            filter: ActivityFilter::All,
        },
    )
    .unwrap();
    id
}

fn wheels() -> Wheels {
    let clock = Arc::new(ManualClock::new(day(100)));
    let mut store = Store::open_in_memory().unwrap().with_clock(clock);
    let bike = bikes::add(
        &mut store,
        NewBike {
            name: "Road".into(),
            kind: None,
            strava_gear_id: None,
            notes: String::new(),
        },
    )
    .unwrap()
    .id;
    let wheelset = part(&mut store, "wheelset", "Race wheels", Some(&bike), None);
    let tyre = part(&mut store, "tyre", "Rear tyre", None, Some(&wheelset));
    let sealant = part(&mut store, "sealant", "Sealant", None, Some(&tyre));
    Wheels {
        store,
        bike,
        wheelset,
        tyre,
        sealant,
    }
}

impl Wheels {
    fn ride(&mut self, on_day: i64, km: f64) {
        rides::add(
            &mut self.store,
            NewRide {
                source: RideSource::Manual,
                external_id: None,
                bike_id: Some(self.bike.clone()),
                start_at: Timestamp(day(on_day).0 + MS_PER_DAY / 2).into(),
                distance_m: km * 1000.0,
                moving_time_s: 3600.0,
                elapsed_time_s: None,
                elevation_m: 0.0,
                energy_kj: None,
                sport_type: "Ride".into(),
                indoor: false,
                commute: false,
                name: format!("day {on_day}"),
            },
        )
        .unwrap();
    }

    /// The km a part's rule has counted (None when the part is retired and so not listed).
    fn km(&mut self, part: &ComponentId) -> Option<f64> {
        wear::statuses(&mut self.store)
            .unwrap()
            .into_iter()
            .find(|s| &s.component_id == part)
            .map(|s| s.used / 1000.0)
    }

    /// What the part sits on now (its parent) and the bike it reaches, from the listing.
    fn place(&self, part: &ComponentId) -> (Option<ComponentId>, Option<BikeId>) {
        let listed = components::list(&self.store, None, true).unwrap();
        let c = listed
            .into_iter()
            .find(|c| &c.component.id == part)
            .unwrap();
        (c.parent_id, c.bike_id)
    }

    fn named(&self, part: &ComponentId, name: &str) -> PartOnIt {
        PartOnIt {
            id: part.clone(),
            name: name.into(),
        }
    }
}

#[test]
fn retiring_a_wheelset_shelves_its_tyre_on_that_date_and_keeps_the_tyres_earlier_wear() {
    let mut w = wheels();
    w.ride(10, 100.0);
    let before = (w.km(&w.tyre.clone()), w.km(&w.sealant.clone()));
    assert_eq!(before, (Some(100.0), Some(100.0)));

    let retired = workshop::retire(&mut w.store, &w.wheelset, &When::from(day(20))).unwrap();
    assert!(retired.component.retired);
    assert_eq!(retired.shelved, vec![w.named(&w.tyre, "Rear tyre")]);
    w.ride(30, 50.0);

    // The tyre's wear is what it was at the retire date; the sealant stays in the tyre.
    assert_eq!(w.km(&w.tyre.clone()), Some(100.0));
    assert_eq!(w.km(&w.sealant.clone()), Some(100.0));
    assert_eq!(w.km(&w.wheelset.clone()), None, "retired: not listed");
    assert_eq!(w.place(&w.tyre), (None, None), "on the shelf");
    assert_eq!(w.place(&w.sealant), (Some(w.tyre.clone()), None));
    let tyre_history = installations::history(&w.store, &w.tyre).unwrap();
    assert_eq!(tyre_history.len(), 1);
    assert_eq!(tyre_history[0].removed_at, Some(day(20)));
    // The tyre is free to go on another wheel, and counts again from then.
    let bike = w.bike.clone();
    let spare = part(&mut w.store, "wheel", "Spare wheel", Some(&bike), None);
    installations::install_on(
        &mut w.store,
        &w.tyre,
        &installations::Mount::Part(spare),
        &When::from(day(40)),
        None,
    )
    .unwrap();
    w.ride(50, 20.0);
    assert_eq!(w.km(&w.tyre.clone()), Some(120.0));
}

#[test]
fn replacing_a_wheelset_moves_its_tyre_onto_the_new_one_and_the_tyre_keeps_counting() {
    let mut w = wheels();
    w.ride(10, 100.0);
    let replaced = workshop::replace(
        &mut w.store,
        &w.wheelset,
        &When::from(day(20)),
        ItsParts::Move,
    )
    .unwrap();
    assert_eq!(replaced.moved, vec![w.named(&w.tyre, "Rear tyre")]);
    assert!(replaced.shelved.is_empty());
    let fresh = replaced.fresh.id;
    w.ride(30, 50.0);

    assert_eq!(w.km(&w.tyre.clone()), Some(150.0), "before and after");
    assert_eq!(
        w.km(&w.sealant.clone()),
        Some(150.0),
        "it rides along in the tyre"
    );
    assert_eq!(w.km(&fresh), Some(50.0), "the new wheelset: after only");
    assert_eq!(
        w.place(&w.tyre),
        (Some(fresh.clone()), Some(w.bike.clone()))
    );
    let tyre_history = installations::history(&w.store, &w.tyre).unwrap();
    assert_eq!(tyre_history.len(), 2);
    assert_eq!(tyre_history[0].removed_at, Some(day(20)));
    assert_eq!(tyre_history[1].parent_id, Some(fresh));
    assert_eq!(tyre_history[1].installed_at, day(20));
}

#[test]
fn replacing_a_wheelset_can_send_its_tyre_to_the_shelf_instead() {
    let mut w = wheels();
    w.ride(10, 100.0);
    let replaced = workshop::replace(
        &mut w.store,
        &w.wheelset,
        &When::from(day(20)),
        ItsParts::Shelve,
    )
    .unwrap();
    assert!(replaced.moved.is_empty());
    assert_eq!(replaced.shelved, vec![w.named(&w.tyre, "Rear tyre")]);
    w.ride(30, 50.0);
    assert_eq!(w.km(&w.tyre.clone()), Some(100.0));
    assert_eq!(w.km(&replaced.fresh.id), Some(50.0));
    assert_eq!(w.place(&w.tyre), (None, None));
}

#[test]
fn a_retire_dated_before_a_part_went_on_it_is_refused_and_changes_nothing() {
    let mut w = wheels();
    // A second tyre went on the wheelset on day 30: retiring the wheelset on day 20 would leave
    // it on a part that is gone.
    let front = part(&mut w.store, "tyre", "Front tyre", None, None);
    installations::install_on(
        &mut w.store,
        &front,
        &installations::Mount::Part(w.wheelset.clone()),
        &When::from(day(30)),
        None,
    )
    .unwrap();
    let err = workshop::retire(&mut w.store, &w.wheelset, &When::from(day(20))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    let msg = err.to_string();
    assert!(
        msg.contains("\"Front tyre\"") && msg.contains("pick a later date"),
        "{msg}"
    );
    let err = workshop::replace(
        &mut w.store,
        &w.wheelset,
        &When::from(day(20)),
        ItsParts::Move,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(!components::get(&w.store, &w.wheelset).unwrap().retired);
    assert_eq!(
        w.place(&w.tyre),
        (Some(w.wheelset.clone()), Some(w.bike.clone()))
    );
    assert_eq!(
        w.place(&front),
        (Some(w.wheelset.clone()), Some(w.bike.clone()))
    );
    assert_eq!(
        components::list(&w.store, None, true).unwrap().len(),
        4,
        "no fresh part"
    );

    // After both went on, both come off, oldest mounting first.
    let retired = workshop::retire(&mut w.store, &w.wheelset, &When::from(day(40))).unwrap();
    assert_eq!(
        retired.shelved,
        vec![w.named(&w.tyre, "Rear tyre"), w.named(&front, "Front tyre")]
    );
}
