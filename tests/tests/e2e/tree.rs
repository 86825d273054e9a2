//! Parts on parts in the window: a bike card lists a wheel's parts under it, Move… takes the
//! wheel to another bike with its parts in one step, and the part pages say what a part carries
//! and what it sits on; Replace moves its parts onto the new one, or to the shelf.

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

/// The live (not retired) part named `name` in `components --json`.
fn component(garage: &Garage, name: &str) -> serde_json::Value {
    let all = garage.json(&["components"]);
    all.as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == name && c["retired"] != true)
        .cloned()
        .unwrap_or_else(|| panic!("no live {name}: {all}"))
}

/// Replace on a wheel's page: ticked (the default) its tyre moves onto the new wheel; unticked,
/// the next replacement sends the tyre to the shelf.
#[tokio::test(flavor = "current_thread")]
async fn replacing_a_wheel_moves_its_tyre_onto_the_new_one_or_to_the_shelf() {
    let garage = Garage::new();
    let road = garage.add_bike("Road");
    let (wheel, _) = garage.add_component(&[
        "--kind",
        "wheelset",
        "--name",
        "Race wheels",
        "--bike",
        &road,
        "--installed",
        "2026-01-01",
    ]);
    garage.add_component(&[
        "--kind",
        "tyre",
        "--name",
        "Rear tyre",
        "--on",
        &wheel,
        "--installed",
        "2026-01-01",
    ]);
    let app = App::open(garage.path()).await;

    let steps = async {
        let (window, places) = (app.window(), app.places());
        places
            .open(&format!("#/component/{wheel}"), "component-page")
            .await?;
        let ticked = window
            .execute(
                "return document.querySelector(\"[data-testid='replace-moves-parts']\").checked;",
                vec![],
            )
            .await?;
        assert_eq!(ticked, true, "moving its parts is the default");
        window.click("[data-testid='replace-component']").await?;
        // The new wheel's page: it carries the tyre.
        window
            .wait_text(
                "[data-testid='carried-part']",
                "the tyre on the new wheel",
                |t| t.contains("Rear tyre"),
            )
            .await?;
        let fresh = component(&garage, "Race wheels");
        assert_ne!(fresh["id"], wheel.as_str(), "a new wheel: {fresh}");
        let tyre = component(&garage, "Rear tyre");
        assert_eq!(tyre["parent_id"], fresh["id"], "the tyre moved: {tyre}");

        // Replaced again, unticked: the tyre goes to the shelf.
        window.click("[data-testid='replace-moves-parts']").await?;
        window.click("[data-testid='replace-component']").await?;
        let deadline = std::time::Instant::now() + crate::window::WAIT;
        let newest = loop {
            let c = component(&garage, "Race wheels");
            if c["id"] != fresh["id"] {
                break c;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no second replacement"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        let tyre = component(&garage, "Rear tyre");
        assert_eq!(
            tyre["parent_id"],
            serde_json::Value::Null,
            "on the shelf: {tyre}"
        );
        assert_eq!(
            tyre["bike_id"],
            serde_json::Value::Null,
            "on the shelf: {tyre}"
        );
        assert_ne!(newest["id"], wheel.as_str());
        Result::Ok(())
    }
    .await;
    app.finish(steps, "replace a wheel").await;
}
