//! The transport contract in memory, for tests.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{dir_path, too_large, Transport, TransportError, TransportErrorKind, MAX_FILE_BYTES};

/// The same contract in memory, for tests (property tests run many replicas against one).
/// Tests inject a file (a partial one, a conflict copy) with [`Transport::put`].
#[derive(Debug)]
pub struct MemoryTransport {
    files: Mutex<BTreeMap<String, Vec<u8>>>,
    max_get: usize,
}

impl Default for MemoryTransport {
    fn default() -> Self {
        MemoryTransport {
            files: Mutex::default(),
            max_get: MAX_FILE_BYTES,
        }
    }
}

impl MemoryTransport {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same, refusing to get files bigger than `max` bytes (tests of the cap).
    pub fn with_max_file_bytes(mut self, max: usize) -> Self {
        self.max_get = max;
        self
    }

    /// Every file's path, for assertions.
    pub fn paths(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        // A test that panicked while holding the lock leaves the map intact.
        self.files.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn clean(path: &str) -> &str {
    path.trim_start_matches('/')
}

impl Transport for MemoryTransport {
    async fn list(&self, dir: &str) -> std::result::Result<Vec<String>, TransportError> {
        let dir = dir_path(dir);
        let files = self.lock();
        let mut names: Vec<String> = files
            .keys()
            .filter_map(|p| {
                let rest = p.strip_prefix(&dir)?;
                Some(match rest.find('/') {
                    Some(i) => rest[..=i].to_owned(),
                    None => rest.to_owned(),
                })
            })
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    async fn get(&self, path: &str) -> std::result::Result<Option<Vec<u8>>, TransportError> {
        match self.lock().get(clean(path)) {
            Some(bytes) if bytes.len() > self.max_get => Err(too_large(path, self.max_get)),
            found => Ok(found.cloned()),
        }
    }

    async fn put(&self, path: &str, bytes: Vec<u8>) -> std::result::Result<(), TransportError> {
        let path = clean(path);
        if path.is_empty() || path.ends_with('/') {
            return Err(TransportError::new(
                TransportErrorKind::Other,
                format!("'{path}' is a folder, not a file name"),
            ));
        }
        self.lock().insert(path.to_owned(), bytes);
        Ok(())
    }

    async fn delete(&self, path: &str) -> std::result::Result<(), TransportError> {
        self.lock().remove(clean(path));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::block_on;
    use super::*;

    #[test]
    fn memory_transport_has_the_same_semantics() {
        let t = MemoryTransport::new();
        block_on(async {
            assert!(t.list("").await.unwrap().is_empty());
            assert!(t.list("devices/").await.unwrap().is_empty());
            t.put("vault.json", b"{}".to_vec()).await.unwrap();
            t.put("devices/a/seg-1", b"1".to_vec()).await.unwrap();
            t.put("devices/b/seg-1", b"1".to_vec()).await.unwrap();
            assert_eq!(t.list("").await.unwrap(), ["devices/", "vault.json"]);
            assert_eq!(t.list("devices").await.unwrap(), ["a/", "b/"]);
            assert_eq!(t.list("devices/a/").await.unwrap(), ["seg-1"]);
            assert_eq!(t.get("devices/a/seg-1").await.unwrap(), Some(b"1".to_vec()));
            t.delete("devices/a/seg-1").await.unwrap();
            t.delete("devices/a/seg-1").await.unwrap();
            assert_eq!(t.get("devices/a/seg-1").await.unwrap(), None);
            assert_eq!(t.list("devices/").await.unwrap(), ["b/"]);
            assert!(t.put("devices/", vec![]).await.is_err());
        });
    }
}
