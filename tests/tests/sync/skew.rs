//! Two versions at once: a garage "from the future" writes a file with a table, a column and a
//! metric this version does not know. The file is written the way a newer device would (the
//! core's own batch and vault code, sealed with the vault key) onto a folder target; this
//! version's CLI syncs it. Nothing it cannot use reaches the garage, sync goes on, the rest of
//! the file applies, and what it kept aside is merged once the app is updated.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use pedalwrencher_core::store::{self, hlc};
use pedalwrencher_core::sync::batch::{Builder, Cell, Kind, RowCells};
use pedalwrencher_core::sync::vault;
use serde_json::json;

use super::{Device, Target, PASSPHRASE};

const FUTURE_DEVICE: &str = "0196f2a4-8d1e-7c3a-9b2f-1a2b3c4d5e6f";

/// Seals `body` as file `name` of `device` with the vault's key, as that device would, and puts
/// it into the device's folder on the folder target.
fn write_as_device(target: &Path, device: &str, name: &str, body: &[u8]) {
    let info =
        vault::VaultInfo::from_json(&std::fs::read(target.join("vault.json")).unwrap()).unwrap();
    let key_file = std::fs::read(target.join(format!("key-{}", info.vault_id))).unwrap();
    let key = vault::unlock(&info, &key_file, PASSPHRASE).unwrap();
    let sealed = vault::seal(&key, &info.vault_id, device, name, body);
    let dir = target.join("devices").join(device);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), sealed).unwrap();
}

fn now_hlc() -> i64 {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    hlc::from_millis(i64::try_from(ms).unwrap())
}

#[test]
fn a_batch_from_a_newer_version_is_kept_until_the_update_and_sync_goes_on() {
    let target = Target::folder();
    let Target::Folder(dir) = &target else {
        unreachable!()
    };
    let a = Device::new();
    a.run(&target, &["demo"]);
    a.sync(&target);
    let chain = a.one("SELECT id FROM components WHERE kind = 'chain' ORDER BY id LIMIT 1");
    let rule = a.one("SELECT id FROM rules WHERE deleted_at IS NULL ORDER BY id LIMIT 1");
    let metric_before = a.one(&format!("SELECT metric FROM rules WHERE id = '{rule}'"));

    // The newer version added a column (components.wear_note), a metric (descent_m) and a table
    // (trail_notes); it edits a part and a rule this device has, and makes a rule of its own.
    let stamp = now_hlc();
    let mut b = Builder::default();
    let f = b.device(FUTURE_DEVICE);
    let cell = |col: u32, value: serde_json::Value| Cell(col, value, stamp, f);
    b.table(
        "components",
        vec!["name".into(), "wear_note".into()],
        vec![RowCells(
            chain.clone(),
            vec![
                cell(0, json!("Chain from the future")),
                cell(1, json!("waxed every 300 km")),
            ],
        )],
    );
    let created = stamp >> 16;
    b.table(
        "rules",
        vec![
            "task".into(),
            "metric".into(),
            "component_id".into(),
            "interval".into(),
            "created_at".into(),
            "updated_at".into(),
        ],
        vec![
            RowCells(
                rule.clone(),
                vec![
                    cell(0, json!("Check after descents")),
                    cell(1, json!("descent_m")),
                ],
            ),
            RowCells(
                "0196f2a4-8d1e-7c3a-9b2f-000000000001".into(),
                vec![
                    cell(0, json!("Bleed brakes")),
                    cell(1, json!("descent_m")),
                    cell(2, json!(chain)),
                    cell(3, json!(20000.0)),
                    cell(4, json!(created)),
                    cell(5, json!(created)),
                ],
            ),
        ],
    );
    b.table(
        "trail_notes",
        vec!["text".into()],
        vec![RowCells("note-1".into(), vec![cell(0, json!("Muddy"))])],
    );
    let mut batch = b.finish(FUTURE_DEVICE, Kind::Seg, 1);
    batch.schema = u32::try_from(store::latest_version()).unwrap() + 1;
    write_as_device(dir.path(), FUTURE_DEVICE, "seg-1", &batch.encode());

    // This version reads it: the pass goes through, what it knows applies.
    let report = a.sync(&target);
    assert_eq!(report["applied"]["waiting_for_update"], 4, "{report}");
    assert_eq!(
        a.one(&format!("SELECT name FROM components WHERE id = '{chain}'")),
        "Chain from the future"
    );
    assert_eq!(
        a.one(&format!("SELECT task FROM rules WHERE id = '{rule}'")),
        "Check after descents"
    );
    // The unknown metric never reached the garage, so the wear rebuild reads every rule.
    assert_eq!(
        a.one(&format!("SELECT metric FROM rules WHERE id = '{rule}'")),
        metric_before
    );
    assert_eq!(
        a.one("SELECT CAST(COUNT(*) AS TEXT) FROM rules WHERE id = '0196f2a4-8d1e-7c3a-9b2f-000000000001'"),
        "0"
    );
    a.run(&target, &["due"]);
    // Every later pass goes through too, and says what waits.
    let again = a.sync(&target);
    assert_eq!(again["applied"]["waiting_for_update"], 4, "{again}");
    let status = a.run(&target, &["devices", "status"]);
    assert_eq!(status["waiting_for_update"], 4, "{status}");
    let text = a.output(&target, &["devices", "sync"]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("4 change(s) wait for this app to be updated"),
        "{text}"
    );

    // The update adds the column (what its migration does): the next pass merges what was kept
    // for it; the metric and the table still wait for a version that knows them.
    a.db()
        .execute_batch("ALTER TABLE components ADD COLUMN wear_note TEXT")
        .unwrap();
    let updated = a.sync(&target);
    assert_eq!(updated["applied"]["waiting_for_update"], 3, "{updated}");
    assert_eq!(
        a.one(&format!(
            "SELECT wear_note FROM components WHERE id = '{chain}'"
        )),
        "waxed every 300 km"
    );
    a.run(&target, &["due"]);
}
