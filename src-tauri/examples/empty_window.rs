//! An empty Tauri 2 window: what `make bench` measures the app against (start-up and memory).
//! The same tauri crate, features, config and build profile as the app; a blank page
//! (`about:blank`) and nothing else: no plugins, no state, no commands. It logs "first render"
//! once the page has loaded, as the app does once its dashboard is drawn.

use std::time::Instant;

use tauri::webview::PageLoadEvent;

fn main() {
    let start = Instant::now();
    let app = tauri::Builder::default().setup(move |app| {
        let blank = tauri::WebviewUrl::External("about:blank".parse()?);
        tauri::WebviewWindowBuilder::new(app, "main", blank)
            .title("Empty window")
            .inner_size(1280.0, 800.0)
            .on_page_load(move |_, page| {
                if page.event() == PageLoadEvent::Finished {
                    let ms = start.elapsed().as_millis();
                    eprintln!("first render: a blank page is drawn {ms} ms after start");
                }
            })
            .build()?;
        Ok(())
    });
    if let Err(e) = app.run(tauri::generate_context!()) {
        eprintln!("the empty window could not start: {e}");
        std::process::exit(1);
    }
}
