//! The closed sets of values this version understands, for the synced columns that have one (a
//! CHECK `… IN (…)` in `store/migrations/`). Checks are off while merging (fields arrive out of
//! order), so without this a value a newer version introduced (a new metric) would be stored, and
//! the wear rebuild, which reads these columns into enums, would fail on every later pass.

use rusqlite::types::Value;

/// (table, column, the values allowed, as SQL literals). A test holds it to the schema's CHECKs.
const CLOSED: &[(&str, &str, &[&str])] = &[
    ("bikes", "retired", FLAG),
    ("bikes", "name_chosen", FLAG),
    ("components", "retired", FLAG),
    ("rides", "source", &["'strava'", "'manual'", "'file'"]),
    ("rides", "indoor", FLAG),
    ("rides", "commute", FLAG),
    ("rides", "bike_chosen", FLAG),
    ("rides", "deleted_by", &["NULL", "'rider'", "'source'"]),
    (
        "rules",
        "metric",
        &[
            "'distance_m'",
            "'moving_time_s'",
            "'rides'",
            "'elevation_m'",
            "'energy_kj'",
            "'days'",
        ],
    ),
    ("rules", "repeat", FLAG),
    ("rules", "filter", &["'all'", "'outdoor'", "'indoor'"]),
    ("carried_usage", "source", &["'strava'"]),
];

const FLAG: &[&str] = &["0", "1"];

/// Whether this version can store `value` in `table.col`: always, unless the column has a closed
/// set of values and `value` is not one of them.
pub(super) fn accepts(table: &str, col: &str, value: &Value) -> bool {
    let Some((_, _, allowed)) = CLOSED.iter().find(|(t, c, _)| *t == table && *c == col) else {
        return true;
    };
    let literal = match value {
        Value::Null => "NULL".to_owned(),
        Value::Integer(i) => i.to_string(),
        Value::Text(s) => format!("'{s}'"),
        Value::Real(_) | Value::Blob(_) => return false,
    };
    allowed.contains(&literal.as_str())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::store::capture::SYNCED;
    use crate::store::Store;
    use crate::wear::metric::{ActivityFilter, Metric};

    /// Every `<col> IN (…)` CHECK of a synced table, as (table, col) → its literals.
    fn closed_sets_in_schema() -> BTreeMap<(String, String), Vec<String>> {
        let store = Store::open_in_memory().unwrap();
        let mut found = BTreeMap::new();
        for (table, _) in SYNCED {
            let sql: String = store
                .connection()
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .unwrap();
            for (at, _) in sql.match_indices(" IN (") {
                let col: String = sql[..at]
                    .chars()
                    .rev()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let rest = &sql[at + 5..];
                let list = &rest[..rest.find(')').unwrap()];
                let mut values: Vec<String> =
                    list.split(',').map(|v| v.trim().to_owned()).collect();
                // `x IS NULL OR x IN (…)` allows NULL too.
                if sql[..at].ends_with(&format!("{col} IS NULL OR {col}")) {
                    values.push("NULL".to_owned());
                }
                found.insert(((*table).to_owned(), col), values);
            }
        }
        found
    }

    #[test]
    fn every_closed_set_in_the_schema_is_known_here_exactly() {
        let schema = closed_sets_in_schema();
        let here: BTreeMap<(String, String), Vec<String>> = CLOSED
            .iter()
            .map(|(t, c, v)| {
                (
                    ((*t).to_owned(), (*c).to_owned()),
                    v.iter().map(|s| (*s).to_owned()).collect(),
                )
            })
            .collect();
        let sorted = |m: BTreeMap<(String, String), Vec<String>>| {
            m.into_iter()
                .map(|(k, mut v)| {
                    v.sort();
                    (k, v)
                })
                .collect::<BTreeMap<_, _>>()
        };
        assert_eq!(sorted(here), sorted(schema));
    }

    #[test]
    fn the_wear_enums_are_the_closed_sets() {
        for m in Metric::ALL {
            assert!(accepts("rules", "metric", &Value::Text(m.as_str().into())));
        }
        for f in [
            ActivityFilter::All,
            ActivityFilter::Outdoor,
            ActivityFilter::Indoor,
        ] {
            assert!(accepts("rules", "filter", &Value::Text(f.as_str().into())));
        }
        assert!(!accepts(
            "rules",
            "metric",
            &Value::Text("descent_m".into())
        ));
        assert!(!accepts("rides", "indoor", &Value::Integer(2)));
        assert!(accepts("rides", "deleted_by", &Value::Null));
        assert!(accepts("rules", "task", &Value::Text("anything".into())));
    }
}
