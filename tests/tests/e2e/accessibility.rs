//! Accessibility as axe-core judges it (issue 17 §3): every place, the panels and the dialogs, in
//! light and dark, with no serious or critical violation. axe-core comes from ui/node_modules (a
//! devDependency of the UI), is injected through WebDriver and runs in the real window.

use std::path::PathBuf;

use pedalwrencher_tests::cli::Garage;
use serde_json::Value;

use crate::app::App;
use crate::window::{Result, Window};

/// axe-core's script, as npm installed it.
fn axe_source() -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "read {}: {e}; run `npm ci` in ui/ (axe-core is a devDependency)",
            path.display()
        )
    })
}

/// Runs axe-core on the whole document; returns one line per serious or critical violation and
/// element: rule, impact, the element's selector and what to do.
async fn violations(window: Window<'_>, axe: &str) -> Result<Vec<String>> {
    window.settle().await?;
    // The router changes the hash, not the document, so one injection lasts the app's life; a
    // reload would lose it, hence the check.
    let loaded = window
        .execute("return typeof window.axe === 'object';", vec![])
        .await?;
    if loaded != Value::Bool(true) {
        window
            .execute(&format!("{axe}\nreturn typeof window.axe;"), vec![])
            .await?;
    }
    let found = window
        .execute_async(
            "const done = arguments[arguments.length - 1];\n\
             axe.run(document, { resultTypes: ['violations'] })\n\
               .then((r) => done(r.violations\n\
                 .filter((v) => v.impact === 'serious' || v.impact === 'critical')\n\
                 .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${v.help}; ${n.failureSummary}`))))\n\
               .catch((e) => done([`axe-core failed: ${e}`]));",
            vec![],
        )
        .await?;
    Ok(found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

#[tokio::test(flavor = "current_thread")]
async fn axe_core_finds_no_serious_or_critical_violation_anywhere_in_light_or_dark() {
    let garage = Garage::with_demo();
    let app = App::open(garage.path()).await;
    let axe = axe_source();

    let steps = async {
        let (window, places) = (app.window(), app.places());
        app.dashboard().wait_bike().await?;
        let bike = places.open_first_bike().await?;
        places.back().await?;
        app.dashboard().wait_bike().await?;
        let component = places.open_first_component().await?;

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
        ];
        // What the header opens: (name, opener, what shows it open, closer).
        let panels = [
            (
                "notifications",
                "open-notifications",
                "[data-testid='notifications-panel']",
                "[data-testid='close-notifications']",
            ),
            (
                "strava",
                "strava-chip",
                "[data-testid='strava-panel'][open]",
                "[data-testid='strava-close']",
            ),
            (
                "devices",
                "devices-chip",
                "[data-testid='devices-panel'][open]",
                "[data-testid='devices-close']",
            ),
            ("add bike", "open-add-bike", "dialog[open]", ""),
            ("add component", "open-add-component", "dialog[open]", ""),
            ("log ride", "open-log-ride", "dialog[open]", ""),
        ];

        let mut problems = Vec::new();
        for theme in ["light", "dark"] {
            places.theme(theme).await?;
            // A phone lays the pages out otherwise (the bottom bar, stacked rows).
            for width in [1280, 360] {
                window.resize(width).await?;
                for (name, address, page) in &pages {
                    places.open(address, page).await?;
                    for v in violations(window, &axe).await? {
                        problems.push(format!("{name} at {width} px ({theme}): {v}"));
                    }
                }
                places.open("#/", "bike-card").await?;
                for (name, opener, open, closer) in panels {
                    places.tap(&format!("[data-testid='{opener}']")).await?;
                    window.find(open).await?;
                    for v in violations(window, &axe).await? {
                        problems.push(format!("{name} at {width} px ({theme}): {v}"));
                    }
                    if closer.is_empty() {
                        // A form dialog closes as Escape closes it.
                        window
                            .execute("document.querySelector('dialog[open]')?.close();", vec![])
                            .await?;
                    } else {
                        places.tap(closer).await?;
                    }
                    window.wait_gone(open).await?;
                }
            }
        }
        window.resize(1280).await?;
        places.theme("system").await?;
        assert!(
            problems.is_empty(),
            "{} serious or critical violations:\n{}",
            problems.len(),
            problems.join("\n")
        );
        Result::Ok(())
    }
    .await;
    app.finish(steps, "axe-core on every place, light and dark")
        .await;
}
