//! One app per garage (desktop, tauri-plugin-single-instance): a second launch hands over to the
//! app already running, which shows its window, and exits. On Linux the running app owns a D-Bus
//! name; by default the bundle identifier's, and for a garage in a folder of its own
//! (`PEDALWRENCHER_DATA_DIR`) a name made from that folder, so two garages may be open at once
//! (the device-sync tests run two) while the same garage never is.

use std::path::Path;

use tauri::plugin::TauriPlugin;
use tauri::Wry;

/// The plugin; registered before every other plugin, so a second launch ends before anything
/// else starts.
pub fn plugin() -> TauriPlugin<Wry> {
    let builder = tauri_plugin_single_instance::Builder::new().callback(|app, _args, _cwd| {
        tracing::info!("launched again: showing the window");
        crate::window::show(app);
    });
    match pedalwrencher_core::paths::data_dir_override() {
        Some(dir) => builder.dbus_id(bus_id(&dir)),
        None => builder,
    }
    .build()
}

/// A D-Bus name for the garage in `dir`: the identifier and a hash of the folder's path (D-Bus
/// allows only letters, digits, `_` and `-` in a name's parts, and a path has others).
fn bus_id(dir: &Path) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    format!(
        "app.pedalwrencher.garage_{:016x}",
        fnv1a(dir.as_os_str().as_encoded_bytes())
    )
}

/// FNV-1a, 64 bits: the same on every build (std's hasher may change between Rust versions, and
/// two builds of the app on one garage must find each other).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_garage_folder_has_its_own_valid_bus_name() {
        let a = bus_id(Path::new("/tmp/garage a/ü"));
        let b = bus_id(Path::new("/tmp/garage b"));
        assert_ne!(a, b);
        assert_eq!(a, bus_id(Path::new("/tmp/garage a/ü")), "stable");
        let last = a.rsplit('.').next().unwrap_or_default();
        assert!(last.starts_with("garage_") && last.len() == 7 + 16, "{a}");
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_'));
    }

    #[test]
    fn the_hash_is_fnv1a() {
        // The published FNV-1a 64 test vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
