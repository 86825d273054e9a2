//! The watched folder's scan, on real files: new files are imported once, a file seen before is
//! not read again, a failed file is reported and tried again, a missing folder is no problem.

use std::path::Path;

use pedalwrencher_core::ride_files::import::Options;
use pedalwrencher_core::ride_files::report::Report;
use pedalwrencher_core::ride_files::watched;
use pedalwrencher_core::Store;
use pedalwrencher_tests::ride_fixtures;

fn scan(store: &mut Store, folder: &Path) -> Report {
    watched::scan(store, folder, Options::default()).expect("the scan runs")
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

#[test]
fn new_files_are_imported_once_and_a_later_file_alone_next_time() {
    let data = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(data.path()).unwrap();
    copy(
        &ride_fixtures::fit("garmin-fenix-5-bike.fit"),
        &folder.path().join("Activities/2018-06-01.fit"),
    );
    copy(
        &ride_fixtures::gpx("wahoo_example.gpx"),
        &folder.path().join("wahoo.gpx"),
    );
    std::fs::write(folder.path().join("notes.txt"), b"not a ride").unwrap();

    let first = scan(&mut store, folder.path());
    assert_eq!(first.totals.imported, 2, "{first:?}");
    assert_eq!(first.files.len(), 2, "other files are passed over");
    assert_eq!(watched::problem(folder.path(), &first), None);

    let again = scan(&mut store, folder.path());
    assert!(again.files.is_empty(), "nothing is read twice: {again:?}");

    copy(
        &ride_fixtures::tcx("20210308_virtual_ride_with_power.tcx"),
        &folder.path().join("trainer.tcx"),
    );
    let later = scan(&mut store, folder.path());
    assert_eq!(later.files.len(), 1, "{later:?}");
    assert!(later.files[0].file.ends_with("trainer.tcx"));
    assert_eq!(later.totals.imported, 1, "{later:?}");
}

#[test]
fn a_file_that_fails_is_reported_and_tried_again_at_the_next_scan() {
    let data = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(data.path()).unwrap();
    let fenix = std::fs::read(ride_fixtures::fit("garmin-fenix-5-bike.fit")).unwrap();
    // The real file cut short before its first record: copied off the device too early.
    std::fs::write(folder.path().join("cut.fit"), &fenix[..12]).unwrap();

    for _ in 0..2 {
        let report = scan(&mut store, folder.path());
        assert_eq!(report.totals.failed, 1, "{report:?}");
        let problem = watched::problem(folder.path(), &report).expect("a failure is a problem");
        assert!(problem.contains("cut.fit"), "{problem}");
        assert!(problem.contains("tried again"), "{problem}");
    }

    // Copied again, whole: a changed file is a new file.
    std::fs::write(folder.path().join("cut.fit"), &fenix).unwrap();
    let fixed = scan(&mut store, folder.path());
    assert_eq!(fixed.totals.imported, 1, "{fixed:?}");
}

#[test]
fn a_missing_folder_imports_nothing_and_is_no_problem() {
    let data = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(data.path()).unwrap();
    let gone = data.path().join("GARMIN-unplugged");
    let report = scan(&mut store, &gone);
    assert!(report.files.is_empty());
    assert_eq!(watched::problem(&gone, &report), None);
}

#[test]
fn serve_imports_the_watched_folder_and_a_file_that_fails_makes_the_cycle_unhealthy() {
    let g = pedalwrencher_tests::cli::Garage::new();
    let folder = tempfile::tempdir().unwrap();
    g.write_settings(serde_json::json!({ "watched_folder": folder.path().display().to_string() }));
    copy(
        &ride_fixtures::fit("garmin-fenix-5-bike.fit"),
        &folder.path().join("2018-06-01.fit"),
    );
    g.ok(&["serve", "--cycles", "1", "--interval-seconds", "1"]);
    assert_eq!(super::rides(&g).len(), 1, "the ride came in at start");

    std::fs::write(folder.path().join("copied-too-early.fit"), b"").unwrap();
    let out = g.ok(&["serve", "--cycles", "1", "--interval-seconds", "1"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("unhealthy") && log.contains("copied-too-early.fit"),
        "{log}"
    );
    assert_eq!(
        super::rides(&g).len(),
        1,
        "the first file is not read again"
    );
}
