//! A small file that several processes rewrite (`settings.json`, `secrets.json`): one writer at a
//! time, and readers only ever see a whole file.
//!
//! A writer takes [`FileLock`] on a lock file beside it (an exclusive lock between processes and
//! between threads: each writer opens the lock file anew), reads the file again, changes it and
//! [`replace`]s it: a temporary file of this write's own, flushed, renamed over the file. A fixed
//! temporary name would let two writers write into one file (invalid JSON) or rename each other's
//! half. The lock file stays: deleting it would let two writers lock two different files.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// What taking a file's lock is called in errors ("cannot lock the settings file …").
#[derive(Clone, Copy)]
pub(crate) struct LockActions {
    pub open: &'static str,
    pub lock: &'static str,
}

/// Who may read the file: only its owner (0600 on Unix) or anyone the folder lets.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Shared,
    OwnerOnly,
}

/// An exclusive lock on a lock file, released when dropped.
pub(crate) struct FileLock(File);

impl FileLock {
    /// Blocks while another writer holds it; a write takes milliseconds.
    pub(crate) fn take(lock_path: &Path, access: Access, actions: LockActions) -> Result<FileLock> {
        let io = |action| {
            move |source| Error::Io {
                action,
                path: lock_path.to_owned(),
                source,
            }
        };
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        restrict(&mut options, access);
        let file = options.open(lock_path).map_err(io(actions.open))?;
        file.lock().map_err(io(actions.lock))?;
        Ok(FileLock(file))
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Closing the file lets go too; this only makes it prompt.
        let _ = self.0.unlock();
    }
}

/// Writes `bytes` to a temporary file of this write's own (process id, a counter, a random part)
/// beside `path`, flushes it to disk and renames it over `path`. Call it holding the file's lock.
pub(crate) fn replace(
    path: &Path,
    bytes: &[u8],
    access: Access,
    action: &'static str,
) -> Result<()> {
    let tmp = temporary_name(path);
    let written = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        restrict(&mut options, access);
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    written.map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        Error::Io {
            action,
            path: path.to_owned(),
            source,
        }
    })
}

/// `<file name>.<pid>-<counter>-<random>.tmp` in the same folder (a rename stays on one disk).
fn temporary_name(path: &Path) -> PathBuf {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(
        "{name}.{}-{}-{:08x}.tmp",
        std::process::id(),
        WRITES.fetch_add(1, Ordering::Relaxed),
        fastrand::u32(..)
    ))
}

fn restrict(options: &mut OpenOptions, access: Access) {
    #[cfg(unix)]
    if access == Access::OwnerOnly {
        std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    }
    #[cfg(not(unix))]
    let _ = (options, access);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_differ_between_writes_and_stay_beside_the_file() {
        let path = Path::new("/data/secrets.json");
        let (a, b) = (temporary_name(path), temporary_name(path));
        assert_ne!(a, b);
        assert_eq!(a.parent(), path.parent());
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("secrets.json.") && name.ends_with(".tmp"),
            "{name}"
        );
    }
}
