//! Reading other devices when their files are damaged, held back or rolled back, and the state
//! a device keeps per vault: over the in-memory transport, the engine end to end.

use std::sync::{Arc, Mutex};

use crate::garage::bikes::{self, NewBike};
use crate::store::{ManualClock, Store};
use crate::time::Timestamp;

use super::transport::{MemoryTransport, Transport};

const PASS: &str = "correct horse battery";
const HOUR: i64 = 3_600_000;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn sync(store: &Mutex<Store>, target: &MemoryTransport) -> super::Report {
    block_on(super::pass(store, target, PASS, "test")).unwrap()
}

fn device(clock: &Arc<ManualClock>) -> Mutex<Store> {
    Mutex::new(Store::open_in_memory().unwrap().with_clock(clock.clone()))
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Timestamp(1_800_000_000_000)))
}

fn add_bike(store: &Mutex<Store>, name: &str) {
    bikes::add(
        &mut store.lock().unwrap(),
        NewBike {
            name: name.into(),
            ..Default::default()
        },
    )
    .unwrap();
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

fn path(store: &Mutex<Store>, name: &str) -> String {
    format!(
        "{}{name}",
        super::names::device_dir(store.lock().unwrap().device_id())
    )
}

fn id(store: &Mutex<Store>) -> String {
    store.lock().unwrap().device_id().to_owned()
}

/// The devices the watchdog would raise after `hours` more hours.
fn raised_after(store: &Mutex<Store>, clock: &ManualClock, hours: i64) -> Vec<String> {
    clock.advance_ms(hours * HOUR);
    super::heads::behind(&store.lock().unwrap(), 48 * HOUR)
        .unwrap()
        .into_iter()
        .map(|b| b.device_id)
        .collect()
}

/// A's seg-2 is damaged on the target; A goes on and writes a snapshot after it (in this crate's
/// tests after every 3 segments). B reads past the damaged segment from the snapshot, which holds
/// its edit, and nothing is raised.
#[test]
fn a_damaged_segment_followed_by_a_snapshot_is_read_past() {
    let (clock, target) = (clock(), MemoryTransport::new());
    let (a, b) = (device(&clock), device(&clock));
    add_bike(&a, "Bike 0");
    sync(&a, &target);
    sync(&b, &target);
    add_bike(&a, "In the damaged segment");
    sync(&a, &target);
    block_on(target.put(&path(&a, "seg-2"), b"PWV1 not a sync file".to_vec())).unwrap();

    let stuck = sync(&b, &target);
    assert!(!bike_names(&b).contains(&"In the damaged segment".to_owned()));
    assert!(
        stuck.skipped.iter().any(|s| s.contains("seg-2")),
        "{stuck:?}"
    );
    assert!(
        stuck.behind.iter().any(|s| s.contains("seg-2")),
        "no snapshot after it yet: {stuck:?}"
    );

    for i in 3..=4 {
        add_bike(&a, &format!("Bike {i}"));
        sync(&a, &target);
    }
    assert!(
        block_on(target.get(&path(&a, "snap-5"))).unwrap().is_some(),
        "{:?}",
        target.paths()
    );
    let past = sync(&b, &target);
    assert_eq!(bike_names(&b), bike_names(&a), "{past:?}");
    assert!(past.behind.is_empty(), "{past:?}");
    assert!(raised_after(&b, &clock, 49).is_empty());
    // And reading goes on after the snapshot.
    add_bike(&a, "After the snapshot");
    sync(&a, &target);
    sync(&b, &target);
    assert_eq!(bike_names(&b), bike_names(&a));
}

/// A file B cannot read past, with no snapshot after it, is raised once it lasts longer than the
/// stale threshold, and clears once the file is readable again.
#[test]
fn a_device_that_cannot_be_read_past_is_raised_after_the_threshold_and_clears() {
    let (clock, target) = (clock(), MemoryTransport::new());
    let (a, b) = (device(&clock), device(&clock));
    add_bike(&a, "Bike 0");
    sync(&a, &target);
    sync(&b, &target);
    add_bike(&a, "Bike 1");
    sync(&a, &target);
    let seg = path(&a, "seg-2");
    let good = block_on(target.get(&seg)).unwrap().unwrap();
    block_on(target.put(&seg, b"damaged".to_vec())).unwrap();
    sync(&b, &target);
    assert!(raised_after(&b, &clock, 47).is_empty(), "not yet");
    sync(&b, &target);
    assert_eq!(
        raised_after(&b, &clock, 2),
        [id(&a)],
        "since the first pass"
    );
    block_on(target.put(&seg, good)).unwrap();
    sync(&b, &target);
    assert!(raised_after(&b, &clock, 0).is_empty());
    assert_eq!(bike_names(&b), bike_names(&a));
}

/// A's seg-2 is damaged on the target and A writes nothing more: B cannot read past it, says so
/// in its `info`, and A, reading that, writes a snapshot on its next push instead of after its
/// next thousand files; B reads past the damage from it.
#[test]
fn a_writer_asked_by_a_stuck_reader_writes_a_snapshot_after_the_damage() {
    let (clock, target) = (clock(), MemoryTransport::new());
    let (a, b) = (device(&clock), device(&clock));
    add_bike(&a, "Bike 0");
    sync(&a, &target);
    sync(&b, &target);
    add_bike(&a, "In the damaged segment");
    sync(&a, &target);
    block_on(target.put(&path(&a, "seg-2"), b"PWV1 not a sync file".to_vec())).unwrap();

    let stuck = sync(&b, &target);
    assert!(!stuck.behind.is_empty(), "{stuck:?}");
    let quiet = sync(&a, &target);
    assert_eq!(
        quiet.pushed_files, 0,
        "the request is read after this pass's push"
    );
    let asked = sync(&a, &target);
    assert_eq!(asked.pushed_files, 1, "{asked:?}");
    assert!(
        block_on(target.get(&path(&a, "snap-3"))).unwrap().is_some(),
        "{:?}",
        target.paths()
    );
    let past = sync(&b, &target);
    assert!(past.behind.is_empty(), "{past:?}");
    assert_eq!(bike_names(&b), bike_names(&a));
    // Once read past, B asks no more, and A writes nothing more for it.
    assert_eq!(sync(&a, &target).pushed_files, 0);
    assert_eq!(sync(&a, &target).pushed_files, 0);
}

/// A gap (A's seg-2 missing, as while a storage is still copying) is waited on for an hour
/// before B asks A for a snapshot: a storage delivering files out of order must not cost a
/// whole-garage snapshot each time.
#[test]
fn a_gap_is_waited_on_an_hour_before_the_writer_is_asked_for_a_snapshot() {
    let (clock, target) = (clock(), MemoryTransport::new());
    let (a, b) = (device(&clock), device(&clock));
    add_bike(&a, "Bike 0");
    sync(&a, &target);
    sync(&b, &target);
    add_bike(&a, "In the missing segment");
    sync(&a, &target);
    add_bike(&a, "After it");
    sync(&a, &target);
    block_on(target.delete(&path(&a, "seg-2"))).unwrap();

    sync(&b, &target);
    for _ in 0..2 {
        assert_eq!(sync(&a, &target).pushed_files, 0, "not asked yet");
    }
    clock.advance_ms(HOUR + 1);
    let still = sync(&b, &target);
    assert!(!still.behind.is_empty(), "{still:?}");
    sync(&a, &target);
    assert_eq!(sync(&a, &target).pushed_files, 1, "asked after the hour");
    let past = sync(&b, &target);
    assert!(past.behind.is_empty(), "{past:?}");
    assert_eq!(bike_names(&b), bike_names(&a));
}

/// The storage holds A's newer file back from B and serves A's older `info`: B has never seen
/// the file, but C read it and published A's head, so B knows what it is missing and says so.
#[test]
fn files_held_back_are_caught_by_the_head_another_device_remembers() {
    let (clock, target) = (clock(), MemoryTransport::new());
    let (a, b, c) = (device(&clock), device(&clock), device(&clock));
    add_bike(&a, "Bike 0");
    for d in [&a, &b, &c] {
        sync(d, &target);
    }
    let old_info = block_on(target.get(&path(&a, "info"))).unwrap().unwrap();
    add_bike(&a, "Held back");
    sync(&a, &target);
    sync(&c, &target);
    // What a server rolling A's folder back would serve.
    let seg = path(&a, "seg-2");
    let held = block_on(target.get(&seg)).unwrap().unwrap();
    block_on(target.delete(&seg)).unwrap();
    block_on(target.put(&path(&a, "info"), old_info)).unwrap();

    let pass = sync(&b, &target);
    assert!(pass.behind.iter().any(|s| s.contains(&id(&a))), "{pass:?}");
    assert_eq!(raised_after(&b, &clock, 49), [id(&a)]);
    block_on(target.put(&seg, held)).unwrap();
    let caught_up = sync(&b, &target);
    assert!(caught_up.behind.is_empty(), "{caught_up:?}");
    assert!(bike_names(&b).contains(&"Held back".to_owned()));
}

/// Stopping sync and setting up the same target again goes on where it stopped: nothing is sent
/// or read again.
#[test]
fn the_same_target_set_up_again_goes_on_where_it_stopped() {
    let (clock, target) = (clock(), MemoryTransport::new());
    let (a, b) = (device(&clock), device(&clock));
    add_bike(&a, "Bike 0");
    sync(&a, &target);
    sync(&b, &target);
    super::status::forget(&b.lock().unwrap()).unwrap();
    assert!(!super::status::set_up(&b.lock().unwrap()).unwrap());
    let again = sync(&b, &target);
    assert_eq!(
        (again.pushed_files, again.pulled_files, again.applied.fields),
        (0, 0, 0),
        "{again:?}"
    );
    assert!(super::status::set_up(&b.lock().unwrap()).unwrap());
}

/// A device moved to another target sends its whole garage there, numbered from the start, and
/// reads the devices there from their beginning.
#[test]
fn a_device_moved_to_another_target_sends_its_whole_garage_there() {
    let (clock, old, new) = (clock(), MemoryTransport::new(), MemoryTransport::new());
    let (a, b) = (device(&clock), device(&clock));
    add_bike(&a, "Bike 0");
    sync(&a, &old);
    sync(&b, &old);
    add_bike(&b, "Bike of B");
    sync(&b, &old);
    sync(&a, &old);
    for d in [&a, &b] {
        super::status::forget(&d.lock().unwrap()).unwrap();
    }
    let moved = sync(&a, &new);
    assert!(moved.vault_created, "{moved:?}");
    assert!(block_on(new.get(&path(&a, "snap-1"))).unwrap().is_some());
    let joined = sync(&b, &new);
    assert_eq!(joined.joined_from, Some(id(&a)), "{joined:?}");
    // B's first file on the new target is a fresh snapshot too, read by A.
    assert!(block_on(new.get(&path(&b, "snap-1"))).unwrap().is_some());
    let read = sync(&a, &new);
    assert!(read.behind.is_empty(), "{read:?}");
    let c = device(&clock);
    sync(&c, &new);
    assert_eq!(bike_names(&c), ["Bike 0", "Bike of B"]);
    // Back on the old target without stopping first: refused, nothing changed.
    let refused = block_on(super::pass(&a, &old, PASS, "test")).unwrap_err();
    assert!(refused.to_string().contains("another garage"), "{refused}");
}

/// A file far bigger than any sync file (damage, or a storage serving something else under its
/// name) is not read into memory: it is skipped like a damaged one, and a snapshot after it is
/// read instead.
#[test]
fn a_file_over_the_download_cap_is_skipped_like_a_damaged_one() {
    let clock = clock();
    let target = MemoryTransport::new().with_max_file_bytes(64 << 10);
    let (a, b) = (device(&clock), device(&clock));
    add_bike(&a, "Bike 0");
    sync(&a, &target);
    sync(&b, &target);
    add_bike(&a, "Bike 1");
    sync(&a, &target);
    block_on(target.put(&path(&a, "seg-2"), vec![0u8; 1 << 20])).unwrap();
    let pass = sync(&b, &target);
    assert!(
        pass.skipped
            .iter()
            .any(|s| s.contains("seg-2") && s.contains("bigger")),
        "{pass:?}"
    );
    for i in 3..=4 {
        add_bike(&a, &format!("Bike {i}"));
        sync(&a, &target);
    }
    sync(&b, &target);
    assert_eq!(bike_names(&b), bike_names(&a));
}
