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
    // Named after the new id, so two threads of one process never share it either.
    let tmp = dir.join(format!("{DEVICE_FILE}.{id}.tmp"));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_starting_at_once_agree_on_one_id() {
        // Bounded: 50 fresh folders, 8 threads each racing to make the id.
        for _ in 0..50 {
            let dir = tempfile::tempdir().unwrap();
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
            let ids: Vec<String> = (0..8)
                .map(|_| {
                    let (dir, barrier) = (dir.path().to_owned(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        load_or_create(&dir).unwrap()
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect();
            assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
            let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
            assert_eq!(left.len(), 1, "only device-id is left: {left:?}");
        }
    }
}
