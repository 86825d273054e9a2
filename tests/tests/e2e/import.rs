//! The Import place (issue 18): real ride files imported by the paths a rider types there (the
//! fallback beside the system's file dialog, which WebDriver cannot drive), the report of what
//! became of each file (imported, already here, skipped or failed, each saying why), and the rides
//! then in Rides. The page fits a phone and a desktop in both themes with nothing sticking out or
//! overlapping; the pictures go to ui/screenshots/import-{360,1280}-{light,dark}.png.

use std::io::Write;
use std::path::Path;

use fantoccini::key::Key;
use pedalwrencher_tests::cli::Garage;
use pedalwrencher_tests::ride_fixtures;
use serde_json::Value;

use crate::app::App;
use crate::pages::RidesPage;
use crate::window::{strings, Result, Window};

/// A head unit's folder of real files: a Fenix 5 ride, the same ride gzipped (already here once
/// the first is in), a run (skipped), and an empty file (failed); in name order.
fn head_unit_folder(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let fenix = std::fs::read(ride_fixtures::fit("garmin-fenix-5-bike.fit")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&fenix).unwrap();
    let files = [
        (
            "a-run.fit",
            std::fs::read(ride_fixtures::fit("Activity.fit")).unwrap(),
        ),
        ("b-empty.fit", Vec::new()),
        ("c-fenix.fit", fenix),
        ("d-fenix.fit.gz", gz.finish().unwrap()),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// Within the Import page: a box leaving its parent sideways, or two visible siblings overlapping
/// (the places' overflow check looks at the window's edges; this looks inside the page).
async fn overlaps(window: Window<'_>) -> Result<Vec<String>> {
    window.settle().await?;
    let found = window
        .execute(
            "const page = document.querySelector(\"[data-testid='import-page']\");\n\
             const name = (e) => e.dataset.testid || e.id || (typeof e.className === 'string' && e.className.split(' ')[0]) || e.tagName.toLowerCase();\n\
             const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };\n\
             const out = [];\n\
             for (const parent of [page, ...page.querySelectorAll('*')]) {\n\
               if (parent.tagName === 'SELECT' || parent.tagName === 'svg') continue;\n\
               const pr = parent.getBoundingClientRect();\n\
               const kids = [...parent.children].filter(shown);\n\
               for (const c of kids) {\n\
                 const r = c.getBoundingClientRect();\n\
                 if (r.left < pr.left - 1 || r.right > pr.right + 1) out.push(`${name(c)} leaves ${name(parent)} (${Math.round(r.left)}..${Math.round(r.right)} in ${Math.round(pr.left)}..${Math.round(pr.right)})`);\n\
               }\n\
               for (let i = 0; i < kids.length; i++) for (let j = i + 1; j < kids.length; j++) {\n\
                 const a = kids[i].getBoundingClientRect(), b = kids[j].getBoundingClientRect();\n\
                 if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)\n\
                   out.push(`${name(kids[i])} overlaps ${name(kids[j])} in ${name(parent)}`);\n\
               }\n\
             }\n\
             return out.slice(0, 12);",
            vec![],
        )
        .await?;
    Ok(strings(&found))
}

#[tokio::test(flavor = "current_thread")]
async fn files_and_folders_typed_as_paths_are_imported_reported_and_listed_in_rides() {
    let garage = Garage::new();
    garage.add_bike("Gravel Bike");
    let folder = garage.file("GARMIN/Activities");
    head_unit_folder(&folder);
    // A walk around a lake recorded by a GPS (gpxpy's test file): a GPX without a type is a ride.
    let gpx = ride_fixtures::gpxpy("cerknicko-jezero.gpx");
    let app = App::open(garage.path()).await;

    let steps = async {
        let (window, places) = (app.window(), app.places());
        window.find("[data-testid='nav-rides']").await?;
        places.open("#/import", "import-page").await?;

        // Two paths, one a line: the folder, and a file elsewhere.
        let enter = char::from(Key::Enter).to_string();
        let typed = [
            folder.to_string_lossy().into_owned(),
            gpx.to_string_lossy().into_owned(),
        ];
        window
            .type_into("[data-testid='import-paths']", &typed.join(&enter))
            .await?;
        window.click("[data-testid='import-typed']").await?;

        let totals = window
            .wait_text(
                "[data-testid='import-totals']",
                "the report's totals",
                |t| t.contains("imported"),
            )
            .await?;
        assert_eq!(
            totals, "2 rides imported, 1 already here, 1 skipped, 1 failed",
            "the folder's four files and the GPX file"
        );
        let report = window.text("[data-testid='import-report']").await?;
        for (file, what) in [
            ("a-run.fit", "Skipped: "),
            ("b-empty.fit", "Failed: "),
            ("c-fenix.fit", "Imported"),
            ("d-fenix.fit.gz", "Already here; kept "),
            ("cerknicko-jezero.gpx", "Imported"),
        ] {
            let at = report
                .find(file)
                .unwrap_or_else(|| panic!("{file} is not in the report: {report}"));
            let after = report[at + file.len()..].trim_start();
            assert!(after.starts_with(what), "{file}: {after}");
        }
        assert!(
            report.contains("running"),
            "a run says why it is skipped: {report}"
        );
        assert!(
            report.to_lowercase().contains("empty"),
            "an empty file says why: {report}"
        );

        // The page at both sizes and in both themes, with the report, nothing out of place.
        for theme in ["light", "dark"] {
            places.theme(theme).await?;
            for width in [1280, 360] {
                window.resize(width).await?;
                places.open("#/import", "import-page").await?;
                window.find("[data-testid='import-report']").await?;
                let overflow = places.overflow().await?;
                assert!(
                    overflow.is_empty(),
                    "import at {width} px ({theme}): {overflow:#?}"
                );
                let overlapping = overlaps(window).await?;
                assert!(
                    overlapping.is_empty(),
                    "import at {width} px ({theme}): {overlapping:#?}"
                );
                if width == 360 {
                    // On a phone the report is what is below the fold: the picture shows it.
                    window
                        .execute(
                            "document.querySelector(\"[data-testid='import-totals']\").scrollIntoView({ block: 'center' });",
                            vec![],
                        )
                        .await?;
                }
                places
                    .screenshot(&format!("import-{width}-{theme}.png"))
                    .await?;
            }
        }
        places.theme("system").await?;
        window.resize(1280).await?;

        // Rides lists the two rides; the CLI, on the same garage, agrees.
        places.open("#/rides", "rides-page").await?;
        let rides = RidesPage::new(window);
        assert_eq!(rides.shown().await?, 2);
        let listed = garage.json(&["rides"]);
        assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
        assert!(
            listed
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["bike_id"] == Value::Null),
            "no bike was chosen for the batch: {listed}"
        );
        Result::Ok(())
    }
    .await;
    app.finish(steps, "import typed paths").await;
}
