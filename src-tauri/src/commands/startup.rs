//! The window says it has drawn the dashboard (see `crate::startup`).

use crate::startup::PageSteps;

#[tauri::command]
#[specta::specta]
pub fn first_render(page: PageSteps) {
    crate::startup::rendered(&page);
}
