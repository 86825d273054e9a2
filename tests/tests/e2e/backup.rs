//! Settings › Data in the real app: a garage made with the CLI is exported from the window, the
//! data folder wiped, the app started on the empty folder and the backup imported by typing its
//! path; the CLI then prints the same garage as before. A damaged or truncated file typed in is
//! refused with the reason and changes nothing. (The system's file dialogs cannot be driven
//! through WebDriver; the typed path is their fallback and goes the same way.)

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pedalwrencher_tests::cli::{str_of, Garage};

use crate::app::App;
use crate::app_process;
use crate::window::{Result, Window, WAIT};

/// The demo garage lived in with the CLI: a service with a cost and notes, a ride deleted, a bike
/// retired, a bike of the rider's own with a part and a ride.
fn lived_in() -> Garage {
    let g = Garage::with_demo();
    let rule = str_of(&g.due()[0]["rule_id"]);
    g.ok(&["done", &rule, "--cost", "12.50", "--notes", "new chain"]);
    let rides = g.json(&["rides", "--limit", "3"]);
    g.ok(&["ride", "delete", &str_of(&rides[2]["id"])]);
    let bike = str_of(&g.bikes()[0]["id"]);
    g.ok(&["bike", "retire", &bike]);
    let commuter = g.add_bike("Winter commuter");
    g.add_component(&["--kind", "chain", "--bike", &commuter]);
    let day = chrono::Local::now().date_naive() - chrono::Duration::days(3);
    g.add_ride(Some(&commuter), &day.to_string(), "18.5", &[]);
    g
}

/// Closes the app and waits until its process (found before closing) has exited, so nothing
/// holds the garage's files when the folder is wiped or the CLI reads it.
async fn close(app: App, data: &Path, steps: Result, what: &str) {
    let pid = app_process::pid(data).await;
    app.finish(steps, what).await;
    let deadline = Instant::now() + WAIT;
    while app_process::alive(pid) {
        assert!(
            Instant::now() < deadline,
            "the app did not exit after closing"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Everything in the folder `dir` removed, the folder kept.
fn wipe(dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("the data folder").flatten() {
        let path = entry.path();
        let gone = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        gone.unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
    }
}

/// Types `path` into Settings › Data's import field and presses Import.
async fn import_typed(window: Window<'_>, path: &Path) -> Result {
    window
        .replace_text("[data-testid='restore-path']", &path.to_string_lossy())
        .await?;
    window.click("[data-testid='import-backup']").await
}

#[tokio::test(flavor = "current_thread")]
async fn a_backup_exported_from_the_window_and_imported_onto_a_wiped_folder_brings_back_the_same_garage(
) {
    let garage = lived_in();
    let before = garage.views();
    let kept = tempfile::tempdir().expect("a folder for the backup");

    // Exported from the window.
    let app = App::open(garage.path()).await;
    let mut exported = PathBuf::new();
    let steps = async {
        app.dashboard().wait_bike().await?;
        let window = app.window();
        app.places()
            .open("#/settings/data", "settings-page")
            .await?;
        window.click("[data-testid='export-backup']").await?;
        window
            .wait_text(
                "[data-testid='backup-written']",
                "the backup's files",
                |t| t.contains(".rides.csv"),
            )
            .await?;
        exported = PathBuf::from(window.text("[data-testid='backup-file']").await?.trim());
        Result::Ok(())
    }
    .await;
    close(app, garage.path(), steps, "export a backup").await;
    assert!(
        exported.starts_with(garage.path()),
        "{}",
        exported.display()
    );

    // The backup copied out, the data folder wiped.
    let backup = kept.path().join("garage-backup.json");
    std::fs::copy(&exported, &backup).expect("copy the backup out");
    wipe(garage.path());
    assert_eq!(
        std::fs::read_dir(garage.path()).map(|d| d.count()).ok(),
        Some(0)
    );

    // The app on the empty folder imports it by its typed path: no question (nothing is here).
    let app = App::open(garage.path()).await;
    let steps = async {
        let window = app.window();
        app.places().open("#/settings/data", "settings-page").await?;
        import_typed(window, &backup).await?;
        let report = window
            .wait_text("[data-testid='restore-report']", "the restore's report", |t| {
                t.contains("Added")
            })
            .await?;
        assert!(
            report.contains("Restored onto an empty garage: every row kept its id"),
            "{report}"
        );
        assert!(report.contains("4 bikes"), "{report}");
        assert!(report.contains("skipped nothing"), "{report}");
        assert!(
            window.all("[data-testid='restore-confirm']").await?.is_empty(),
            "an empty garage is not asked about"
        );
        // The report, for a person to look at: a desktop and a phone.
        let places = app.places();
        for width in [1280, 360] {
            window.resize(width).await?;
            window
                .execute(
                    "document.querySelector(\"[data-testid='restore-report']\").scrollIntoView({ block: 'center' });",
                    vec![],
                )
                .await?;
            places
                .screenshot(&format!("restore-{width}-light.png"))
                .await?;
        }
        // The garage is back in the window too.
        window.resize(1280).await?;
        places.open("#/", "bike-card").await?;
        Result::Ok(())
    }
    .await;
    close(app, garage.path(), steps, "import the backup").await;

    let after = garage.views();
    assert_eq!(before.len(), after.len());
    for ((what, b), (_, a)) in before.iter().zip(&after) {
        assert_eq!(
            b, a,
            "`{what}` differs after the backup went round the window"
        );
    }
    garage.assert_integrity();
}

#[tokio::test(flavor = "current_thread")]
async fn a_damaged_or_truncated_backup_typed_into_the_window_is_refused_and_changes_nothing() {
    let garage = Garage::with_demo();
    let file = garage.file("garage-backup.json");
    garage.ok(&["backup", &file.to_string_lossy()]);
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    // One distance changed by hand, still valid JSON: the checksum tells.
    let damaged = garage.file("damaged.json");
    std::fs::write(&damaged, text.replacen("81000", "81001", 1)).unwrap_or_default();
    assert_ne!(std::fs::read_to_string(&damaged).unwrap_or_default(), text);
    let truncated = garage.file("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap_or_default();
    // The garage's rows as the CLI prints them (the app itself writes its heartbeat and reminders
    // while it runs, so not every table).
    let before = garage.views();

    let app = App::open(garage.path()).await;
    let steps = async {
        app.dashboard().wait_bike().await?;
        let window = app.window();
        app.places().open("#/settings/data", "settings-page").await?;

        // The garage is not empty: the window first says what happens to the rows here; Cancel
        // imports nothing.
        import_typed(window, &damaged).await?;
        let question = window.text("[data-testid='restore-confirm']").await?;
        assert!(
            question.contains("kept as it is here")
                && question.contains("whole or not at all"),
            "{question}"
        );
        app.places()
            .screenshot("restore-confirm-1280-light.png")
            .await?;
        window.click("[data-testid='restore-confirm-no']").await?;
        window.wait_gone("[data-testid='restore-confirm']").await?;
        assert!(window.all("[data-testid='restore-report']").await?.is_empty());

        for (path, reason) in [
            (&damaged, "its contents do not match its checksum"),
            (&truncated, "the file is truncated"),
        ] {
            import_typed(window, path).await?;
            window.click("[data-testid='restore-confirm-yes']").await?;
            let error = window
                .wait_text("[data-testid='data-error']", "the refusal", |t| {
                    t.contains("Nothing was changed")
                })
                .await?;
            assert!(error.contains(reason), "{error}");
            assert!(window.all("[data-testid='restore-report']").await?.is_empty());
        }
        window
            .execute(
                "document.querySelector(\"[data-testid='data-error']\").scrollIntoView({ block: 'center' });",
                vec![],
            )
            .await?;
        app.places()
            .screenshot("restore-refused-1280-light.png")
            .await?;
        Result::Ok(())
    }
    .await;
    close(app, garage.path(), steps, "refuse a damaged backup").await;
    let after = garage.views();
    assert_eq!(before.len(), after.len());
    for ((what, b), (_, a)) in before.iter().zip(&after) {
        assert_eq!(b, a, "`{what}` changed after a refused import");
    }
}
