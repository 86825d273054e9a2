//! The places of the window: each reached by its link and by its address, Back returning, and
//! every page fitting a phone (360 px) and a desktop (1280 px), light and dark; the pictures go
//! to ui/screenshots/ for a person to look at (and the README shows some).

use pedalwrencher_tests::cli::Garage;

use crate::app::App;
use crate::pages::{BikePage, PartPage, RidesPage};
use crate::window::Result;

#[tokio::test(flavor = "current_thread")]
async fn every_place_opens_by_link_and_address_and_fits_a_phone_and_a_desktop_in_both_themes() {
    let garage = Garage::with_demo();
    // A wheelset carrying its tyre, and a ride from a file with numbers no ride has (flagged in
    // Rides), so the pictures show both.
    let bike = garage.bikes()[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (wheelset, _) = garage.add_component(&[
        "--kind",
        "wheelset",
        "--name",
        "Race wheels",
        "--bike",
        &bike,
    ]);
    garage.add_component(&["--kind", "tyre", "--name", "Rear tyre", "--on", &wheelset]);
    let track = garage.file("too-far.gpx");
    std::fs::write(&track, too_far_gpx()).unwrap_or_default();
    // Unassigned: its 2,224 km wear no part.
    garage.ok(&["ride", "import", &track.to_string_lossy()]);
    let app = App::open(garage.path()).await;

    let steps = async {
        let (window, places, dashboard) = (app.window(), app.places(), app.dashboard());
        dashboard.wait_bike().await?;

        // By link: a bike from its card, Back to the garage, a part from its row.
        let bike = places.open_first_bike().await?;
        assert!(!bike.is_empty(), "the bike page names its bike");
        places.back().await?;
        dashboard.wait_bike().await?;
        let component = places.open_first_component().await?;
        assert!(!component.is_empty(), "the part page names its part");

        // The part's costs come from the core: what it cost and how far it has been ridden.
        let costs = window
            .wait_text("[data-testid='component-costs']", "the part's costs", |t| {
                t.contains("ridden")
            })
            .await?;
        assert!(costs.contains("ridden"), "costs: {costs}");

        // By tab and by address.
        places.tab("settings").await?;
        window.find("[data-testid='settings-page']").await?;
        places.tab("rides").await?;
        window.find("[data-testid='rides-page']").await?;

        let pages = [
            ("garage", "#/".to_owned(), "bike-card"),
            ("bike", format!("#/bike/{bike}"), "bike-page"),
            (
                "component",
                format!("#/component/{component}"),
                "component-page",
            ),
            ("rides", "#/rides".to_owned(), "rides-page"),
            ("settings", "#/settings".to_owned(), "settings-page"),
            ("import-empty", "#/import".to_owned(), "import-page"),
        ];
        for theme in ["light", "dark"] {
            places.theme(theme).await?;
            let background = places.background().await?;
            let dark = background != "rgb(243, 244, 246)";
            assert_eq!(dark, theme == "dark", "{theme}: the page is {background}");
            for width in [1280, 360] {
                window.resize(width).await?;
                for (name, address, page) in &pages {
                    places.open(address, page).await?;
                    let overflow = places.overflow().await?;
                    assert!(
                        overflow.is_empty(),
                        "{name} at {width} px ({theme}): {overflow:#?}"
                    );
                    places
                        .screenshot(&format!("{name}-{width}-{theme}.png"))
                        .await?;
                }
            }
        }
        places.theme("system").await?;
        window.resize(1280).await?;

        // The flagged ride: listed alone under "Flagged to check"; kept, it is flagged no more.
        places.open("#/rides", "rides-page").await?;
        window
            .click("[data-testid='filter-flagged'] option[value='flagged']")
            .await?;
        let row = window
            .wait_text("[data-testid='ride-list']", "the flagged ride", |t| {
                t.contains("Too far")
            })
            .await?;
        assert!(row.contains("Check this ride"), "flagged: {row}");
        assert_eq!(window.all("[data-testid='ride-row']").await?.len(), 1);
        window.click("[data-testid='review-keep']").await?;
        window.find("[data-testid='rides-empty']").await?;
        Result::Ok(())
    }
    .await;
    app.finish(steps, "every place, phone and desktop, light and dark")
        .await;
}

#[tokio::test(flavor = "current_thread")]
async fn switching_to_imperial_writes_every_distance_in_miles() {
    let garage = Garage::with_demo();
    let app = App::open(garage.path()).await;

    let steps = async {
        let (places, dashboard) = (app.places(), app.dashboard());
        dashboard.wait_bike().await?;
        let metric = dashboard.bike_card_text().await?;
        assert!(metric.contains(" km"), "metric card: {metric}");

        places.open("#/settings", "settings-page").await?;
        app.window().click("[data-testid='units-imperial']").await?;
        crate::app::wait_saved_setting_text(garage.path(), "units", "imperial").await;
        places.open("#/", "bike-card").await?;
        let imperial = dashboard
            .wait_bike_card_text("miles", |t| t.contains(" mi") && !t.contains(" km"))
            .await?;
        assert!(imperial.contains(" mi"), "imperial card: {imperial}");
        places.screenshot("garage-imperial-1280-light.png").await?;
        Result::Ok(())
    }
    .await;
    app.finish(steps, "imperial units").await;
}

#[tokio::test(flavor = "current_thread")]
async fn editing_a_rules_interval_changes_its_state_and_a_snooze_is_shown() {
    let garage = Garage::with_demo();
    let app = App::open(garage.path()).await;

    let steps = async {
        app.dashboard().wait_bike().await?;
        let part = PartPage::new(app.window());
        let task = part.open_first_due().await?;

        // Far longer between services: the rule is no longer due.
        part.edit_interval(&task, "100,000").await?;
        part.wait_state(&task, "ok").await?;
        let words = part.wait_rule_text(&task, "100,000 km").await?;
        assert!(!words.contains("One-off"), "the rule's words: {words}");

        // Quiet for a week: the line says until when.
        part.snooze_days(&task, "7").await?;
        part.wait_rule_text(&task, "Snoozed until").await?;
        app.places()
            .screenshot("component-edited-1280-light.png")
            .await?;
        Result::Ok(())
    }
    .await;
    app.finish(steps, "edit a rule, snooze it").await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_bike_is_renamed_retired_and_brought_back_from_its_page_and_its_rides_are_listed() {
    let garage = Garage::with_demo();
    let app = App::open(garage.path()).await;

    let steps = async {
        let (places, window) = (app.places(), app.window());
        app.dashboard().wait_bike().await?;
        let id = places.open_first_bike().await?;
        let bike = BikePage::new(window);

        bike.rename("Winter hack").await?;
        bike.wait_heading("Winter hack").await?;
        bike.retire().await?;
        bike.wait_heading("Retired").await?;
        bike.bring_back().await?;
        bike.wait_heading_without("Retired").await?;

        // Its rides, newest first, a page at a time.
        window.click("[data-testid='bike-rides-link']").await?;
        window.find("[data-testid='ride-row']").await?;
        let on_page = window.all("[data-testid='ride-row']").await?.len();
        assert!(
            on_page > 0 && on_page <= 100,
            "{on_page} rides on the first page"
        );
        let first = window.text("[data-testid='ride-row']").await?;
        assert!(first.contains("Winter hack"), "the first ride: {first}");
        assert!(!id.is_empty());
        places.screenshot("rides-bike-1280-light.png").await?;
        Result::Ok(())
    }
    .await;
    app.finish(steps, "a bike's page and its rides").await;
}

#[tokio::test(flavor = "current_thread")]
async fn the_empty_garage_on_a_phone_offers_to_join_another_device() {
    let garage = Garage::new();
    let app = App::open(garage.path()).await;

    let steps = async {
        let (window, places) = (app.window(), app.places());
        app.dashboard().wait_empty().await?;
        window.resize(360).await?;
        app.dashboard().wait_empty().await?;
        let overflow = places.overflow().await?;
        assert!(
            overflow.is_empty(),
            "the empty garage at 360 px: {overflow:#?}"
        );
        places.screenshot("garage-empty-360-light.png").await?;

        // The first thing a rider does on a new phone: join the garage their other device keeps.
        places.tap("[data-testid='empty-join-devices']").await?;
        window.find("[data-testid='devices-panel'][open]").await?;
        places.screenshot("devices-360-light.png").await?;
        window.resize(1280).await?;
        Result::Ok(())
    }
    .await;
    app.finish(steps, "the empty garage on a phone").await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_part_is_renamed_and_a_job_done_with_its_cost_shows_in_its_history() {
    let garage = Garage::with_demo();
    let app = App::open(garage.path()).await;

    let steps = async {
        app.dashboard().wait_bike().await?;
        let (part, places) = (PartPage::new(app.window()), app.places());
        let task = part.open_first_due().await?;

        part.rename("Chain no. 2").await?;
        let title = app
            .window()
            .wait_text("[data-testid='page-title']", "the new name", |t| {
                t == "Chain no. 2"
            })
            .await?;
        assert_eq!(title, "Chain no. 2");

        part.done_with(&task, "24.90", "KMC X11").await?;
        let history = part.wait_history("KMC X11").await?;
        assert!(
            history.contains(&task) && history.contains("24.90"),
            "the history: {history}"
        );
        part.wait_state(&task, "ok").await?;
        places
            .screenshot("component-history-1280-light.png")
            .await?;
        Result::Ok(())
    }
    .await;
    app.finish(steps, "rename a part, Done with its cost").await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_part_moved_to_another_bike_keeps_its_wear_and_a_rule_is_added_and_deleted() {
    let garage = Garage::with_demo();
    let app = App::open(garage.path()).await;

    let steps = async {
        app.dashboard().wait_bike().await?;
        let part = PartPage::new(app.window());
        let task = part.open_first_due().await?;
        let before = part.usage(&task).await?;

        // The wear follows the part, not the bike.
        let bike = part.move_to_first_other_bike().await?;
        part.wait_heading(&format!("on {bike}")).await?;
        assert_eq!(part.usage(&task).await?, before, "the usage after the move");

        // A rule of the rider's own, then gone again.
        part.add_distance_rule("Check wear", "1,500").await?;
        let words = part.wait_rule_text("Check wear", "every 1,500 km").await?;
        assert!(words.contains("Check wear"), "the new rule: {words}");
        part.delete_rule("Check wear").await?;
        part.wait_no_rule("Check wear").await?;
        app.places()
            .screenshot("component-moved-1280-light.png")
            .await?;
        Result::Ok(())
    }
    .await;
    app.finish(steps, "move a part, add and delete a rule")
        .await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_ride_edited_in_rides_shows_its_new_name_and_distance() {
    let garage = Garage::with_demo();
    let app = App::open(garage.path()).await;

    let steps = async {
        app.dashboard().wait_bike().await?;
        app.places().open("#/rides", "rides-page").await?;
        let rides = RidesPage::new(app.window());
        assert_eq!(
            rides.shown().await?,
            100,
            "the first page of the demo's rides"
        );

        rides.edit_first("Evening loop", "8.5").await?;
        let row = rides.wait_first("Evening loop").await?;
        assert!(row.contains("8.5 km"), "the edited ride: {row}");
        app.places()
            .screenshot("rides-edited-1280-light.png")
            .await?;

        // Deleted, it leaves the list; Undo brings it back.
        rides.delete_first().await?;
        rides.wait_first_not("Evening loop").await?;
        rides.undo_delete().await?;
        let row = rides.wait_first("Evening loop").await?;
        assert!(row.contains("8.5 km"), "the ride back: {row}");
        Result::Ok(())
    }
    .await;
    app.finish(steps, "edit a ride, delete it and undo").await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_backup_exported_from_settings_says_where_it_and_its_rides_csv_are() {
    let garage = Garage::with_demo();
    let app = App::open(garage.path()).await;

    let steps = async {
        app.dashboard().wait_bike().await?;
        let window = app.window();
        app.places().open("#/settings", "settings-page").await?;
        window.click("[data-testid='export-backup']").await?;
        window
            .wait_text(
                "[data-testid='backup-written']",
                "the backup's files",
                |t| t.contains(".rides.csv"),
            )
            .await?;
        let file = window.text("[data-testid='backup-file']").await?;
        let csv = window.text("[data-testid='backup-csv']").await?;
        for written in [&file, &csv] {
            let path = std::path::Path::new(written.trim());
            assert!(path.is_file(), "{written} was written");
            assert!(
                path.starts_with(garage.path()),
                "{written} is in the data folder"
            );
        }
        let rides = std::fs::read_to_string(csv.trim()).unwrap_or_default();
        assert!(rides.lines().count() > 100, "the demo's rides as CSV");
        Result::Ok(())
    }
    .await;
    app.finish(steps, "export a backup").await;
}

/// A GPX track of 2,224 km in 50 minutes, an hour ago: no ride has those numbers, so its import
/// is flagged for review.
fn too_far_gpx() -> String {
    let start = chrono::Utc::now() - chrono::Duration::hours(1);
    let points: String = (0..=2)
        .map(|i| {
            let at = start + chrono::Duration::minutes(25 * i);
            format!(
                r#"<trkpt lat="0" lon="{}"><time>{}</time></trkpt>"#,
                10 * i,
                at.format("%Y-%m-%dT%H:%M:%SZ")
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="pedalwrencher-tests" xmlns="http://www.topografix.com/GPX/1/1">
<trk><name>Too far</name><type>cycling</type><trkseg>{points}</trkseg></trk></gpx>"#
    )
}
