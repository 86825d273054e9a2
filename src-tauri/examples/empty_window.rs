//! An empty Tauri 2 window: what `make bench` measures the app against (start-up and memory).
//! The same tauri crate, features, config and build profile as the app; a blank page served the
//! way the app's pages are (a custom protocol, here `blank://`; WebKit reports no page load for
//! `about:blank`) and nothing else: no plugins, no state, no commands. It logs "first render"
//! once the page has loaded, as the app does once its dashboard is drawn.

use std::time::Instant;

use tauri::webview::PageLoadEvent;

const BLANK: &str =
    "<!doctype html><html><head><title>Empty window</title></head><body></body></html>";

fn main() {
    let start = Instant::now();
    let app = tauri::Builder::default()
        .register_uri_scheme_protocol("blank", |_, _| {
            let mut page = tauri::http::Response::new(BLANK.as_bytes().to_vec());
            page.headers_mut().insert(
                tauri::http::header::CONTENT_TYPE,
                tauri::http::HeaderValue::from_static("text/html"),
            );
            page
        })
        .setup(move |app| {
            let blank = tauri::WebviewUrl::CustomProtocol("blank://localhost/".parse()?);
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
