//! Sync targets over months of use, through the real CLI (each pass its own process): a garage
//! moves to another target (a folder, then a real WebDAV server) with every edit; a set-up that
//! failed binds nothing; a device whose files cannot be read past, or whose folder on the target
//! went back to an older copy, is reported by name instead of silently freezing.

use std::path::{Path, PathBuf};

use pedalwrencher_core::faults;
use pedalwrencher_core::sync::transport::{
    OpendalTransport, SyncTarget, Transport, TransportErrorKind,
};
use pedalwrencher_tests::sync_servers::WebDav;
use pedalwrencher_tests::tables;
use serde_json::Value;

use super::{assert_same, device_id, Device, Target, SIGABRT};

/// The folder of `device`'s files on a folder target.
fn device_dir(target: &Target, device: &Device) -> PathBuf {
    let Target::Folder(root) = target else {
        panic!("a folder target")
    };
    root.path().join("devices").join(device_id(device))
}

impl Device {
    /// Which stamp (clock, device) each field holds: a field's own entry, else its row's
    /// creation entry (`*`) when it has a value. Compared across devices, it shows that a garage
    /// carried to another target kept who wrote what, and when.
    fn stamps(&self) -> Vec<String> {
        let db = self.db();
        let mut out = Vec::new();
        for (table, _) in tables::SYNCED {
            let cols: Vec<String> = db
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .filter(|c: &String| c != "id" && c != "epoch")
                .collect();
            let ids: Vec<String> = db
                .prepare(&format!("SELECT id FROM {table} ORDER BY id"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for id in ids {
                for col in &cols {
                    let stamp = |c: &str| -> Option<(i64, String)> {
                        db.query_row(
                            "SELECT c.hlc, d.device_id FROM sync_clock c
                             JOIN sync_devices d ON d.idx = c.dev
                             WHERE c.tbl = ?1 AND c.id = ?2 AND c.col = ?3",
                            [table, id.as_str(), c],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .ok()
                    };
                    let has_value: bool = db
                        .query_row(
                            &format!("SELECT \"{col}\" IS NOT NULL FROM {table} WHERE id = ?1"),
                            [&id],
                            |r| r.get(0),
                        )
                        .unwrap();
                    let s = stamp(col).or_else(|| stamp("*").filter(|_| has_value));
                    if let Some((hlc, dev)) = s {
                        out.push(format!("{table}/{id}/{col}: {hlc} {dev}"));
                    }
                }
            }
        }
        out
    }

    fn bikes(&self) -> String {
        self.one("SELECT group_concat(name, ',') FROM (SELECT name FROM bikes ORDER BY name)")
    }
}

/// The rider's storage moves (a provider closing): every device stops syncing and is set up
/// with the new target. The first makes a fresh vault there with its whole garage (every row,
/// every field with its stamp), the next joins it and brings what it had not sent to the old
/// one, and a device that only ever knew the new target gets all of it. The old target is left
/// as it was.
#[test]
fn a_garage_moves_from_a_folder_to_webdav_with_every_edit() {
    let (old, new) = (Target::folder(), Target::Dav(WebDav::start()));
    let (laptop, phone, tablet) = (Device::new(), Device::new(), Device::new());
    laptop.run_kept(&["demo"]);
    laptop.set_up(&old);
    phone.set_up(&old);
    // Edits neither sent to the old target before the move.
    laptop.run_kept(&["bike", "add", "Laptop's bike, not sent"]);
    phone.run_kept(&["bike", "add", "Phone's bike, not sent"]);
    let old_files = old.files();

    laptop.run_kept(&["devices", "forget"]);
    let moved = laptop.set_up(&new);
    assert_eq!(moved["vault_created"], true, "{moved}");
    assert_eq!(
        moved["pushed_files"], 1,
        "one snapshot of the whole garage: {moved}"
    );
    phone.run_kept(&["devices", "forget"]);
    let joined = phone.set_up(&new);
    assert_eq!(joined["joined_from"], device_id(&laptop), "{joined}");
    laptop.sync_kept();
    tablet.set_up(&new);
    phone.sync_kept();
    laptop.sync_kept();

    assert_same(&[&laptop, &phone, &tablet]);
    assert!(
        tablet.bikes().contains("Laptop's bike, not sent")
            && tablet.bikes().contains("Phone's bike, not sent"),
        "{}",
        tablet.bikes()
    );
    assert!(tablet.dump().len() > 300, "the whole demo garage");
    assert_eq!(
        laptop.stamps(),
        tablet.stamps(),
        "every field kept its stamp"
    );
    assert_eq!(old.files(), old_files, "the old target is left as it was");
    // Syncing goes on through the new target, and only it.
    tablet.run_kept(&["bike", "add", "After the move"]);
    tablet.sync_kept();
    laptop.sync_kept();
    assert!(laptop.bikes().contains("After the move"));
    let status = laptop.run_kept(&["devices", "status"]);
    assert!(status["last_error"].is_null(), "{status}");
}

/// A rider who set up the wrong folder once (it held another of their garages, the same
/// passphrase) stops syncing and sets up the right one: the garage syncs there, and nothing of
/// the wrong folder's vault binds it.
#[test]
fn stopping_sync_lets_the_garage_start_again_on_another_target() {
    let (wrong, right) = (Target::folder(), Target::folder());
    let (a, b, other) = (Device::new(), Device::new(), Device::new());
    other.run_kept(&["bike", "add", "Someone else's"]);
    other.set_up(&wrong);
    b.run_kept(&["bike", "add", "Already on the right target"]);
    b.set_up(&right);

    a.run_kept(&["bike", "add", "Mine"]);
    a.set_up(&wrong);
    // Without stopping first, another garage's target is still refused, and says how to move.
    let refused = a.g.run(&["devices", "setup", &right.url()]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("another garage"), "{stderr}");
    assert!(stderr.contains("devices forget"), "{stderr}");

    a.run_kept(&["devices", "forget"]);
    a.set_up(&right);
    b.sync_kept();
    assert_same(&[&a, &b]);
    assert!(b.bikes().contains("Mine"), "{}", b.bikes());
    // Back to the wrong target is refused again: the garage syncs with the right one now.
    let back = a.g.run(&["devices", "setup", &wrong.url()]);
    assert_eq!(back.status.code(), Some(1));
}

/// A set-up killed half-way (after the vault opened, before anything was sent) is a trial that
/// failed: it binds nothing, and setting up another target works.
#[test]
fn a_set_up_that_failed_binds_nothing() {
    let (wrong, right) = (Target::folder(), Target::folder());
    let (a, other) = (Device::new(), Device::new());
    other.run_kept(&["bike", "add", "Someone else's"]);
    other.set_up(&wrong);
    a.run_kept(&["bike", "add", "Mine"]);
    let killed = a.g.run_with(
        &["devices", "setup", &wrong.url()],
        &[(faults::ENV, "sync.after_local_commit")],
    );
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        killed.status.signal(),
        Some(SIGABRT),
        "{}",
        String::from_utf8_lossy(&killed.stderr)
    );
    let status = a.run_kept(&["devices", "status"]);
    assert!(status["vault_id"].is_null(), "not bound: {status}");
    let set_up = a.set_up(&right);
    assert_eq!(set_up["vault_created"], true, "{set_up}");
    assert_eq!(a.bikes(), "Mine");
}

/// Flips one byte in the middle of a file, as a disk or a sync client might.
fn damage(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(path, bytes).unwrap();
}

/// A device whose next file on the target cannot be read (damaged, and no snapshot after it)
/// keeps the other devices' passes succeeding, each saying what it skipped; once that lasts
/// longer than the stale threshold, `status` names the device and exits 1; and once that device
/// has read the request in the reader's `info` and written a snapshot, it is read past.
#[test]
fn a_device_whose_files_cannot_be_read_past_makes_status_unhealthy() {
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    a.run_kept(&["bike", "add", "Tarmac"]);
    a.set_up(&target);
    b.set_up(&target);
    a.run_kept(&["bike", "add", "Damaged on the way"]);
    a.sync_kept();
    damage(&device_dir(&target, &a).join("seg-2"));

    let pass = b.sync_kept();
    assert!(
        pass["skipped"].to_string().contains("seg-2"),
        "the pass says what it skipped: {pass}"
    );
    let healthy = b.g.run(&["status"]);
    assert_eq!(healthy.status.code(), Some(0), "not yet past the threshold");

    let problem = behind_problem(&b, &a);
    assert!(
        problem["banner"].to_string().contains("seg-2"),
        "says why: {problem}"
    );
    assert!(!problem["what_to_do"].to_string().is_empty(), "{problem}");

    // B's `info` asks A for a snapshot after the damage: A's next pass reads the request, the
    // one after writes it, and B reads past the damaged file from it.
    a.sync_kept();
    a.sync_kept();
    let past = b.sync_kept();
    assert_eq!(past["behind"], serde_json::json!([]), "{past}");
    assert!(b.bikes().contains("Damaged on the way"), "{}", b.bikes());
    let healthy =
        b.g.run_with(&["status"], &[("PEDALWRENCHER_STALE_SYNC_HOURS", "0.0001")]);
    assert_eq!(healthy.status.code(), Some(0), "read past: healthy again");
}

/// `status` past a tiny stale threshold (hours, fractional for tests) instead of 48 hours of
/// waiting: it exits 1, with the problem naming `behind` among its problems.
fn behind_problem(device: &Device, behind: &Device) -> Value {
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let out = device.g.run_with(
        &["--json", "status"],
        &[("PEDALWRENCHER_STALE_SYNC_HOURS", "0.0001")],
    );
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(1), "{report}");
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "stale_sync" && p["subject"] == device_id(behind).as_str())
        .unwrap_or_else(|| panic!("no problem names device {}: {report}", device_id(behind)))
        .clone()
}

/// The storage serves an older copy of a device's folder (a restored backup, a server rolling
/// back): files this device already read are gone and nothing newer is there. It is noticed and
/// reported, by name, rather than taken for "nothing new".
#[test]
fn a_device_folder_served_older_than_what_was_read_is_reported() {
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    a.run_kept(&["bike", "add", "Tarmac"]);
    a.set_up(&target);
    b.set_up(&target);
    let a_dir = device_dir(&target, &a);
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&a_dir, copy.path());
    a.run_kept(&["bike", "add", "Newer"]);
    a.sync_kept();
    b.sync_kept();
    assert!(b.bikes().contains("Newer"));

    // The older copy of a's folder comes back.
    std::fs::remove_dir_all(&a_dir).unwrap();
    copy_dir(copy.path(), &a_dir);
    let pass = b.sync_kept();
    let said = pass.to_string();
    assert!(
        said.contains(&device_id(&a)) && said.contains("older"),
        "{pass}"
    );
    let problem = behind_problem(&b, &a);
    assert!(problem["banner"].to_string().contains("older"), "{problem}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// A real WebDAV server serving a file far bigger than any sync file: the download stops at the
/// cap instead of filling memory; a file within it is read whole.
#[test]
fn a_download_from_webdav_stops_at_the_size_cap() {
    let dav = WebDav::start();
    let dir = dav.root().join("devices/a");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("seg-1"), vec![1u8; 1 << 20]).unwrap();
    std::fs::write(dir.join("seg-2"), vec![2u8; 16 << 20]).unwrap();
    let t = OpendalTransport::new(&SyncTarget::parse(&dav.url()).unwrap())
        .unwrap()
        .with_max_file_bytes(1 << 20);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let whole = runtime.block_on(t.get("devices/a/seg-1")).unwrap();
    assert_eq!(whole.map(|b| b.len()), Some(1 << 20));
    let e = runtime.block_on(t.get("devices/a/seg-2")).unwrap_err();
    assert_eq!(e.kind, TransportErrorKind::TooLarge, "{e}");
}
