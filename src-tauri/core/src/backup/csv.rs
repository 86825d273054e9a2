//! The rides as CSV, for a spreadsheet: one line per ride the rider has (not deleted), dates in
//! UTC (RFC 3339), numbers in SI units as the garage keeps them, with the bike's name.

use std::fmt::Write as _;

use rusqlite::Connection;

use crate::error::Result;

const HEADER: &str = "id,start_at,bike_id,bike,name,distance_m,moving_time_s,elapsed_time_s,elevation_m,energy_kj,sport_type,indoor,commute,source,external_id,excluded";

pub(super) fn rides(conn: &Connection) -> Result<String> {
    let mut out = String::from(HEADER);
    out.push('\n');
    let mut stmt = conn.prepare(
        "SELECT r.id, r.start_at, r.bike_id, b.name, r.name, r.distance_m, r.moving_time_s, r.elapsed_time_s,
                r.elevation_m, r.energy_kj, r.sport_type, r.indoor, r.commute, r.source, r.external_id, r.excluded
         FROM rides r LEFT JOIN bikes b ON b.id = r.bike_id
         WHERE r.deleted_at IS NULL ORDER BY r.start_at, r.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let start: i64 = r.get(1)?;
        let start = chrono::DateTime::from_timestamp_millis(start).map_or_else(String::new, |t| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        });
        let energy: Option<f64> = r.get(9)?;
        let fields = [
            r.get::<_, String>(0)?,
            start,
            r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            r.get::<_, String>(4)?,
            r.get::<_, f64>(5)?.to_string(),
            r.get::<_, f64>(6)?.to_string(),
            r.get::<_, f64>(7)?.to_string(),
            r.get::<_, f64>(8)?.to_string(),
            energy.map(|e| e.to_string()).unwrap_or_default(),
            r.get::<_, String>(10)?,
            r.get::<_, bool>(11)?.to_string(),
            r.get::<_, bool>(12)?.to_string(),
            r.get::<_, String>(13)?,
            r.get::<_, Option<String>>(14)?.unwrap_or_default(),
            r.get::<_, bool>(15)?.to_string(),
        ];
        let line = fields
            .iter()
            .map(|f| quoted(f))
            .collect::<Vec<_>>()
            .join(",");
        let _ = writeln!(out, "{line}");
    }
    Ok(out)
}

/// RFC 4180: a field with a comma, a quote or a line break is quoted, quotes doubled. A field
/// starting with = + - @ is prefixed with ' so a spreadsheet does not run it as a formula.
fn quoted(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '@'])
        || (field.starts_with('-') && field.parse::<f64>().is_err())
    {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn fields_are_quoted_as_rfc_4180_says_and_formulas_defused() {
        assert_eq!(quoted("Morning loop"), "Morning loop");
        assert_eq!(quoted("Loop, hills"), "\"Loop, hills\"");
        assert_eq!(quoted("the \"big\" one"), "\"the \"\"big\"\" one\"");
        assert_eq!(quoted("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(quoted("-1.5"), "-1.5");
    }
}
