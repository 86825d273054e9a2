//! The window says it has drawn the dashboard (see `crate::startup`).

#[tauri::command]
#[specta::specta]
pub fn first_render() {
    crate::startup::rendered();
}
