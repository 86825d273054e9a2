//! Parts on parts across devices: concurrent moves of a parent and a child, and the two-device
//! cycle (A onto B here, B onto A there), repaired the same way everywhere, the rider told.

use pedalwrencher_core::garage::bikes::{self, NewBike};
use pedalwrencher_core::garage::components::{self, NewComponent};
use pedalwrencher_core::garage::installations::{self, Mount};
use pedalwrencher_core::garage::workshop;
use pedalwrencher_core::sync::notices;
use pedalwrencher_core::{BikeId, ComponentId, Timestamp, When};

use crate::named::{exchange, pair, set_time};
use crate::reference::{diff, dump, installation_invariants};
use crate::replicas::Replica;
use crate::{BASE, HOUR, MINUTE};

fn bike(r: &mut Replica, name: &str) -> BikeId {
    bikes::add(
        &mut r.store,
        NewBike {
            name: name.into(),
            ..Default::default()
        },
    )
    .expect("add bike")
    .id
}

fn part(r: &mut Replica, kind: &str, name: &str, on: Option<&BikeId>) -> ComponentId {
    workshop::add_component(
        &mut r.store,
        NewComponent {
            kind: kind.into(),
            name: Some(name.into()),
            bike_id: on.cloned(),
            installed_at: Some(When::At(Timestamp(BASE - HOUR))),
            ..Default::default()
        },
    )
    .expect("add part")
    .id
}

fn move_onto(r: &mut Replica, c: &ComponentId, on: Mount, minute: i64) {
    installations::move_onto(
        &mut r.store,
        c,
        &on,
        &When::At(Timestamp(BASE + minute * MINUTE)),
    )
    .expect("move");
}

/// Where a part is now: its bike through its parents, and the part it sits on.
fn now_on(r: &Replica, c: &ComponentId) -> (Option<String>, Option<String>) {
    let listed = components::list(&r.store, None, true).expect("list");
    let l = listed
        .iter()
        .find(|l| &l.component.id == c)
        .expect("listed");
    (l.bike.clone(), l.parent.clone())
}

fn same_everywhere(a: &Replica, b: &Replica) {
    let (da, db) = (dump(a.store.connection()), dump(b.store.connection()));
    assert_eq!(da, db, "{}", diff(&da, &db));
    installation_invariants(&da).expect("invariants hold");
}

#[test]
pub fn two_parts_mounted_on_each_other_on_two_devices_are_taken_apart_the_same_everywhere() {
    let (mut a, mut b) = pair();
    let road = bike(&mut a, "Road");
    let summer = part(&mut a, "wheel", "Summer wheel", Some(&road));
    let winter = part(&mut a, "wheel", "Winter wheel", None);
    installations::install_on(
        &mut a.store,
        &winter,
        &Mount::Bike(road.clone()),
        &When::At(Timestamp(BASE - 30 * MINUTE)),
        None,
    )
    .expect("winter wheel on Road too");
    exchange(&mut a, &mut b);
    set_time(&[&a, &b], BASE + 10 * MINUTE);
    // Here the summer wheel goes onto the winter wheel; there, later, the other way round.
    // Each device alone refuses a loop; between them they make one from minute 7.
    move_onto(&mut a, &summer, Mount::Part(winter.clone()), 5);
    move_onto(&mut b, &winter, Mount::Part(summer.clone()), 7);
    exchange(&mut a, &mut b);
    same_everywhere(&a, &b);

    // The later move stands: the winter wheel on the summer wheel; the summer wheel, which it
    // was put on, comes off the winter wheel then and goes to the shelf.
    assert_eq!(now_on(&a, &winter), (None, Some("Summer wheel".into())));
    assert_eq!(now_on(&a, &summer), (None, None));
    let summer_history = installations::history(&a.store, &summer).expect("history");
    let on_winter = summer_history
        .iter()
        .find(|i| i.parent_id.as_ref() == Some(&winter))
        .expect("the summer wheel's stint on the winter wheel");
    assert_eq!(
        (on_winter.installed_at, on_winter.removed_at),
        (
            Timestamp(BASE + 5 * MINUTE),
            Some(Timestamp(BASE + 7 * MINUTE))
        )
    );
    // The rider is told through the sync notices, on the device that found the loop (B read
    // A's move first); A received B's move together with B's repair, so it never held a loop.
    let told = notices::open(b.store.connection()).expect("notices");
    assert!(
        told.iter().any(|n| n.kind == "repair"
            && n.message.contains("mounted on each other")
            && n.message.contains("kept Winter wheel on Summer wheel")),
        "{told:?}"
    );
}

#[test]
pub fn a_wheel_and_its_tyre_moved_on_two_devices_keep_the_tyre_on_the_wheel_wherever_it_goes() {
    let (mut a, mut b) = pair();
    let road = bike(&mut a, "Road");
    let gravel = bike(&mut a, "Gravel");
    let wheel = part(&mut a, "wheel", "Wheel", Some(&road));
    let tyre = part(&mut a, "tyre", "Tyre", None);
    let spare = part(&mut a, "wheel", "Spare", None);
    installations::install_on(
        &mut a.store,
        &tyre,
        &Mount::Part(wheel.clone()),
        &When::At(Timestamp(BASE - 30 * MINUTE)),
        None,
    )
    .expect("tyre on the wheel");
    exchange(&mut a, &mut b);
    set_time(&[&a, &b], BASE + 10 * MINUTE);
    // Here the wheel moves to Gravel; there the tyre moves onto the spare wheel, and then,
    // later still, back onto the wheel (wherever it is by then).
    move_onto(&mut a, &wheel, Mount::Bike(gravel.clone()), 4);
    move_onto(&mut b, &tyre, Mount::Part(spare.clone()), 5);
    move_onto(&mut b, &tyre, Mount::Part(wheel.clone()), 8);
    exchange(&mut a, &mut b);
    same_everywhere(&a, &b);
    assert_eq!(
        now_on(&b, &tyre),
        (Some("Gravel".into()), Some("Wheel".into()))
    );

    // The same part moved onto two different parents on two devices: the later mounting wins.
    set_time(&[&a, &b], BASE + 20 * MINUTE);
    move_onto(&mut a, &tyre, Mount::Part(spare.clone()), 12);
    move_onto(&mut b, &tyre, Mount::Bike(road.clone()), 15);
    exchange(&mut a, &mut b);
    same_everywhere(&a, &b);
    assert_eq!(now_on(&a, &tyre), (Some("Road".into()), None));
}
