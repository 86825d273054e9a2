//! One ride file, from its name and bytes to a [`Summary`]: size limits, gzip, and the format
//! told by the content first (a FIT file named `.gpx` is still read) and the name second.

use std::io::Read;

use flate2::read::MultiGzDecoder;

use crate::time::Timestamp;

use super::problem::Problem;
use super::summary::Summary;
use super::{fit, gpx, tcx};

/// Larger than any ride file: a 12-hour ride at one record a second is about 5 MB of FIT and
/// 20 MB of GPX. A file (or what a gzipped one expands to) past this is refused unread, which
/// also bounds the memory one file can take.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What the rider said for the whole batch.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Dates a GPX track that has no times.
    pub date: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Fit,
    Gpx,
    Tcx,
}

/// The format a file name promises (`.gz` removed), and whether it is gzipped; `None` for a
/// file that is no ride file by its name.
pub fn format_of_name(name: &str) -> Option<(Format, bool)> {
    let lower = name.to_lowercase();
    let (base, gz) = match lower.strip_suffix(".gz") {
        Some(b) => (b.to_owned(), true),
        None => (lower, false),
    };
    let f = match base.rsplit_once('.').map(|(_, e)| e) {
        Some("fit") => Format::Fit,
        Some("gpx") => Format::Gpx,
        Some("tcx") => Format::Tcx,
        _ => return None,
    };
    Some((f, gz))
}

/// Reads at most `limit` bytes; more is `too_big`.
fn bounded(mut r: impl Read, limit: u64, too_big: Problem) -> Result<Vec<u8>, Problem> {
    let mut out = Vec::new();
    (&mut r).take(limit + 1).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(too_big);
    }
    Ok(out)
}

/// Reads one ride file. `size` is its length when known (a file on disk, a zip entry), so a
/// file too large is refused without reading it.
pub fn read(
    name: &str,
    size: Option<u64>,
    source: impl Read,
    options: &ReadOptions,
) -> Result<Summary, Problem> {
    let Some((named, gz)) = format_of_name(name) else {
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e).to_lowercase();
        return Err(Problem::OtherFile(ext));
    };
    let limit_mb = MAX_FILE_BYTES / (1024 * 1024);
    if size == Some(0) {
        return Err(Problem::Empty);
    }
    if size.is_some_and(|s| s > MAX_FILE_BYTES) {
        return Err(Problem::TooLarge { limit_mb });
    }
    let raw = bounded(source, MAX_FILE_BYTES, Problem::TooLarge { limit_mb })?;
    if raw.is_empty() {
        return Err(Problem::Empty);
    }
    let bytes = if gz || raw.starts_with(&[0x1f, 0x8b]) {
        bounded(
            MultiGzDecoder::new(&raw[..]),
            MAX_FILE_BYTES,
            Problem::Bomb { limit_mb },
        )
        .map_err(|e| match e {
            Problem::Io(why) => Problem::unreadable("gzip", why),
            other => other,
        })?
    } else {
        raw
    };
    drop_if_empty(&bytes)?;
    let mut summary = match sniff(&bytes).unwrap_or(named) {
        Format::Fit => fit::read(&bytes),
        Format::Gpx => gpx::read(&bytes, options.date),
        Format::Tcx => tcx::read(&bytes),
    }?;
    summary.fingerprint = fingerprint(&bytes);
    Ok(summary)
}

fn drop_if_empty(bytes: &[u8]) -> Result<(), Problem> {
    if bytes.is_empty() {
        Err(Problem::Empty)
    } else {
        Ok(())
    }
}

pub fn fingerprint(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The format the content shows, whatever the name says.
fn sniff(bytes: &[u8]) -> Option<Format> {
    if fit::looks_like_fit(bytes) {
        return Some(Format::Fit);
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    if head.contains("<TrainingCenterDatabase") {
        Some(Format::Tcx)
    } else if head.contains("<gpx") {
        Some(Format::Gpx)
    } else {
        None
    }
}
