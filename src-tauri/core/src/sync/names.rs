//! Names on the target. Only exact names are read: a partial upload under a temporary name, a
//! conflict copy made by a sync client (`seg-3.sync-conflict-…`, `seg-3 (1)`) or anything else
//! is skipped.

pub const DEVICES_DIR: &str = "devices/";
pub const INFO_FILE: &str = "info";

use super::batch::Kind;

/// `seg-12` → (Seg, 12); `snap-3` → (Snap, 3); anything else → None.
pub fn parse_file(name: &str) -> Option<(Kind, i64)> {
    let (kind, number) = if let Some(n) = name.strip_prefix("seg-") {
        (Kind::Seg, n)
    } else {
        (Kind::Snap, name.strip_prefix("snap-")?)
    };
    if number.is_empty() || number.len() > 18 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seq: i64 = number.parse().ok()?;
    (seq > 0 && number == seq.to_string()).then_some((kind, seq))
}

/// `<uuid>/` under `devices/` → the device id.
pub fn parse_device_dir(name: &str) -> Option<&str> {
    let id = name.strip_suffix('/')?;
    let parsed = uuid::Uuid::parse_str(id).ok()?;
    (parsed.hyphenated().to_string() == id).then_some(id)
}

pub fn device_dir(device: &str) -> String {
    format!("{DEVICES_DIR}{device}/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_names_are_files() {
        assert_eq!(parse_file("seg-12"), Some((Kind::Seg, 12)));
        assert_eq!(parse_file("snap-3"), Some((Kind::Snap, 3)));
        for bad in [
            "seg-3.sync-conflict-20260101-120000-ABC",
            "seg-3 (1)",
            "seg-3.tmp",
            ".seg-3.partial",
            "seg-03",
            "seg-0",
            "seg-",
            "info",
            "seg--1",
        ] {
            assert_eq!(parse_file(bad), None, "{bad}");
        }
        let id = "0196f2a4-8d1e-7c3a-9b2f-1a2b3c4d5e6f";
        assert_eq!(parse_device_dir(&format!("{id}/")), Some(id));
        assert_eq!(parse_device_dir(&format!("{id} (1)/")), None);
        assert_eq!(parse_device_dir(id), None);
    }
}
