//! Strava's and Garmin Connect's bulk exports, built the way they ship around real ride files:
//! one pass imports them, gear becomes bikes, manual entries come from the CSV, and importing
//! the same archive again adds nothing.

use std::io::Write;
use std::path::Path;

use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::ride_fixtures;

use super::{gzip, import, rides, status};

fn opts() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

fn strava_export(path: &Path) {
    let fenix = std::fs::read(ride_fixtures::fit("garmin-fenix-5-bike.fit")).unwrap();
    let wahoo = std::fs::read(ride_fixtures::gpx("wahoo_example.gpx")).unwrap();
    // The columns of a real export: names repeat (the second Distance is metres, the second
    // Elapsed Time too), and Strava puts white space before its GPX's `<?xml`.
    let csv = "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,Athlete Weight,Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed\n\
        101,\"Jun 1, 2018, 6:00:00 AM\",Fenix ride,Ride,,3600,30.5,,,false,,Red Bike,activities/101.fit.gz,,,3600,3500,30500.0,12\n\
        102,\"Jun 2, 2018, 6:00:00 AM\",Wahoo ride,Ride,,3600,10.0,,,true,,Red Bike,activities/102.gpx,,,3600,3500,10000.0,12\n\
        103,\"Jun 3, 2018, 7:30:00 PM\",Trainer hour,Virtual Ride,,3600,35.0,,,false,,,,,,3600,3600,35000.0,12\n\
        104,\"Jun 4, 2018, 7:00:00 AM\",Morning run,Run,,1800,5.0,,,false,,,activities/104.gpx,,,1800,1800,5000.0,4\n";
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in [
        ("activities.csv", csv.as_bytes().to_vec()),
        ("activities/101.fit.gz", gzip(fenix)),
        (
            "activities/102.gpx",
            [b"          ".to_vec(), wahoo.clone()].concat(),
        ),
        ("activities/104.gpx", wahoo),
        ("profile.csv", b"name\nrider\n".to_vec()),
    ] {
        z.start_file(name, opts()).unwrap();
        z.write_all(&bytes).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn a_strava_export_imports_in_one_pass_with_its_gear_and_manual_entries() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("export_12345.zip");
    strava_export(&archive);
    let g = Garage::new();
    let (code, report) = import(&g, &[archive.to_str().unwrap()]);
    assert_eq!(code, 0, "{report}");
    let files = report["files"].as_array().unwrap();
    let by = |needle: &str| {
        files
            .iter()
            .find(|e| e["file"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no entry for {needle}: {report}"))
    };
    assert_eq!(status(by("101.fit.gz")), "imported");
    assert_eq!(status(by("102.gpx")), "imported");
    assert_eq!(
        status(by("activity 103")),
        "imported",
        "a manual entry comes from its row"
    );
    assert_eq!(status(by("104.gpx")), "skipped", "the CSV says it is a run");
    assert_eq!(report["totals"]["imported"], 3);
    // "Activity Gear" became one bike, and both its rides are on it.
    let bikes = g.bikes();
    assert_eq!(bikes.len(), 1, "{bikes:?}");
    assert_eq!(bikes[0]["name"], "Red Bike");
    assert_eq!(by("101.fit.gz")["bike_id"], bikes[0]["id"]);
    let all = rides(&g);
    let trainer = all.iter().find(|r| r["name"] == "Trainer hour").unwrap();
    assert_eq!(trainer["indoor"], true);
    assert_eq!(trainer["distance_m"], 35_000.0);
    assert!(all
        .iter()
        .any(|r| r["name"] == "Fenix ride" && r["commute"] == false));
    assert!(all
        .iter()
        .any(|r| r["name"] == "Wahoo ride" && r["commute"] == true));

    // Again: nothing is added, nothing fails, and each ride says which it is.
    let (code, again) = import(&g, &[archive.to_str().unwrap()]);
    assert_eq!(code, 0, "{again}");
    assert_eq!(again["totals"]["imported"], 0, "{again}");
    let again_101 = again["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"].as_str().unwrap().contains("101.fit.gz"))
        .unwrap();
    assert_eq!(status(again_101), "duplicate");
    assert_eq!(again_101["ride_id"], by("101.fit.gz")["ride_id"]);
    assert_eq!(rides(&g).len(), 3);
    assert_eq!(g.bikes().len(), 1);
}

#[test]
fn a_garmin_export_reads_the_fit_files_in_the_zip_inside_the_zip() {
    let dir = tempfile::tempdir().unwrap();
    let fenix = std::fs::read(ride_fixtures::fit("garmin-fenix-5-bike.fit")).unwrap();
    let mut inner = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    inner.start_file("rider_123456.fit", opts()).unwrap();
    inner.write_all(&fenix).unwrap();
    let inner = inner.finish().unwrap().into_inner();
    let archive = dir.path().join("garmin.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
    z.start_file(
        "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip",
        opts(),
    )
    .unwrap();
    z.write_all(&inner).unwrap();
    z.finish().unwrap();
    let g = Garage::new();
    let (code, report) = import(&g, &[archive.to_str().unwrap()]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["totals"]["imported"], 1, "{report}");
}

#[test]
fn an_exports_ride_that_strava_already_brought_is_recognised_by_its_activity_id() {
    use pedalwrencher_core::garage::rides::{self, NewRide, RideSource};
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("export.zip");
    strava_export(&archive);
    let g = Garage::new();
    {
        let mut store = pedalwrencher_core::Store::open_dir(g.path()).unwrap();
        rides::import(
            &mut store,
            vec![NewRide {
                source: RideSource::Strava,
                external_id: Some("102".into()),
                bike_id: None,
                // Far from the file's start: only the id can tell.
                start_at: pedalwrencher_core::When::Typed("2017-01-01".into()),
                distance_m: 10_000.0,
                moving_time_s: 3_500.0,
                elapsed_time_s: None,
                elevation_m: 0.0,
                energy_kj: None,
                sport_type: "Ride".into(),
                indoor: false,
                commute: true,
                name: "Wahoo ride".into(),
            }],
        )
        .unwrap();
    }
    let (code, report) = import(&g, &[archive.to_str().unwrap()]);
    assert_eq!(code, 0, "{report}");
    let e = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"].as_str().unwrap().contains("102.gpx"))
        .unwrap()
        .clone();
    assert_eq!(status(&e), "duplicate", "{e}");
    assert!(e["kept"].as_str().unwrap().contains("Strava"), "{e}");
    assert_eq!(rides(&g).len(), 3);
}

#[test]
fn an_export_zipped_again_inside_a_folder_still_matches_its_csv() {
    let dir = tempfile::tempdir().unwrap();
    let fenix = std::fs::read(ride_fixtures::fit("garmin-fenix-5-bike.fit")).unwrap();
    let csv = "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Activity Gear,Filename\n\
        7,\"Jun 1, 2018, 6:00:00 AM\",Named in the CSV,Ride,60,0.46,Blue,activities/7.fit\n";
    let archive = dir.path().join("again.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
    z.start_file("export_99/activities.csv", opts()).unwrap();
    z.write_all(csv.as_bytes()).unwrap();
    z.start_file("export_99/activities/7.fit", opts()).unwrap();
    z.write_all(&fenix).unwrap();
    z.finish().unwrap();
    let g = Garage::new();
    let (code, report) = import(&g, &[archive.to_str().unwrap()]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["totals"]["imported"], 1, "{report}");
    assert_eq!(rides(&g)[0]["name"], "Named in the CSV");
    assert_eq!(g.bikes()[0]["name"], "Blue");
}

/// Garmin's export around the real Fenix 5 ride: its FIT file in the uploaded files' zip, and
/// `gear_json` (the rider's gear, in Garmin's format) linking activity 9001, which starts
/// `offset_ms` after the file's ride, to it.
fn garmin_export_with_gear(path: &Path, gear_json: &str, offset_ms: i64) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in garmin_export_entries(gear_json, offset_ms) {
        z.start_file(name, opts()).unwrap();
        z.write_all(&bytes).unwrap();
    }
    z.finish().unwrap();
}

/// The same export unpacked into `dir` as a rider's unzip leaves it; with `uploads_too`, the
/// uploaded files' zip is unpacked as well (the FIT file lies loose in its folder).
fn garmin_export_unpacked(dir: &Path, gear_json: &str, offset_ms: i64, uploads_too: bool) {
    for (name, bytes) in garmin_export_entries(gear_json, offset_ms) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if uploads_too && name.ends_with(".zip") {
            let mut inner = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            let mut fit = inner.by_index(0).unwrap();
            let loose = path
                .parent()
                .unwrap()
                .join(fit.name().unwrap().into_owned());
            std::io::copy(&mut fit, &mut std::fs::File::create(loose).unwrap()).unwrap();
        } else {
            std::fs::write(path, bytes).unwrap();
        }
    }
}

fn garmin_export_entries(gear_json: &str, offset_ms: i64) -> Vec<(&'static str, Vec<u8>)> {
    use pedalwrencher_core::ride_files::{self, ReadOptions};
    let fit = ride_fixtures::fit("garmin-fenix-5-bike.fit");
    let start = ride_files::read(
        "ride.fit",
        None,
        std::fs::File::open(&fit).unwrap(),
        &ReadOptions::default(),
    )
    .unwrap()
    .start;
    let activities = format!(
        r#"[{{"summarizedActivitiesExport":[{{"activityId":9001,"name":"Fenix ride","activityType":"cycling","beginTimestamp":{},"distance":1000.0}},{{"activityId":9002,"beginTimestamp":1000}}]}}]"#,
        start.0 + offset_ms
    );
    let mut inner = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    inner
        .start_file("rider@example.com_9001.fit", opts())
        .unwrap();
    inner.write_all(&std::fs::read(&fit).unwrap()).unwrap();
    let inner = inner.finish().unwrap().into_inner();
    vec![
        (
            "DI_CONNECT/DI-Connect-Fitness/rider@example.com_gear.json",
            gear_json.as_bytes().to_vec(),
        ),
        (
            "DI_CONNECT/DI-Connect-Fitness/rider@example.com_0_summarizedActivities.json",
            activities.into_bytes(),
        ),
        (
            "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip",
            inner,
        ),
    ]
}

const GARMIN_GEAR: &str = r#"[{"gearDTOS":[
    {"gearPk":501,"uuid":"u1","displayName":"Gravel Bike","customMakeModel":"Canyon Grizl","gearTypeName":"Bike","gearStatusName":"active","dateBegin":"2018-01-01","maximumMeters":0},
    {"gearPk":502,"uuid":"u2","displayName":"","customMakeModel":"Cycling Shoes","gearTypeName":"Shoes","gearStatusName":"active"}],
    "gearActivityDTOs":{"501":[{"activityId":9001,"gearPk":501}],"502":[{"activityId":9001,"gearPk":502},{"activityId":9002,"gearPk":502}]},
    "gearActivityTypeDTOS":[]}]"#;

#[test]
fn a_garmin_exports_gear_becomes_the_rides_bike_made_when_missing_and_found_after() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("garmin.zip");
    garmin_export_with_gear(&archive, GARMIN_GEAR, 20_000);
    let g = Garage::new();
    let (code, report) = import(&g, &[archive.to_str().unwrap()]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["totals"]["imported"], 1, "{report}");
    let bikes = g.json(&["bikes"]);
    let bikes = bikes.as_array().unwrap();
    assert_eq!(bikes.len(), 1, "shoes are not a bike: {bikes:?}");
    assert_eq!(bikes[0]["name"], "Gravel Bike");
    let entry = &report["files"][0];
    assert_eq!(entry["bike_id"], bikes[0]["id"], "{report}");

    // The same gear in a second export (another file of the ride) finds the bike, not a new one.
    let again = dir.path().join("garmin-again.zip");
    garmin_export_with_gear(&again, GARMIN_GEAR, 0);
    import(&g, &[again.to_str().unwrap()]);
    assert_eq!(g.json(&["bikes"]).as_array().unwrap().len(), 1);
}

#[test]
fn a_garmin_activity_that_starts_more_than_a_minute_away_gives_no_gear() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("garmin.zip");
    garmin_export_with_gear(&archive, GARMIN_GEAR, 90_000);
    let g = Garage::new();
    let (code, report) = import(&g, &[archive.to_str().unwrap()]);
    assert_eq!(code, 0, "{report}");
    assert!(report["files"][0]["bike_id"].is_null(), "{report}");
    assert!(g.json(&["bikes"]).as_array().unwrap().is_empty());
}

#[test]
fn a_garmin_gear_file_that_cannot_be_read_is_reported_and_the_rides_still_come_in() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("garmin.zip");
    garmin_export_with_gear(&archive, "<html>not json</html>", 0);
    let g = Garage::new();
    let (code, report) = import(&g, &[archive.to_str().unwrap()]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["totals"]["imported"], 1, "{report}");
    let failed = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| status(e) == "failed")
        .expect("the gear file has an entry");
    assert!(
        failed["reason"]
            .as_str()
            .unwrap()
            .contains("without their gear"),
        "{failed}"
    );
}

#[test]
fn a_garmin_export_unpacked_into_a_folder_gives_its_rides_their_gear() {
    // As unzipped once (the uploaded files still in their zip), and unzipped all the way down.
    for uploads_too in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("garmin_export");
        garmin_export_unpacked(&export, GARMIN_GEAR, 20_000, uploads_too);
        let g = Garage::new();
        // The rider names the export's folder, or only its DI_CONNECT folder.
        let given = if uploads_too {
            export.join("DI_CONNECT")
        } else {
            export.clone()
        };
        let (code, report) = import(&g, &[given.to_str().unwrap()]);
        assert_eq!(code, 0, "{report}");
        assert_eq!(report["totals"]["imported"], 1, "{report}");
        let bikes = g.json(&["bikes"]);
        let bikes = bikes.as_array().unwrap();
        assert_eq!(bikes.len(), 1, "shoes are not a bike: {bikes:?}");
        assert_eq!(bikes[0]["name"], "Gravel Bike");
        let entry = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| status(e) == "imported")
            .unwrap();
        assert_eq!(entry["bike_id"], bikes[0]["id"], "{report}");
    }
}

#[test]
fn an_unpacked_garmin_gear_file_that_cannot_be_read_is_reported_and_the_ride_still_comes_in() {
    let dir = tempfile::tempdir().unwrap();
    garmin_export_unpacked(dir.path(), "<html>not json</html>", 0, true);
    let g = Garage::new();
    let (code, report) = import(&g, &[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["totals"]["imported"], 1, "{report}");
    let failed = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| status(e) == "failed")
        .expect("the gear file has an entry");
    assert!(
        failed["file"]
            .as_str()
            .unwrap_or("")
            .ends_with("_gear.json")
            || failed.to_string().contains("_gear.json"),
        "{failed}"
    );
    assert!(g.json(&["bikes"]).as_array().unwrap().is_empty());
}
