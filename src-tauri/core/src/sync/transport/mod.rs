//! Storage targets (folder, WebDAV, S3) behind one small trait: list a folder, get, put and delete
//! one file. The sync engine needs nothing more (no locks, no conditional writes; see the sync
//! design in `sync/README.md`), so any storage the rider already has will do.
//!
//! - `target` parses the rider's target URL and shows it without secrets;
//! - `opendal` reaches the real storage through Apache OpenDAL ([`OpendalTransport`]);
//! - `memory` is the same contract in memory, for tests ([`MemoryTransport`]).

mod memory;
mod opendal;
mod target;

use std::future::Future;

pub use self::memory::MemoryTransport;
pub use self::opendal::OpendalTransport;
pub use self::target::{SyncTarget, TargetKind};

/// What went wrong talking to the storage, for the engine to decide: retry later (unreachable),
/// stop and ask the rider (refused), or skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// No answer: the address is wrong, the network is down, or the server timed out.
    Unreachable,
    /// The storage answered no: wrong login, no permission, a forbidden write.
    Refused,
    /// The file or the bucket does not exist.
    NotFound,
    /// The file is bigger than a download may be ([`MAX_FILE_BYTES`]): damage, or a storage
    /// serving something else under the name; it is not read into memory.
    TooLarge,
    Other,
}

/// The most one download may bring into memory. A device's files are far smaller (a segment
/// holds at most about 50,000 fields; a snapshot of a garage with ten thousand rides is a few
/// megabytes), so anything bigger is damage or a storage serving something else, and is refused
/// before it can exhaust a phone's memory.
pub const MAX_FILE_BYTES: usize = 256 << 20;

fn too_large(path: &str, max: usize) -> TransportError {
    TransportError::new(
        TransportErrorKind::TooLarge,
        format!(
            "{path} is bigger than any sync file ({} MB at most): it is damaged or not a sync \
             file, and was not read",
            max >> 20
        ),
    )
}

/// A failed storage operation. The message is for the rider, says what to do, and never contains
/// a password or a secret key.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub message: String,
}

impl TransportError {
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
        }
    }
}

/// Where the sync files live. Paths are relative to the target's root and use `/`.
pub trait Transport: Send + Sync {
    /// Entry names directly under `dir` ("" = the root, "devices/", "devices/<id>/"); folders end
    /// with '/'. A missing dir lists as empty.
    fn list(
        &self,
        dir: &str,
    ) -> impl Future<Output = std::result::Result<Vec<String>, TransportError>> + Send;
    /// The file's bytes, or None when it does not exist. A file bigger than the transport's cap
    /// ([`MAX_FILE_BYTES`] unless set lower) is refused (`TooLarge`) without being read whole.
    fn get(
        &self,
        path: &str,
    ) -> impl Future<Output = std::result::Result<Option<Vec<u8>>, TransportError>> + Send;
    /// Writes the whole file, creating parent folders as needed. Never leaves a partial file under
    /// `path` on a folder target.
    fn put(
        &self,
        path: &str,
        bytes: Vec<u8>,
    ) -> impl Future<Output = std::result::Result<(), TransportError>> + Send;
    /// Deletes one file (the engine only ever deletes its own device's files). Missing is OK.
    fn delete(
        &self,
        path: &str,
    ) -> impl Future<Output = std::result::Result<(), TransportError>> + Send;
}

/// `dir` as OpenDAL wants a folder: "" for the root, else ending with '/'.
fn dir_path(dir: &str) -> String {
    let d = dir.trim_start_matches('/');
    if d.is_empty() || d.ends_with('/') {
        d.to_owned()
    } else {
        format!("{d}/")
    }
}

#[cfg(test)]
fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f)
}
