//! Two and three devices in one process, over the in-memory transport: the engine end to end.

use std::sync::Mutex;

use crate::garage::bikes::{self, BikePatch, NewBike};
use crate::store::Store;

use super::transport::MemoryTransport;

const PASS: &str = "correct horse battery";

fn device() -> Mutex<Store> {
    Mutex::new(Store::open_in_memory().unwrap())
}

fn sync(store: &Mutex<Store>, target: &MemoryTransport) -> super::Report {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(super::pass(store, target, PASS, "test"))
        .unwrap()
}

fn bike_names(store: &Mutex<Store>) -> Vec<String> {
    let s = store.lock().unwrap();
    let mut names: Vec<String> = bikes::list(&s)
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    names.sort();
    names
}

#[test]
fn a_bike_added_on_one_device_appears_on_the_other() {
    let target = MemoryTransport::new();
    let (a, b) = (device(), device());
    bikes::add(
        &mut a.lock().unwrap(),
        NewBike {
            name: "Tarmac".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let first = sync(&a, &target);
    assert!(first.vault_created);
    assert_eq!(first.pushed_files, 1, "{first:?}");
    let joined = sync(&b, &target);
    assert!(joined.applied.rows_created >= 1, "{joined:?}");
    assert_eq!(bike_names(&b), vec!["Tarmac"]);
    // Nothing new: nothing moves.
    let again = sync(&b, &target);
    assert_eq!(again.applied.fields, 0, "{again:?}");
}

#[test]
fn concurrent_edits_merge_per_field_and_a_delete_wins() {
    let target = MemoryTransport::new();
    let (a, b) = (device(), device());
    let bike = bikes::add(
        &mut a.lock().unwrap(),
        NewBike {
            name: "Tarmac".into(),
            ..Default::default()
        },
    )
    .unwrap();
    sync(&a, &target);
    sync(&b, &target);
    bikes::edit(
        &mut a.lock().unwrap(),
        &bike.id,
        BikePatch {
            name: Some("Tarmac SL7".into()),
            ..Default::default()
        },
    )
    .unwrap();
    bikes::edit(
        &mut b.lock().unwrap(),
        &bike.id,
        BikePatch {
            notes: Some("tubeless".into()),
            ..Default::default()
        },
    )
    .unwrap();
    sync(&a, &target);
    sync(&b, &target);
    sync(&a, &target);
    for s in [&a, &b] {
        let got = bikes::get(&s.lock().unwrap(), &bike.id).unwrap();
        assert_eq!(
            (got.name.as_str(), got.notes.as_str()),
            ("Tarmac SL7", "tubeless")
        );
    }
}
