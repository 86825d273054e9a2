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
        // Damaged (an editor, a half-restored backup): set it aside, so the new id below can
        // take the name. This device then syncs as a new one, which is safe.
        tracing::warn!("{} is not a device id; making a new one", path.display());
        let aside = dir.join(format!("{DEVICE_FILE}.damaged"));
        match std::fs::rename(&path, &aside) {
            Ok(()) => {}
            // Another process set it aside first.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(Error::Io {
                    action: "set aside a damaged device id",
                    path,
                    source,
                })
            }
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    let io = |source| Error::Io {
        action: "write this device's id",
        path: path.clone(),
        source,
    };
    // Named after the new id, so two threads of one process never share it either.
    let tmp = dir.join(format!("{DEVICE_FILE}.{id}.tmp"));
    if let Err(e) = std::fs::write(&tmp, format!("{id}\n")) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
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
    let id = text.trim();
    if uuid::Uuid::parse_str(id).is_err() {
        // Only if damaged again between our write and this read: say so rather than sync as "".
        return Err(Error::Io {
            action: "read this device's id",
            path,
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not a device id"),
        });
    }
    Ok(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_id_is_set_aside_and_replaced_by_one_that_lasts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DEVICE_FILE), "").unwrap();
        let id = load_or_create(dir.path()).unwrap();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id:?}");
        assert_eq!(load_or_create(dir.path()).unwrap(), id);
        assert!(dir.path().join("device-id.damaged").exists());
    }

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
