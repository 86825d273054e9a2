//! The header at every window width, from the default down to the narrowest.

use pedalwrencher_tests::cli::Garage;

use crate::app::App;
use crate::window::Result;

#[tokio::test(flavor = "current_thread")]
async fn the_header_fits_from_the_default_window_down_to_the_narrowest() {
    let garage = Garage::with_demo();
    let app = App::open(garage.path()).await;

    let steps = async {
        let (window, header) = (app.window(), app.header());
        app.dashboard().wait_bike().await?;
        // tauri.conf.json: 1280 px by default, 360 px at the narrowest (a phone); each breakpoint
        // (Header.svelte, SyncChip.svelte) and one pixel wider, where the header is most crowded.
        // First as the demo shows it, then with the longest Strava summary the core writes.
        let widths = [
            1400, 1321, 1320, 1280, 1181, 1180, 1061, 1060, 981, 980, 880, 879, 641, 640, 481, 480,
            360,
        ];
        for longest in [false, true] {
            if longest {
                header
                    .show_strava_summary("Strava's rate limit reached — resuming at 24 Nov 14:15")
                    .await?;
            }
            for width in widths {
                let (vw, problems) = header.problems_at(width).await?;
                assert!(
                    vw <= u64::from(width) && vw + 30 > u64::from(width),
                    "the page is {vw} px wide in a {width} px window"
                );
                assert!(
                    problems.is_empty(),
                    "at {width} px (longest Strava summary: {longest}): {problems:#?}"
                );
                if width == 880 && !longest {
                    window.screenshot("e2e-header-880.png").await?;
                }
                if width == 360 && !longest {
                    window.screenshot("e2e-header-360.png").await?;
                }
                if width == 1181 && longest {
                    window.screenshot("e2e-header-1181-long.png").await?;
                }
            }
        }
        // The narrowest header still says what each control is.
        let names = header.control_names().await?;
        for name in [
            "Strava",
            "Devices",
            "Notifications",
            "Add component",
            "Add bike",
        ] {
            assert!(
                names.contains(name),
                "no control is named {name:?}: {names}"
            );
        }
        Result::Ok(())
    }
    .await;
    app.finish(steps, "header at every width").await;
}
