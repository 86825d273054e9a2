// Keeps a console window from opening next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(e) = pedalwrencher_lib::run() {
        eprintln!("Pedalwrencher could not start: {e}");
        std::process::exit(1);
    }
}
