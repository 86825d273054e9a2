//! Devices converging: three through a folder, WebDAV and S3; a part moved on two devices; one
//! Strava activity imported on two.

use pedalwrencher_tests::fake_strava::{sample_garage, FakeStrava, CLIENT_ID, CLIENT_SECRET};
use pedalwrencher_tests::sync_servers::{WebDav, S3};

use super::{assert_same, device_id, Device, Target};

/// Join, then concurrent edits on three devices: different rows, different fields of one row,
/// the same field, a delete against an edit. Then everyone syncs until quiet.
fn three_devices_converge(target: &Target) {
    let (a, b, c) = (Device::new(), Device::new(), Device::new());
    a.run(target, &["demo"]);
    let created = a.sync(target);
    assert_eq!(created["vault_created"], true, "{created}");
    let joined = b.sync(target);
    assert_eq!(joined["joined_from"], device_id(&a), "{joined}");
    assert!(
        joined["applied"]["rows_created"].as_u64().unwrap() > 300,
        "{joined}"
    );
    c.sync(target);
    assert_same(&[&a, &b, &c]);

    let bike = a.one("SELECT id FROM bikes WHERE name = 'Canyon Endurace'");
    let chain = a.one("SELECT id FROM components WHERE kind = 'chain' ORDER BY id LIMIT 1");
    let ride = a.one("SELECT id FROM rides WHERE deleted_at IS NULL ORDER BY id LIMIT 1");
    // Different rows.
    a.run(target, &["bike", "add", "Alpha"]);
    b.run(target, &["bike", "add", "Beta"]);
    // Different fields of one row.
    a.run(target, &["bike", "edit", &bike, "--name", "Canyon (A)"]);
    b.run(target, &["bike", "edit", &bike, "--notes", "waxed chain"]);
    // The same field: B writes last.
    a.run(
        target,
        &["component", "edit", &chain, "--name", "Chain from A"],
    );
    b.run(
        target,
        &["component", "edit", &chain, "--name", "Chain from B"],
    );
    // A delete against a concurrent edit.
    a.run(target, &["ride", "delete", &ride]);
    c.run(target, &["ride", "edit", &ride, "--name", "Edited on C"]);
    c.run(
        target,
        &[
            "ride",
            "add",
            "--bike",
            &bike,
            "--distance",
            "42",
            "--time",
            "1:30",
            "--name",
            "Ridden on C",
        ],
    );

    for d in [&a, &b, &c, &a, &b] {
        d.sync(target);
    }
    assert_same(&[&a, &b, &c]);
    for d in [&a, &b, &c] {
        let bikes =
            d.one("SELECT group_concat(name, ',') FROM (SELECT name FROM bikes ORDER BY name)");
        assert!(bikes.contains("Alpha") && bikes.contains("Beta"), "{bikes}");
        assert_eq!(
            d.one(&format!(
                "SELECT name || '/' || notes FROM bikes WHERE id = '{bike}'"
            )),
            "Canyon (A)/waxed chain"
        );
        assert_eq!(
            d.one(&format!("SELECT name FROM components WHERE id = '{chain}'")),
            "Chain from B"
        );
        let deleted: Option<i64> = d
            .db()
            .query_row(
                &format!("SELECT deleted_at FROM rides WHERE id = '{ride}'"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            deleted.is_some(),
            "the delete wins over C's concurrent edit"
        );
        assert_eq!(
            d.one("SELECT COUNT(*) || '' FROM rides WHERE name = 'Ridden on C'"),
            "1"
        );
    }
    // Nothing readable on the target: no bike, part or ride name.
    for (path, bytes) in target.files() {
        for name in [
            "Canyon",
            "Endurace",
            "Chain from",
            "Ridden on C",
            "Alpha",
            "waxed",
        ] {
            assert!(
                !bytes.windows(name.len()).any(|w| w == name.as_bytes()),
                "{path} contains '{name}' in the clear"
            );
        }
    }
}

#[test]
fn three_devices_converge_through_a_folder() {
    three_devices_converge(&Target::folder());
}

#[test]
fn three_devices_converge_through_webdav() {
    three_devices_converge(&Target::Dav(WebDav::start()));
}

#[test]
fn three_devices_converge_through_s3() {
    three_devices_converge(&Target::S3(S3::start()));
}

#[test]
fn a_part_moved_to_two_bikes_on_two_devices_ends_on_one_the_same_everywhere() {
    let target = Target::Dav(WebDav::start());
    let (a, b) = (Device::new(), Device::new());
    a.run(&target, &["demo"]);
    a.sync(&target);
    b.sync(&target);
    let chain = a.one(
        "SELECT c.id FROM components c JOIN installations i ON i.component_id = c.id
         WHERE c.kind = 'chain' AND i.removed_at IS NULL AND i.deleted_at IS NULL ORDER BY c.id LIMIT 1",
    );
    let on = a.one(&format!(
        "SELECT bike_id FROM installations WHERE component_id = '{chain}' AND removed_at IS NULL AND deleted_at IS NULL"
    ));
    let others: Vec<String> = {
        let db = a.db();
        let mut s = db
            .prepare(&format!(
                "SELECT id FROM bikes WHERE id != '{on}' ORDER BY id"
            ))
            .unwrap();
        let v = s
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        v
    };
    a.run(
        &target,
        &["component", "move", &chain, "--bike", &others[0]],
    );
    b.run(
        &target,
        &["component", "move", &chain, "--bike", &others[1]],
    );
    for d in [&a, &b, &a] {
        d.sync(&target);
    }
    assert_same(&[&a, &b]);
    for d in [&a, &b] {
        let open = d.one(&format!(
            "SELECT COUNT(*) || ':' || group_concat(bike_id) FROM installations
             WHERE component_id = '{chain}' AND removed_at IS NULL AND deleted_at IS NULL"
        ));
        // B moved it last: its installation started last and is the one kept.
        assert_eq!(
            open,
            format!("1:{}", others[1]),
            "exactly one open installation"
        );
        let overlaps = d.one(&format!(
            "SELECT COUNT(*) || '' FROM installations x JOIN installations y
             ON x.component_id = y.component_id AND x.id < y.id
             WHERE x.component_id = '{chain}' AND x.deleted_at IS NULL AND y.deleted_at IS NULL
               AND x.installed_at < COALESCE(y.removed_at, 9e18) AND y.installed_at < COALESCE(x.removed_at, 9e18)"
        ));
        assert_eq!(overlaps, "0", "no overlapping installations");
    }
    let status = a.run(&target, &["devices", "status"]);
    let notices = status["notices"].to_string();
    assert!(
        notices.contains("two bikes at once"),
        "the rider is told: {status}"
    );
}

#[test]
fn the_same_strava_activity_imported_on_two_devices_is_one_ride() {
    let fake = FakeStrava::start(sample_garage(40, 1_700_000_000, 86_400));
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    for d in [&a, &b] {
        let token = fake.state().issue_refresh_token();
        let out = d
            .cmd(&target)
            .env("PEDALWRENCHER_STRAVA_URL", fake.url())
            .env("PEDALWRENCHER_STRAVA_CLIENT_ID", CLIENT_ID)
            .env("PEDALWRENCHER_STRAVA_CLIENT_SECRET", CLIENT_SECRET)
            .env("PEDALWRENCHER_STRAVA_REFRESH_TOKEN", token)
            .args(["sync"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let rides = a.one("SELECT COUNT(*) || '' FROM rides");
    assert_eq!(rides, b.one("SELECT COUNT(*) || '' FROM rides"));
    for d in [&a, &b, &a] {
        d.sync(&target);
    }
    assert_same(&[&a, &b]);
    assert_eq!(
        a.one("SELECT COUNT(*) || '' FROM rides"),
        rides,
        "one row per activity, not two"
    );
    assert_eq!(
        a.one("SELECT COUNT(*) || '' FROM bikes"),
        b.one("SELECT COUNT(*) || '' FROM bikes")
    );
}

#[test]
fn an_empty_target_joined_later_deletes_nothing_and_conflict_copies_are_skipped() {
    let target = Target::folder();
    let (a, b) = (Device::new(), Device::new());
    a.run(&target, &["demo"]);
    let garage = |d: &Device| -> Vec<String> {
        d.dump()
            .into_iter()
            .filter(|r| !r.starts_with("synced_settings:"))
            .collect()
    };
    let before = garage(&a);
    a.sync(&target);
    // The one new row: the first device forwards email and SMS.
    assert_eq!(
        garage(&a),
        before,
        "creating the vault changes nothing of the garage"
    );
    b.run(&target, &["bike", "add", "From B"]);
    b.sync(&target);
    // A sync client's conflict copy and a partial upload beside B's real files.
    let Target::Folder(root) = &target else {
        unreachable!()
    };
    let b_dir = root.path().join("devices").join(device_id(&b));
    std::fs::write(
        b_dir.join("seg-9.sync-conflict-20261124-101010-XYZ"),
        b"junk",
    )
    .unwrap();
    std::fs::write(b_dir.join("seg-2 (1)"), b"junk").unwrap();
    std::fs::write(b_dir.join(".seg-3.partial"), b"junk").unwrap();
    let report = a.sync(&target);
    assert!(report["skipped"].as_array().unwrap().is_empty(), "{report}");
    assert_eq!(
        a.one("SELECT COUNT(*) || '' FROM bikes WHERE name = 'From B'"),
        "1"
    );
    // A damaged next file stops reading that device there, and is retried.
    std::fs::write(b_dir.join("seg-2"), b"not a sealed file").unwrap();
    let report = a.sync(&target);
    assert_eq!(report["skipped"].as_array().unwrap().len(), 1, "{report}");
}

/// A home server running `serve` syncs with the rider's devices every cycle.
#[test]
fn serve_syncs_with_the_other_devices_each_cycle() {
    let target = Target::folder();
    let (server, phone) = (Device::new(), Device::new());
    server.run(&target, &["bike", "add", "On the server"]);
    let out = server.output(
        &target,
        &["serve", "--cycles", "1", "--interval-seconds", "60"],
    );
    let log =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("devices: sent 1 file(s)"), "{log}");
    phone.sync(&target);
    assert_eq!(phone.one("SELECT name FROM bikes"), "On the server");
}
