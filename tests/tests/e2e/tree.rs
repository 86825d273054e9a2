//! Parts on parts in the window: a bike card lists a wheel's parts under it, Move… takes the
//! wheel to another bike with its parts in one step, and the part pages say what a part carries
//! and what it sits on.

use pedalwrencher_tests::cli::Garage;

use crate::app::App;
use crate::window::Result;

/// A bike's card, by the bike's id.
fn card(bike: &str) -> String {
    format!("article[aria-labelledby='bike-{bike}']")
}

#[tokio::test(flavor = "current_thread")]
async fn a_wheelset_moves_to_another_bike_with_its_tyre_in_one_step() {
    let garage = Garage::new();
    let road = garage.add_bike("Road");
    let winter = garage.add_bike("Winter");
    let (wheelset, _) = garage.add_component(&[
        "--kind",
        "wheelset",
        "--name",
        "Race wheels",
        "--bike",
        &road,
        "--installed",
        "2026-01-01",
    ]);
    let (tyre, _) = garage.add_component(&[
        "--kind",
        "tyre",
        "--name",
        "Rear tyre",
        "--on",
        &wheelset,
        "--installed",
        "2026-01-01",
    ]);

    let app = App::open(garage.path()).await;

    let steps = async {
        let (window, dashboard) = (app.window(), app.dashboard());
        // The tyre is listed under the wheelset, one level in, on Road's card.
        let road_card = window.text(&card(&road)).await?;
        assert!(
            road_card.contains("Race wheels") && road_card.contains("Rear tyre"),
            "Road: {road_card}"
        );
        let tyre_row = format!("{} #component-{tyre}", card(&road));
        assert_eq!(
            window.attr(&tyre_row, "data-depth").await?.as_deref(),
            Some("1")
        );
        let wheel_row = format!("{} #component-{wheelset}", card(&road));
        assert_eq!(
            window.attr(&wheel_row, "data-depth").await?.as_deref(),
            Some("0")
        );
        window.screenshot("e2e-tree.png").await?;

        // Move… on the wheelset (the only part carrying others), to Winter, today.
        let moving = dashboard.move_part().await?;
        moving.bike(&winter).await?;
        moving.submit().await?;
        window.wait_no_dialog().await?;
        let winter_card = window
            .wait_text(&card(&winter), "the wheels on Winter", |t| {
                t.contains("Race wheels") && t.contains("Rear tyre")
            })
            .await?;
        assert!(winter_card.contains("Move…"), "Winter: {winter_card}");
        let road_card = window.text(&card(&road)).await?;
        assert!(
            !road_card.contains("Race wheels") && !road_card.contains("Rear tyre"),
            "Road: {road_card}"
        );

        // The wheelset's page lists what it carries; the tyre's says what it sits on.
        let places = app.places();
        places
            .open(&format!("#/component/{wheelset}"), "component-page")
            .await?;
        let carried = window.text("[data-testid='carried-part']").await?;
        assert!(carried.contains("Rear tyre"), "carried: {carried}");
        for width in [1280, 360] {
            window.resize(width).await?;
            places
                .screenshot(&format!("component-wheel-{width}-light.png"))
                .await?;
        }
        window.resize(1280).await?;
        places
            .open(&format!("#/component/{tyre}"), "component-page")
            .await?;
        let sits_on = window.text("[data-testid='component-sits-on']").await?;
        assert!(sits_on.contains("Race wheels"), "sits on: {sits_on}");
        Result::Ok(())
    }
    .await;
    app.finish(steps, "tree flow").await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_wheel_added_from_the_form_brings_its_tyre_cassette_and_rotor_in_the_same_step() {
    let garage = Garage::new();
    let road = garage.add_bike("Road");
    let app = App::open(garage.path()).await;

    let steps = async {
        let window = app.window();
        window.find(&card(&road)).await?;
        let part = app.header().add_component().await?;
        part.preset("wheel").await?;
        // What a wheel carries is offered: tyre, cassette and rotor ticked, tube and sealant not.
        let offered = window.text("[data-testid='add-carried']").await?;
        assert!(
            offered.contains("Tyre")
                && offered.contains("Cassette")
                && offered.contains("Inner tube"),
            "offered: {offered}"
        );
        part.submit().await?;
        window.wait_no_dialog().await?;
        let road_card = window
            .wait_text(&card(&road), "the wheel and its parts", |t| {
                t.contains("Wheel") && t.contains("Tyre") && t.contains("Brake rotor")
            })
            .await?;
        assert!(
            road_card.contains("Cassette") && !road_card.contains("Inner tube"),
            "Road: {road_card}"
        );
        let rows = window
            .all(&format!("{} [data-depth='1']", card(&road)))
            .await?;
        assert_eq!(rows.len(), 3, "tyre, cassette and rotor on the wheel");
        Result::Ok(())
    }
    .await;
    app.finish(steps, "a wheel with its parts").await;
}
