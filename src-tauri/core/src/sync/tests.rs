//! Two and three devices in one process, over the in-memory transport: the engine end to end.

use std::sync::{Arc, Mutex};

use crate::garage::bikes::{self, BikePatch, NewBike};
use crate::store::{ManualClock, Store};
use crate::time::Timestamp;

use super::transport::{MemoryTransport, Transport};

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

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
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

/// The numbers of `device`'s files on the target.
fn file_numbers(target: &MemoryTransport, device: &Mutex<Store>) -> Vec<i64> {
    let dir = super::names::device_dir(device.lock().unwrap().device_id());
    let mut seqs: Vec<i64> = target
        .paths()
        .iter()
        .filter_map(|p| p.strip_prefix(&dir))
        .filter_map(|n| super::names::parse_file(n).map(|f| f.1))
        .collect();
    seqs.sort();
    seqs
}

const DAY: i64 = 24 * 3_600_000;

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Timestamp(1_800_000_000_000)))
}

/// A device on a shared manual clock, so a test can let days pass (old files are pruned only a
/// while after the snapshot that replaces them is uploaded).
fn device_at(clock: &Arc<ManualClock>) -> Mutex<Store> {
    Mutex::new(Store::open_in_memory().unwrap().with_clock(clock.clone()))
}

/// Bike 0 on A, and A, B and C synced; then A adds and syncs a bike a dozen times, with `days`
/// passing before each; B syncs every fourth time, C never. In this crate's tests a device
/// writes a snapshot after every 3 segments (`SNAPSHOT_EVERY_FILES`).
fn a_dozen_passes_while_c_is_away(
    clock: &ManualClock,
    target: &MemoryTransport,
    (a, b, c): (&Mutex<Store>, &Mutex<Store>, &Mutex<Store>),
    days: i64,
) {
    add_bike(a, "Bike 0");
    for d in [a, b, c] {
        sync(d, target);
    }
    for i in 1..=12 {
        clock.advance_ms(days * DAY);
        add_bike(a, &format!("Bike {i}"));
        sync(a, target);
        if i % 4 == 0 {
            sync(b, target);
        }
    }
}

#[test]
fn old_files_are_pruned_and_a_device_that_fell_behind_catches_up_from_a_snapshot() {
    let (clock, target) = (clock(), MemoryTransport::new());
    let (a, b, c) = (device_at(&clock), device_at(&clock), device_at(&clock));
    a_dozen_passes_while_c_is_away(&clock, &target, (&a, &b, &c), 8);
    let kept = file_numbers(&target, &a);
    let newest = *kept.last().unwrap();
    assert!(
        !kept.contains(&1) && !kept.contains(&2),
        "the first files are gone: {kept:?}"
    );
    // Two snapshots' worth (3 segments and a snapshot each), and a third for the week after
    // each new snapshot.
    assert!(
        kept.len() <= 3 * 4,
        "at most three snapshots' worth of files are kept: {kept:?}"
    );
    assert_eq!(
        kept,
        (kept[0]..=newest).collect::<Vec<_>>(),
        "what is kept has no hole: {kept:?}"
    );

    // C's next file from A is long gone: it reads A's newest snapshot and goes on from there.
    let caught_up = sync(&c, &target);
    assert!(caught_up.skipped.is_empty(), "{caught_up:?}");
    let want = bike_names(&a);
    assert_eq!(want.len(), 13);
    assert_eq!(bike_names(&c), want);
    // B, which kept up, and a device joining now see the same garage.
    sync(&b, &target);
    assert_eq!(bike_names(&b), want);
    let d = device_at(&clock);
    sync(&d, &target);
    assert_eq!(bike_names(&d), want);

    // And C's own edits still reach everyone.
    add_bike(&c, "From C");
    sync(&c, &target);
    for s in [&a, &b, &d] {
        sync(s, &target);
        assert!(bike_names(s).contains(&"From C".to_owned()));
    }
    // Nothing is re-read: a pass with nothing new applies nothing.
    let again = sync(&c, &target);
    assert_eq!(again.applied.fields, 0, "{again:?}");
}

#[test]
fn files_are_pruned_only_a_week_after_the_snapshot_that_replaces_them() {
    let (clock, target) = (clock(), MemoryTransport::new());
    let (a, b, c) = (device_at(&clock), device_at(&clock), device_at(&clock));
    a_dozen_passes_while_c_is_away(&clock, &target, (&a, &b, &c), 0);
    let all = file_numbers(&target, &a);
    assert_eq!(
        all,
        (1..=all.len() as i64).collect::<Vec<_>>(),
        "nothing pruned yet"
    );
    clock.advance_ms(7 * DAY - 1);
    sync(&a, &target);
    assert_eq!(file_numbers(&target, &a), all, "not a moment early");
    clock.advance_ms(1);
    sync(&a, &target);
    let kept = file_numbers(&target, &a);
    assert!(kept.len() < all.len() && !kept.contains(&1), "{kept:?}");
    sync(&c, &target);
    assert_eq!(bike_names(&c), bike_names(&a));
}

#[test]
fn an_unreadable_newest_snapshot_is_passed_over_for_an_older_one() {
    let (clock, target) = (clock(), MemoryTransport::new());
    let (a, b, c) = (device_at(&clock), device_at(&clock), device_at(&clock));
    a_dozen_passes_while_c_is_away(&clock, &target, (&a, &b, &c), 8);
    // A's newest snapshot is damaged on the target (a sync client's half-written copy, say).
    let dir = super::names::device_dir(a.lock().unwrap().device_id());
    let newest_snapshot = target
        .paths()
        .into_iter()
        .filter(|p| p.starts_with(&format!("{dir}snap-")))
        .max_by_key(|p| super::names::parse_file(&p[dir.len()..]).unwrap().1)
        .unwrap();
    let good = target.paths().len();
    let original = block_on(target.get(&newest_snapshot)).unwrap().unwrap();
    block_on(target.put(&newest_snapshot, b"not a snapshot".to_vec())).unwrap();
    assert_eq!(target.paths().len(), good);

    let partly = sync(&c, &target);
    assert!(
        partly.skipped.iter().any(|s| s.contains("snap-")),
        "the damaged snapshot is reported: {partly:?}"
    );
    assert!(
        bike_names(&c).len() > 1,
        "the older snapshot brought C most of the way"
    );
    // Repaired, it is read, and C has everything.
    block_on(target.put(&newest_snapshot, original)).unwrap();
    sync(&c, &target);
    assert_eq!(bike_names(&c), bike_names(&a));
}

/// A target holding only a vault an earlier build made at the old Argon2id cost (19 MiB, 2
/// passes): its `vault.json` and `key-…` file from the fixture that build wrote.
struct OldVault {
    target: MemoryTransport,
    info: super::vault::VaultInfo,
    passphrase: String,
    key_path: String,
    old_key_file: Vec<u8>,
}

fn old_vault() -> OldVault {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/vault-v1-argon2id-19mib-t2.json")).unwrap();
    let field = |name: &str| fixture[name].as_str().unwrap().as_bytes().to_vec();
    let info = super::vault::VaultInfo::from_json(&field("vault.json")).unwrap();
    let key_path = format!("{}-{}", super::vault::KEY_FILE, info.vault_id);
    let target = MemoryTransport::new();
    block_on(target.put(super::vault::VAULT_FILE, field("vault.json"))).unwrap();
    block_on(target.put(&key_path, field("key"))).unwrap();
    OldVault {
        target,
        info,
        passphrase: String::from_utf8(field("passphrase")).unwrap(),
        key_path,
        old_key_file: field("key"),
    }
}

/// A vault an earlier build made at the old Argon2id cost (19 MiB, 2 passes): the first device
/// that unlocks it wraps its key again at today's cost, and devices go on syncing through it.
#[test]
fn a_vault_key_wrapped_at_the_old_cost_is_wrapped_again_at_today_s() {
    let OldVault {
        target,
        passphrase,
        key_path,
        ..
    } = old_vault();
    let run =
        |store: &Mutex<Store>| block_on(super::pass(store, &target, &passphrase, "test")).unwrap();

    let (a, b) = (device(), device());
    bikes::add(
        &mut a.lock().unwrap(),
        NewBike {
            name: "Through the rewrapped vault".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let joined = run(&a);
    assert!(!joined.vault_created, "{joined:?}");
    let key_file = String::from_utf8(block_on(target.get(&key_path)).unwrap().unwrap()).unwrap();
    assert!(key_file.contains("\"m_kib\": 65536"), "{key_file}");
    assert!(key_file.contains("\"t\": 3"), "{key_file}");

    run(&b);
    assert_eq!(bike_names(&b), ["Through the rewrapped vault"]);
}

/// The target as a device sees it while another rewraps the key file on a storage whose writes
/// are not atomic: the first read of `key-…` returns the new file's first half over the old
/// file's second half; later reads, the whole new file.
struct TornKeyRead {
    inner: MemoryTransport,
    old_key_file: Vec<u8>,
    torn: std::sync::atomic::AtomicBool,
}

impl Transport for TornKeyRead {
    async fn list(&self, dir: &str) -> Result<Vec<String>, super::transport::TransportError> {
        self.inner.list(dir).await
    }
    async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, super::transport::TransportError> {
        let file = self.inner.get(path).await?;
        if !path.starts_with(super::vault::KEY_FILE) {
            return Ok(file);
        }
        let first = !self.torn.swap(true, std::sync::atomic::Ordering::SeqCst);
        match file {
            Some(new) if first => {
                let half = new.len().min(self.old_key_file.len()) / 2;
                let mut torn = new[..half].to_vec();
                torn.extend_from_slice(&self.old_key_file[half..]);
                Ok(Some(torn))
            }
            other => Ok(other),
        }
    }
    async fn put(&self, path: &str, b: Vec<u8>) -> Result<(), super::transport::TransportError> {
        self.inner.put(path, b).await
    }
    async fn delete(&self, path: &str) -> Result<(), super::transport::TransportError> {
        self.inner.delete(path).await
    }
}

#[test]
fn a_key_file_read_torn_by_a_rewrap_is_read_again_not_called_a_wrong_passphrase() {
    let OldVault {
        target,
        info,
        passphrase,
        key_path,
        old_key_file,
    } = old_vault();
    let a = device();
    block_on(super::pass(&a, &target, &passphrase, "test")).unwrap();
    assert_ne!(
        block_on(target.get(&key_path)).unwrap().unwrap(),
        old_key_file.clone(),
        "rewrapped"
    );

    let torn = TornKeyRead {
        inner: target,
        old_key_file: old_key_file.clone(),
        torn: std::sync::atomic::AtomicBool::new(false),
    };
    let (b, first_read) = (device(), {
        let new = block_on(torn.inner.get(&key_path)).unwrap().unwrap();
        let half = new.len().min(old_key_file.len()) / 2;
        [&new[..half], &old_key_file[half..]].concat()
    });
    assert!(
        super::vault::unlock(&info, &first_read, &passphrase).is_err(),
        "the torn file alone does not unlock"
    );
    let report = block_on(super::pass(&b, &torn, &passphrase, "test"));
    assert!(report.is_ok(), "{report:?}");
    assert!(
        torn.torn.load(std::sync::atomic::Ordering::SeqCst),
        "the tear was served"
    );
}
