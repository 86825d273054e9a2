//! Garages restored from a backup or rolled back, and the service epoch: each device keeps its
//! own identity and numbering, and reads its own files back.

use pedalwrencher_core::store::DB_FILE;

use super::{assert_same, device_id, Device, Target};

/// A garage restored from a backup onto another device (the database file, not `device-id`) gets
/// an identity of its own: both devices keep syncing, and neither's changes are taken for the
/// other's.
#[test]
fn a_garage_restored_onto_another_device_does_not_pose_as_the_original() {
    let target = Target::folder();
    let (laptop, phone) = (Device::new(), Device::new());
    laptop.run(&target, &["bike", "add", "Tarmac"]);
    laptop.sync(&target);
    // The backup: the database (with its WAL checkpointed) copied onto the phone.
    laptop
        .db()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    std::fs::copy(laptop.g.file(DB_FILE), phone.g.file(DB_FILE)).unwrap();
    phone.run(&target, &["bike", "add", "Restored phone's bike"]);
    assert_ne!(
        device_id(&phone),
        device_id(&laptop),
        "the phone made its own id"
    );
    phone.sync(&target);
    laptop.run(&target, &["bike", "add", "Laptop's second bike"]);
    laptop.sync(&target);
    phone.sync(&target);
    laptop.sync(&target);
    assert_same(&[&laptop, &phone]);
    assert_eq!(laptop.one("SELECT COUNT(*) || '' FROM bikes"), "3");
}

/// The same, onto a device that had synced itself: its files already on the target (which the
/// others have read) are read back and never written over; its next file comes after them, so
/// what it does from then on reaches the others.
#[test]
fn a_garage_restored_onto_a_device_that_synced_before_numbers_after_its_files() {
    let target = Target::folder();
    let (laptop, phone, tablet) = (Device::new(), Device::new(), Device::new());
    laptop.run(&target, &["bike", "add", "Tarmac"]);
    laptop.sync(&target);
    phone.sync(&target);
    phone.run(&target, &["bike", "add", "Phone's bike"]);
    phone.sync(&target);
    // The laptop writes more files than the phone has.
    for i in 1..=4 {
        laptop.run(&target, &["bike", "add", &format!("Laptop {i}")]);
        laptop.sync(&target);
    }
    tablet.sync(&target);
    let phone_files = |t: &Target| -> Vec<String> {
        let dir = format!("devices/{}/", device_id(&phone));
        let mut names: Vec<String> = t
            .files()
            .into_iter()
            .filter_map(|(path, _)| path.split_once(&dir).map(|(_, n)| n.to_owned()))
            .filter(|n| n != "info")
            .collect();
        names.sort();
        names
    };
    let before = phone_files(&target);
    assert_eq!(before, ["seg-2", "snap-1"], "{before:?}");

    // The laptop's database (with its WAL checkpointed) put over the phone's.
    laptop
        .db()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    std::fs::copy(laptop.g.file(DB_FILE), phone.g.file(DB_FILE)).unwrap();
    phone.run(&target, &["bike", "add", "After the restore"]);
    phone.sync(&target);
    let after = phone_files(&target);
    assert_eq!(after, ["seg-2", "snap-1", "snap-3"], "{after:?}");

    tablet.sync(&target);
    laptop.sync(&target);
    phone.sync(&target);
    assert_same(&[&laptop, &phone, &tablet]);
    assert_eq!(tablet.one("SELECT COUNT(*) || '' FROM bikes"), "7");
}

/// An older copy of the database put back on the same device (same device-id): its own newer
/// files on the target are read back, and its next files are numbered after them, so nothing it
/// sent is lost or overwritten.
#[test]
fn a_database_rolled_back_on_the_same_device_reads_its_own_newer_files_back() {
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    a.run(&target, &["bike", "add", "Before the copy"]);
    a.sync(&target);
    a.db()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let copy = a.g.file("copy.sqlite3");
    std::fs::copy(a.g.file(DB_FILE), &copy).unwrap();
    a.run(&target, &["bike", "add", "After the copy"]);
    a.sync(&target);
    // The rider puts the old copy back.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(a.g.file(&format!("{DB_FILE}{suffix}")));
    }
    std::fs::copy(&copy, a.g.file(DB_FILE)).unwrap();
    a.run(&target, &["bike", "add", "After the rollback"]);
    a.sync(&target);
    b.sync(&target);
    for d in [&a, &b] {
        let names =
            d.one("SELECT group_concat(name, ',') FROM (SELECT name FROM bikes ORDER BY name)");
        assert_eq!(names, "After the copy,After the rollback,Before the copy");
    }
}

/// A service's notes edited on one device do not move the rule's epoch on another (that would
/// send the reminder of a due part again); a service done there does.
#[test]
fn only_a_service_done_elsewhere_moves_the_epoch_here() {
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    a.run(&target, &["demo"]);
    a.sync(&target);
    b.sync(&target);
    let service = b.one("SELECT id FROM services WHERE deleted_at IS NULL ORDER BY id LIMIT 1");
    let rule = b.one(&format!(
        "SELECT rule_id FROM services WHERE id = '{service}'"
    ));
    let epoch = |d: &Device| {
        d.one(&format!(
            "SELECT epoch || '' FROM rules WHERE id = '{rule}'"
        ))
    };
    let before = epoch(&b);
    a.db()
        .execute(
            &format!("UPDATE services SET notes = 'new chain, KMC' WHERE id = '{service}'"),
            [],
        )
        .unwrap();
    a.sync(&target);
    b.sync(&target);
    assert_eq!(
        b.one(&format!(
            "SELECT notes FROM services WHERE id = '{service}'"
        )),
        "new chain, KMC"
    );
    assert_eq!(epoch(&b), before, "a note is not a service");
    a.run(&target, &["done", &rule]);
    a.sync(&target);
    b.sync(&target);
    assert_eq!(
        epoch(&b).parse::<i64>().unwrap(),
        before.parse::<i64>().unwrap() + 1
    );
}
