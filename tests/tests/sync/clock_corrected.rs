//! A device whose clock ran a year ahead and was then set right, through the real CLI: every
//! process of that device while its clock is wrong runs under libfaketime (`faketime -f +365d`,
//! Debian's `faketime`), the others on the machine's clock. Once the clock is right, its edits
//! reach the other devices at once, an edit made elsewhere meanwhile is not overwritten by what it
//! wrote while ahead, a later edit elsewhere wins everywhere, and nothing stays held back, with no
//! rider action on any device.

use pedalwrencher_core::store::hlc;
use serde_json::Value;

use super::{Device, Target};

const YEAR_AHEAD: &str = "+365d";
const DAY_MS: i64 = 24 * 3_600_000;

impl Device {
    /// Runs every later CLI of this device with its clock at a libfaketime `offset` (Debian's
    /// `faketime`); `None` once its clock is right.
    fn clock(&mut self, offset: Option<&str>) {
        match offset {
            Some(offset) => self.g.run_under(&["faketime", "-f", offset]),
            None => self.g.run_under(&[]),
        };
    }

    fn status(&self, target: &Target) -> Value {
        self.run(target, &["devices", "status"])
    }

    fn bike(&self, id: &str) -> (String, String) {
        self.db()
            .query_row("SELECT name, notes FROM bikes WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("the bike is here")
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64
}

#[test]
fn a_clock_corrected_after_running_a_year_ahead_syncs_at_once_and_later_edits_win() {
    let target = Target::folder();
    let (laptop, mut tablet) = (Device::new(), Device::new());
    let bike = laptop.run(&target, &["bike", "add", "Tarmac"])["id"]
        .as_str()
        .expect("a bike id")
        .to_owned();
    laptop.sync(&target);
    tablet.sync(&target);

    // The tablet's clock runs a year ahead: it renames the bike, writes its notes, adds a bike.
    tablet.clock(Some(YEAR_AHEAD));
    tablet.run(&target, &["bike", "edit", &bike, "--name", "Renamed ahead"]);
    tablet.run(&target, &["bike", "edit", &bike, "--notes", "notes ahead"]);
    tablet.run(&target, &["bike", "add", "Made while ahead"]);
    tablet.sync(&target);

    // The laptop holds all of it back, and meanwhile edits both fields itself.
    let report = laptop.sync(&target);
    assert!(
        report["applied"]["quarantined"].as_u64().unwrap_or(0) >= 1,
        "{report}"
    );
    laptop.run(
        &target,
        &["bike", "edit", &bike, "--name", "Renamed on the laptop"],
    );
    laptop.run(&target, &["bike", "edit", &bike, "--notes", "laptop notes"]);
    laptop.sync(&target);

    // The rider sets the tablet's clock right and renames the bike again there.
    tablet.clock(None);
    tablet.run(
        &target,
        &["bike", "edit", &bike, "--name", "Renamed on the tablet"],
    );
    for d in [&tablet, &laptop, &tablet, &laptop] {
        d.sync(&target);
    }
    for (who, d) in [("laptop", &laptop), ("tablet", &tablet)] {
        assert_eq!(
            d.bike(&bike),
            (
                "Renamed on the tablet".to_owned(),
                "laptop notes".to_owned()
            ),
            "{who}: the tablet's edit once its clock is right wins; the laptop's notes, written \
             after the tablet's while it was ahead, are not overwritten by them"
        );
        assert_eq!(
            d.one("SELECT COUNT(*) || '' FROM bikes WHERE name = 'Made while ahead'"),
            "1",
            "{who}: what the tablet made while ahead still reaches every device"
        );
        let status = d.status(&target);
        assert_eq!(
            status["quarantined"], 0,
            "{who}: nothing held back: {status}"
        );
        let stamp: i64 = d
            .one("SELECT value FROM meta WHERE key = 'sync_hlc'")
            .parse()
            .expect("a stamp");
        assert!(
            hlc::millis(stamp) < now_ms() + DAY_MS,
            "{who}: the clock no longer stamps from a year ahead"
        );
    }
    let told = tablet.status(&target)["notices"].to_string();
    assert!(
        told.contains("clock") && told.contains("ahead"),
        "the tablet tells the rider what happened: {told}"
    );
    let asked = laptop.status(&target)["notices"].to_string();
    assert!(
        !asked.contains("clock is about"),
        "the laptop no longer asks the rider to fix the tablet's clock: {asked}"
    );

    // A later edit elsewhere wins everywhere, at once.
    laptop.run(
        &target,
        &["bike", "edit", &bike, "--name", "Later on the laptop"],
    );
    laptop.sync(&target);
    tablet.sync(&target);
    for d in [&laptop, &tablet] {
        assert_eq!(d.bike(&bike).0, "Later on the laptop");
    }
    // And a year later (the laptop's clock now where the tablet's was), nothing old comes back.
    let mut laptop = laptop;
    laptop.clock(Some("+366d"));
    laptop.sync(&target);
    assert_eq!(laptop.bike(&bike).0, "Later on the laptop");
    assert_eq!(laptop.bike(&bike).1, "laptop notes");
}
