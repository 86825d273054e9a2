//! Device sync with clocks that disagree: a device an hour behind still converges and its later
//! edits still win; a device a year ahead has its changes quarantined and named, and sync goes on;
//! a remote stamp never drags this device's clock more than 5 minutes ahead of its wall clock.
//! In process, over the in-memory transport, each device on its own manual clock.

use std::sync::{Arc, Mutex};

use pedalwrencher_core::garage::bikes::{self, BikePatch, NewBike};
use pedalwrencher_core::store::{hlc, ManualClock, Store};
use pedalwrencher_core::sync::transport::MemoryTransport;
use pedalwrencher_core::sync::{self, status, Report};
use pedalwrencher_core::{BikeId, Timestamp};

const PASS: &str = "clock skew passphrase";
const HOUR: i64 = 3_600_000;
const NOW: i64 = 1_795_000_000_000;

struct Device {
    store: Mutex<Store>,
    clock: Arc<ManualClock>,
    name: &'static str,
}

impl Device {
    fn new(name: &'static str, offset_ms: i64) -> Device {
        let clock = Arc::new(ManualClock::new(Timestamp(NOW + offset_ms)));
        let store = Store::open_in_memory().unwrap().with_clock(clock.clone());
        Device {
            store: Mutex::new(store),
            clock,
            name,
        }
    }

    fn sync(&self, target: &MemoryTransport) -> Report {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(sync::pass(&self.store, target, PASS, self.name))
            .unwrap()
    }

    /// Real time passes the same for every device; only their clocks' readings differ.
    fn tick(&self, ms: i64) {
        self.clock.advance_ms(ms);
    }

    fn bike(&self, id: &BikeId) -> bikes::Bike {
        bikes::get(&self.store.lock().unwrap(), id).unwrap()
    }

    fn hlc_ms(&self) -> i64 {
        let s = self.store.lock().unwrap();
        let v: String = s
            .connection()
            .query_row("SELECT value FROM meta WHERE key = 'sync_hlc'", [], |r| {
                r.get(0)
            })
            .unwrap();
        hlc::millis(v.parse().unwrap())
    }
}

fn tick_all(devices: &[&Device], ms: i64) {
    for d in devices {
        d.tick(ms);
    }
}

#[test]
fn a_device_an_hour_behind_converges_and_its_later_edit_wins() {
    let target = MemoryTransport::new();
    let a = Device::new("laptop", 0);
    let b = Device::new("phone", -HOUR);
    let id = bikes::add(
        &mut a.store.lock().unwrap(),
        NewBike {
            name: "Tarmac".into(),
            ..Default::default()
        },
    )
    .unwrap()
    .id;
    a.sync(&target);
    b.sync(&target);
    tick_all(&[&a, &b], 1_000);
    // A renames first; B, whose clock reads an hour earlier, renames a minute later in real time,
    // after it has seen A's rename. B's edit is the later one and must win everywhere.
    bikes::edit(
        &mut a.store.lock().unwrap(),
        &id,
        BikePatch {
            name: Some("From the laptop".into()),
            ..Default::default()
        },
    )
    .unwrap();
    a.sync(&target);
    tick_all(&[&a, &b], 30_000);
    b.sync(&target);
    tick_all(&[&a, &b], 30_000);
    bikes::edit(
        &mut b.store.lock().unwrap(),
        &id,
        BikePatch {
            name: Some("From the phone".into()),
            ..Default::default()
        },
    )
    .unwrap();
    b.sync(&target);
    a.sync(&target);
    assert_eq!(a.bike(&id).name, "From the phone");
    assert_eq!(b.bike(&id).name, "From the phone");

    // Concurrent edits of different fields while both are offline: both kept.
    tick_all(&[&a, &b], 60_000);
    bikes::edit(
        &mut b.store.lock().unwrap(),
        &id,
        BikePatch {
            notes: Some("new tyres".into()),
            ..Default::default()
        },
    )
    .unwrap();
    bikes::edit(
        &mut a.store.lock().unwrap(),
        &id,
        BikePatch {
            kind: Some("gravel".into()),
            ..Default::default()
        },
    )
    .unwrap();
    for d in [&a, &b, &a] {
        d.sync(&target);
    }
    for d in [&a, &b] {
        let bike = d.bike(&id);
        assert_eq!(
            (bike.notes.as_str(), bike.kind.as_str()),
            ("new tyres", "gravel"),
            "{}",
            d.name
        );
    }
}

#[test]
fn a_change_stamped_a_year_ahead_is_quarantined_reported_and_sync_goes_on() {
    let target = MemoryTransport::new();
    let a = Device::new("laptop", 0);
    let b = Device::new("phone", 0);
    let c = Device::new("old tablet", 365 * 24 * HOUR);
    let id = bikes::add(
        &mut a.store.lock().unwrap(),
        NewBike {
            name: "Tarmac".into(),
            ..Default::default()
        },
    )
    .unwrap()
    .id;
    a.sync(&target);
    b.sync(&target);
    c.sync(&target);
    tick_all(&[&a, &b, &c], 1_000);
    bikes::edit(
        &mut c.store.lock().unwrap(),
        &id,
        BikePatch {
            name: Some("From the future".into()),
            ..Default::default()
        },
    )
    .unwrap();
    c.sync(&target);
    tick_all(&[&a, &b, &c], 1_000);
    bikes::edit(
        &mut b.store.lock().unwrap(),
        &id,
        BikePatch {
            notes: Some("from the phone".into()),
            ..Default::default()
        },
    )
    .unwrap();
    b.sync(&target);

    let report = a.sync(&target);
    assert!(report.applied.quarantined >= 1, "{report:?}");
    let bike = a.bike(&id);
    assert_eq!(bike.name, "Tarmac", "the far-future rename is held back");
    assert_eq!(
        bike.notes, "from the phone",
        "the other devices' changes still arrive"
    );
    let st = status::status(&a.store.lock().unwrap()).unwrap();
    assert!(st.quarantined >= 1);
    let told: Vec<&str> = st.notices.iter().map(|n| n.message.as_str()).collect();
    assert!(
        told.iter()
            .any(|m| m.contains("old tablet") && m.contains("clock")),
        "the rider is told which device's clock is wrong: {told:?}"
    );
    // This device's clock was not dragged a year ahead: its next edit still wins over older ones.
    assert!(a.hlc_ms() <= NOW + 10_000, "the local clock stayed put");
    tick_all(&[&a, &b, &c], 1_000);
    bikes::edit(
        &mut a.store.lock().unwrap(),
        &id,
        BikePatch {
            notes: Some("from the laptop".into()),
            ..Default::default()
        },
    )
    .unwrap();
    a.sync(&target);
    b.sync(&target);
    assert_eq!(b.bike(&id).notes, "from the laptop", "sync goes on");

    // A year later the held-back rename is no longer in the future: it is merged then.
    a.tick(365 * 24 * HOUR);
    a.sync(&target);
    assert_eq!(a.bike(&id).name, "From the future");
    let st = status::status(&a.store.lock().unwrap()).unwrap();
    assert_eq!(st.quarantined, 0);
}

#[test]
fn a_remote_stamp_hours_ahead_moves_this_clock_at_most_five_minutes_ahead() {
    let target = MemoryTransport::new();
    let a = Device::new("laptop", 0);
    let fast = Device::new("fast", 3 * HOUR);
    bikes::add(
        &mut fast.store.lock().unwrap(),
        NewBike {
            name: "Fast bike".into(),
            ..Default::default()
        },
    )
    .unwrap();
    fast.sync(&target);
    let report = a.sync(&target);
    assert_eq!(
        report.applied.quarantined, 0,
        "three hours ahead is applied, not quarantined"
    );
    assert_eq!(
        report.applied.rows_created, 2,
        "the bike and the forwarding setting: {report:?}"
    );
    let ahead = a.hlc_ms() - NOW;
    assert!(
        (0..=5 * 60 * 1000).contains(&ahead),
        "this device's clock is at most 5 minutes ahead, not {ahead} ms"
    );
}
