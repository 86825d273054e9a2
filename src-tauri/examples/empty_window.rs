//! An empty Tauri 2 window: what `make bench` measures the app against (start-up and memory).
//! The same tauri crate, features, config and build profile as the app; a blank page served the
//! way the app's pages are (a custom protocol, here `blank://`; WebKit reports no page load for
//! `about:blank`) and nothing else: no plugins, no state, no commands. It logs "first render"
//! once the page is drawn — two animation frames after it loaded, the page asks for
//! `blank://localhost/drawn` — as the app does two frames after its dashboard is in the
//! document. (Until 2026-12-05 it logged at the page's load event, before any frame: the app's
//! figure then included its first paint and the empty window's did not.)

use std::time::Instant;

use tauri::webview::PageLoadEvent;

const BLANK: &str = "<!doctype html><html><head><title>Empty window</title></head><body>\
    <script>requestAnimationFrame(() => requestAnimationFrame(() => \
    fetch('blank://localhost/drawn').catch(() => {})));</script></body></html>";

fn main() {
    let start = Instant::now();
    let app = tauri::Builder::default()
        .register_uri_scheme_protocol("blank", move |_, request| {
            if request.uri().path() == "/drawn" {
                let ms = start.elapsed().as_millis();
                eprintln!("first render: a blank page is drawn {ms} ms after start");
            }
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
                        eprintln!("page loaded {ms} ms after start");
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
