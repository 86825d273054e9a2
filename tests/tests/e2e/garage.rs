//! The garage in the window: the forms, the demo, a garage that cannot be opened, retired bikes,
//! the shelf, Done and its undo.

use fantoccini::Locator;
use pedalwrencher_core::store::DB_FILE;
use pedalwrencher_tests::cli::Garage;

use crate::app::App;
use crate::pages::Dashboard;
use crate::window::Result;

#[tokio::test(flavor = "current_thread")]
async fn forms_add_a_bike_a_chain_and_a_ride_and_done_resets_the_lube_counter() {
    let garage = Garage::new();
    let app = App::open(garage.path()).await;

    let steps = async {
        let (window, header, dashboard) = (app.window(), app.header(), app.dashboard());
        dashboard.wait_empty().await?;

        // Add a bike through the form. (WebKitWebDriver cannot type characters outside the BMP,
        // so emoji round-trips are covered by the CLI tests instead.)
        let bike = header.add_bike().await?;
        bike.name("Vélo commuter").await?;
        bike.kind("city").await?;
        bike.submit().await?;
        let card = dashboard.bike_card_text().await?;
        assert!(card.contains("Vélo commuter"), "bike card: {card}");

        // Add a chain from the presets: it comes with its default rules.
        window.wait_no_dialog().await?;
        let part = header.add_component().await?;
        part.preset("chain").await?;
        window.screenshot("e2e-add-component.png").await?;
        part.submit().await?;
        let row = dashboard.component_row_text().await?;
        assert!(
            row.contains("Chain") && row.contains("Replace") && row.contains("Clean and lube"),
            "row: {row}"
        );

        // Log 2,500 km: the lube (300 km) is due, the chain (3,000 km) due soon.
        window.wait_no_dialog().await?;
        let ride = header.log_ride().await?;
        ride.distance("2500").await?;
        ride.time("80:00").await?;
        ride.submit().await?;
        // More than any one ride (1,000 km): the window asks first, and says why.
        let doubts = ride.doubts().await?;
        assert!(
            doubts.contains("more than a ride can be"),
            "doubts: {doubts}"
        );
        ride.submit_anyway().await?;
        dashboard.component_row("[data-state='due']").await?;
        let due = dashboard.due_row_text("due").await?;
        assert!(due.contains("Clean and lube"), "due row: {due}");
        let soon = dashboard.due_row_text("due_soon").await?;
        assert!(
            soon.contains("Replace") && soon.contains("500 km"),
            "due soon row: {soon}"
        );

        // Mark the lube done: the chain drops back to due soon and the lube leaves the list.
        window.wait_no_dialog().await?;
        dashboard.mark_done("Clean and lube").await?;
        dashboard.component_row("[data-state='due_soon']").await?;
        dashboard.wait_no_due_row(Some("due")).await?;
        Result::Ok(())
    }
    .await;
    app.finish(steps, "form flow").await;
}

#[tokio::test(flavor = "current_thread")]
async fn fresh_app_loads_the_demo_and_shows_a_due_component_on_the_dashboard() {
    let garage = Garage::new();
    let app = App::open(garage.path()).await;

    let steps = async {
        let dashboard = app.dashboard();
        // A fresh data folder shows the empty garage with its demo button.
        let load = dashboard.wait_empty().await?;
        assert!(dashboard.bike_cards().await?.is_empty());
        load.click().await?;

        let due = dashboard.wait_due_row("due").await?;
        // textContent, not the rendered text: long names are ellipsised in the side column.
        let text = due.prop("textContent").await?.unwrap_or_default();
        assert!(
            text.contains("Shimano Ultegra chain"),
            "first due row: {text}"
        );
        assert!(
            text.contains("Canyon Endurace"),
            "due row names the bike: {text}"
        );

        let due_components = dashboard.component_rows("[data-state='due']").await?;
        assert!(!due_components.is_empty(), "a component row is marked due");
        let cards = dashboard.bike_cards().await?;
        assert_eq!(cards.len(), 3, "the demo has three bikes");

        // The stylesheet applied (a broken CSS bundle renders every element unstyled while the
        // DOM, and so every other assertion here, stays the same).
        let styled = dashboard.styles().await?;
        assert_eq!(
            styled[0], "flex",
            "the header is laid out by the stylesheet: {styled}"
        );
        assert_ne!(
            styled[1], "0px",
            "bike cards have their rounded corners: {styled}"
        );
        app.window().screenshot("e2e-dashboard.png").await?;
        Result::Ok(())
    }
    .await;
    app.finish(steps, "dashboard flow").await;

    // The app wrote to the data folder it was given, not the rider's own.
    assert!(garage.file(DB_FILE).exists());
}

#[tokio::test(flavor = "current_thread")]
async fn a_garage_that_cannot_be_opened_is_explained_and_try_again_recovers() {
    let garage = Garage::new();
    // A folder where the database file should be: SQLite cannot open it (even as root).
    let db = garage.file(DB_FILE);
    std::fs::create_dir(&db).expect("block the database path");
    let app = App::open(garage.path()).await;

    let steps = async {
        let dashboard = app.dashboard();
        let text = dashboard.open_failed_text().await?;
        assert!(
            text.contains("can't open your garage")
                && text.contains("could not open the garage database"),
            "failure screen: {text}"
        );
        // The empty garage (whose buttons would all fail) is not offered instead.
        assert!(!dashboard.offers_demo().await?);
        assert!(
            !app.header().add_bike_enabled().await?,
            "Add bike is disabled"
        );
        app.window().readme_screenshot("open-failed.png").await?;

        // The rider fixes the cause and tries again, without restarting.
        std::fs::remove_dir(&db).expect("unblock the database path");
        dashboard.try_opening_again().await?;
        dashboard.wait_empty().await?;
        dashboard.wait_open_failure_gone().await?;
        Result::Ok(())
    }
    .await;
    app.finish(steps, "open-failure flow").await;
    assert!(
        db.is_file(),
        "the garage was created once the path was free"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn parts_on_a_retired_bike_stay_visible_and_inactive() {
    let garage = Garage::new();
    // A bike in use whose chain needs its lube, and a retired one whose chain is worn out.
    let daily = garage.add_bike("Daily");
    garage.add_component(&[
        "--kind",
        "chain",
        "--bike",
        &daily,
        "--installed",
        "2026-01-01",
    ]);
    garage.add_ride(Some(&daily), "2026-02-01", "400", &[]);
    let old = garage.add_bike("Old steel");
    garage.add_component(&[
        "--kind",
        "chain",
        "--bike",
        &old,
        "--installed",
        "2026-01-01",
    ]);
    garage.add_ride(Some(&old), "2026-02-01", "3000", &[]);
    garage.json(&["bike", "retire", &old]);

    let app = App::open(garage.path()).await;

    let steps = async {
        let dashboard = app.dashboard();
        // The retired bike's chain is listed with its rules, its state as it stands, inactive.
        let row = dashboard.component_row_on(true).await?;
        assert_eq!(row.attr("data-active").await?.as_deref(), Some("false"));
        assert_eq!(row.attr("data-state").await?.as_deref(), Some("due"));
        let text = row.prop("textContent").await?.unwrap_or_default();
        assert!(
            text.contains("Chain")
                && text.contains("Clean and lube")
                && text.contains("Replace")
                && text.contains("3,000 km / 3,000 km")
                && text.contains("Inactive — bike retired"),
            "retired chain row: {text}"
        );
        let rules = row
            .find_all(Locator::Css("[data-testid='rule-line']"))
            .await?;
        assert_eq!(rules.len(), 2, "both chain rules are listed");
        for rule in &rules {
            assert_eq!(rule.attr("data-active").await?.as_deref(), Some("false"));
        }
        assert!(
            row.find_all(Locator::Css("[data-testid='mark-done']"))
                .await?
                .is_empty(),
            "an inactive part offers no Done"
        );

        // The bike in use is active and reminds; the retired chain does not.
        let active = dashboard.component_row_on(false).await?;
        assert_eq!(active.attr("data-active").await?.as_deref(), Some("true"));
        let due_rows = dashboard.due_rows().await?;
        assert_eq!(
            due_rows.len(),
            1,
            "only the active chain's lube needs attention"
        );
        let due = due_rows[0].prop("textContent").await?.unwrap_or_default();
        assert!(
            due.contains("Clean and lube") && due.contains("Daily") && !due.contains("Old steel"),
            "due row: {due}"
        );
        let header = app.header().summary().await?;
        assert!(header.contains("1 due"), "header counts: {header}");

        app.window().screenshot("e2e-retired.png").await?;
        Result::Ok(())
    }
    .await;
    app.finish(steps, "retired-bike flow").await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_shelf_part_is_marked_done_from_the_shelf() {
    let garage = Garage::new();
    // Sealant mounted in June and taken off in July: on the shelf, its 90-day refresh overdue.
    let bike = garage.add_bike("Gravel");
    let (sealant, _) = garage.add_component(&[
        "--kind",
        "sealant",
        "--bike",
        &bike,
        "--installed",
        "2026-06-01",
    ]);
    garage.json(&["component", "remove", &sealant, "--at", "2026-07-01"]);

    let app = App::open(garage.path()).await;

    let steps = async {
        let (window, dashboard) = (app.window(), app.dashboard());
        let shelf = dashboard.shelf_text().await?;
        assert!(
            shelf.contains("Shelf")
                && shelf.contains("Tubeless sealant")
                && shelf.contains("Refresh sealant"),
            "shelf: {shelf}"
        );
        let row = dashboard.shelf_row("").await?;
        assert_eq!(row.attr("data-state").await?.as_deref(), Some("due"));
        assert_eq!(row.attr("data-active").await?.as_deref(), Some("true"));
        // The bike card has no parts; the shelf part reminds like any other.
        let card = dashboard.bike_card_text().await?;
        assert!(!card.contains("Tubeless sealant"), "bike card: {card}");
        let due = dashboard.due_row_text("due").await?;
        assert!(
            due.contains("Tubeless sealant") && due.contains("· Shelf"),
            "due row: {due}"
        );
        window.screenshot("e2e-shelf.png").await?;

        // Done from the shelf: the refresh starts again.
        dashboard.mark_done_in(Dashboard::SHELF).await?;
        dashboard.shelf_row("[data-state='ok']").await?;
        let usage = dashboard.rule_usage(Dashboard::SHELF).await?;
        assert_eq!(usage, "0 days / 90 days");
        dashboard.wait_no_due_row(None).await?;

        // Mount it back on the bike (today, the default): the shelf goes away.
        let mount = dashboard.mount().await?;
        assert_eq!(
            mount.bikes_offered().await?,
            1,
            "the one bike in use is offered"
        );
        mount.bike(&bike).await?;
        let day = mount.day().await?;
        assert_eq!(day.len(), 10, "the day defaults to today: {day:?}");
        window.screenshot("e2e-mount.png").await?;
        mount.submit().await?;
        window.wait_no_dialog().await?;
        dashboard.wait_no_shelf().await?;
        let card = dashboard.bike_card_text().await?;
        assert!(card.contains("Tubeless sealant"), "bike card: {card}");
        Result::Ok(())
    }
    .await;
    app.finish(steps, "shelf flow").await;
}

#[tokio::test(flavor = "current_thread")]
async fn done_then_undo_restores_the_previous_wear() {
    let garage = Garage::new();
    let bike = garage.add_bike("Road");
    garage.add_component(&[
        "--kind",
        "chain",
        "--bike",
        &bike,
        "--installed",
        "2026-01-01",
    ]);
    garage.add_ride(Some(&bike), "2026-02-01", "1500", &[]);
    garage.add_ride(Some(&bike), "2026-03-01", "1000", &[]);

    let app = App::open(garage.path()).await;

    let steps = async {
        let (window, dashboard) = (app.window(), app.dashboard());
        let lube = Dashboard::rule_line("Clean and lube");
        let before = dashboard.rule_usage(&lube).await?;
        assert_eq!(before, "2,500 km / 300 km");
        let rule = window.find(&lube).await?;
        assert_eq!(rule.attr("data-state").await?.as_deref(), Some("due"));

        dashboard.mark_done_in(&lube).await?;
        let after = dashboard
            .wait_rule_usage(&lube, "the counter starting again", |t| t != before)
            .await?;
        assert_eq!(after, "0 km / 300 km");
        window.find(&format!("{lube}[data-state='ok']")).await?;

        // The toast names what was done and offers Undo.
        let toast = dashboard.undo_banner_text().await?;
        assert!(
            toast.contains("“Clean and lube” on Chain marked done") && toast.contains("Undo"),
            "toast: {toast}"
        );
        window.screenshot("e2e-undo.png").await?;
        dashboard.undo().await?;

        // The wear is back where it was, and the Undo offer is gone.
        let restored = dashboard
            .wait_rule_usage(&lube, "the previous wear", |t| t == before)
            .await?;
        assert_eq!(restored, before);
        window.find(&format!("{lube}[data-state='due']")).await?;
        dashboard.wait_no_undo_banner().await?;
        let due = dashboard.due_row_text("due").await?;
        assert!(due.contains("Clean and lube"), "due row: {due}");
        Result::Ok(())
    }
    .await;
    app.finish(steps, "undo flow").await;
}
