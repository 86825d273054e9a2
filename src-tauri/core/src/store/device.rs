//! This device's sync identity: a UUID in a small file beside the database, not in it, so a
//! garage restored from a backup onto another device gets an identity of its own instead of
//! impersonating the original.

use std::path::Path;

use crate::error::{Error, Result};

pub const DEVICE_FILE: &str = "device-id";

/// The id in `dir/device-id`, made (atomically) on first use.
pub fn load_or_create(dir: &Path) -> Result<String> {
    let path = dir.join(DEVICE_FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        let id = text.trim();
        if uuid::Uuid::parse_str(id).is_ok() {
            return Ok(id.to_owned());
        }
        tracing::warn!("{} is not a device id; making a new one", path.display());
    }
    let id = uuid::Uuid::new_v4().to_string();
    let io = |source| Error::Io {
        action: "write this device's id",
        path: path.clone(),
        source,
    };
    let tmp = dir.join(format!("{DEVICE_FILE}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, format!("{id}\n")).map_err(io)?;
    // A hard link creates the name only if it does not exist yet: of two processes starting at
    // once, the first wins and both read its id back.
    let linked = std::fs::hard_link(&tmp, &path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(e)),
    }
    let text = std::fs::read_to_string(&path).map_err(io)?;
    Ok(text.trim().to_owned())
}
