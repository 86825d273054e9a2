//! Accessibility as axe-core judges it (issue 17 §3): every place, the panels and the dialogs, in
//! light and dark, with no serious or critical violation. axe-core comes from ui/node_modules (a
//! devDependency of the UI), is injected through WebDriver and runs in the real window.

use std::path::PathBuf;

use pedalwrencher_tests::cli::Garage;
use serde_json::Value;

use crate::app::App;
use crate::window::{strings, Result, Window};

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
    Ok(strings(&found))
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
            ("import", "#/import".to_owned(), "import-page"),
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

/// The focused element; whether the rider can see where the focus is (it matches `:focus-visible`
/// and draws an outline or a ring there); and whether it comes after the one focused before in
/// the document, so Tab follows the reading order.
const FOCUS: &str = "const e = document.activeElement;\n\
    if (!e || e === document.body) return null;\n\
    const s = getComputedStyle(e);\n\
    const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';\n\
    const name = (e.getAttribute('aria-label') || e.textContent || e.getAttribute('data-testid') || '').trim().slice(0, 40);\n\
    const before = window.__focusedBefore;\n\
    window.__focusedBefore = e;\n\
    const onward = !before || before === e || !!(before.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING);\n\
    return { id: `${e.tagName.toLowerCase()} '${name}'`, seen: e.matches(':focus-visible') && ring, onward };";

/// Focuses the header's first control, where a keyboard rider starts.
const START: &str = "const first = document.querySelector('header button, header a');\n\
    first?.focus();\n\
    window.__focusedBefore = first;";

#[tokio::test(flavor = "current_thread")]
async fn tab_walks_the_header_navigation_and_page_in_reading_order_with_the_focus_visible() {
    let garage = Garage::with_demo();
    let app = App::open(garage.path()).await;

    let steps = async {
        let (window, places) = (app.window(), app.places());
        app.dashboard().wait_bike().await?;
        let mut problems = Vec::new();
        for theme in ["light", "dark"] {
            places.theme(theme).await?;
            for (address, page) in [("#/", "bike-card"), ("#/settings", "settings-page")] {
                places.open(address, page).await?;
                window.execute(START, vec![]).await?;
                let mut reached = Vec::new();
                for _ in 0..40 {
                    window.press_tab().await?;
                    let focus = window.execute(FOCUS, vec![]).await?;
                    if focus.is_null() {
                        break; // past the last control
                    }
                    let id = focus["id"].as_str().unwrap_or_default().to_owned();
                    if focus["seen"] != Value::Bool(true) {
                        problems.push(format!("{address} ({theme}): no visible focus on {id}"));
                    }
                    if focus["onward"] != Value::Bool(true) {
                        // Back to the top is the end of the walk, not a jump.
                        break;
                    }
                    reached.push(id);
                }
                // The header's controls, then the places, then the page.
                let nav = reached.iter().position(|c| c.contains("Rides"));
                let page = reached.iter().position(|c| {
                    c.contains("Canyon Endurace") || c.contains("Metric") || c.starts_with("input")
                });
                match (nav, page) {
                    (Some(nav), Some(page)) if nav < page => {}
                    _ => problems.push(format!(
                        "{address} ({theme}): Tab reaches the places, then the page: {reached:#?}"
                    )),
                }
            }
        }
        places.theme("system").await?;
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        Result::Ok(())
    }
    .await;
    app.finish(steps, "Tab through the garage and settings")
        .await;
}
