//! What GPX and TCX share: the start of the text, where exporters differ (Strava writes spaces
//! before `<?xml`, some a byte-order mark) and where a web page saved as a ride file shows.

use super::problem::Problem;

/// The document without a leading byte-order mark or white space; a web page is refused.
pub fn start_of_document<'a>(bytes: &'a [u8], format: &'static str) -> Result<&'a [u8], Problem> {
    let mut rest = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    while let Some((first, tail)) = rest.split_first() {
        if first.is_ascii_whitespace() {
            rest = tail;
        } else {
            break;
        }
    }
    let head: String = String::from_utf8_lossy(&rest[..rest.len().min(512)]).to_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<html") {
        return Err(Problem::Html);
    }
    if !rest.starts_with(b"<") {
        return Err(Problem::unreadable(format, "it is not XML"));
    }
    Ok(rest)
}
