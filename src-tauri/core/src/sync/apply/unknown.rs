//! Remote fields this version cannot use, from a device running a newer version: a table or a
//! column it added, or a value it allows and this version's checks do not (a new metric). They
//! are kept in `sync_unknown` as received (the greatest stamp per field) instead of dropped, the
//! rest of the file applies, and the file counts as read. Once an update makes them known, the
//! next apply merges them like fresh fields: the greatest stamp still wins, so an edit made here
//! since is not overwritten.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::error::Result;
use crate::store::capture::{self, SYNCED};
use crate::store::Store;
use crate::sync::batch::Batch;

use super::quarantine::as_batch;
use super::stamps::device_id;
use super::vocabulary;

/// How many remote fields wait for this app to be updated.
pub fn waiting_for_update(store: &Store) -> Result<usize> {
    count(store.connection())
}

/// Whether some kept fields are known now (this app was updated): the next pass merges them.
pub fn has_known_now(store: &Store) -> Result<bool> {
    let conn = store.connection();
    let mut stmt = conn.prepare("SELECT tbl, col, value FROM sync_unknown")?;
    let kept = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<Vec<(String, String, Value)>>>()?;
    let mut known = Known::default();
    for (table, col, value) in kept {
        if known.accepts(conn, &table, &col, &value)? {
            return Ok(true);
        }
    }
    Ok(false)
}

pub(super) fn count(conn: &Connection) -> Result<usize> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM sync_unknown", [], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// What this version knows: the synced columns of each table (read once per apply), and the
/// values its closed-set columns allow.
#[derive(Default)]
struct Known {
    columns: HashMap<String, Vec<String>>,
}

impl Known {
    /// Whether this version syncs `table.col` and can store `value` there.
    fn accepts(
        &mut self,
        conn: &Connection,
        table: &str,
        col: &str,
        value: &Value,
    ) -> Result<bool> {
        if !SYNCED.iter().any(|(t, _)| *t == table) {
            return Ok(false);
        }
        if !self.columns.contains_key(table) {
            self.columns
                .insert(table.to_owned(), capture::columns(conn, table)?);
        }
        Ok(self.columns[table].iter().any(|c| c == col) && vocabulary::accepts(table, col, value))
    }
}

/// Keeps one field aside, unless a field with a greater stamp is kept for it already.
#[allow(clippy::too_many_arguments)]
pub(super) fn keep(
    conn: &Connection,
    table: &str,
    id: &str,
    col: &str,
    value: &Value,
    stamp: &(i64, String),
    dev: i64,
    schema: u32,
) -> Result<()> {
    let kept: Option<(i64, i64)> = rusqlite::OptionalExtension::optional(
        conn.prepare_cached(
            "SELECT hlc, dev FROM sync_unknown WHERE tbl = ?1 AND id = ?2 AND col = ?3",
        )?
        .query_row([table, id, col], |r| Ok((r.get(0)?, r.get(1)?))),
    )?;
    if let Some((hlc, kept_dev)) = kept {
        if (hlc, device_id(conn, kept_dev)?) >= *stamp {
            return Ok(());
        }
    }
    conn.prepare_cached(
        "INSERT INTO sync_unknown (tbl, id, col, value, hlc, dev, schema) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (tbl, id, col) DO UPDATE SET value = excluded.value, hlc = excluded.hlc,
         dev = excluded.dev, schema = excluded.schema",
    )?
    .execute((table, id, col, value, stamp.0, dev, schema))?;
    Ok(())
}

/// The kept fields this version now knows (it was updated since), as a batch, removed from
/// `sync_unknown`.
pub(super) fn released_after_update(conn: &Connection) -> Result<Option<Batch>> {
    let rows: Vec<(String, String, String, Value, i64, String)> = conn
        .prepare_cached(
            "SELECT u.tbl, u.id, u.col, u.value, u.hlc, d.device_id FROM sync_unknown u
             JOIN sync_devices d ON d.idx = u.dev",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut now_known = Vec::new();
    let mut known = Known::default();
    for row in rows {
        if known.accepts(conn, &row.0, &row.2, &row.3)? {
            conn.prepare_cached(
                "DELETE FROM sync_unknown WHERE tbl = ?1 AND id = ?2 AND col = ?3",
            )?
            .execute([&row.0, &row.1, &row.2])?;
            now_known.push(row);
        }
    }
    if now_known.is_empty() {
        return Ok(None);
    }
    Ok(Some(as_batch(now_known)))
}

#[cfg(test)]
mod tests {
    use crate::garage::bikes::{self, NewBike};
    use crate::store::{capture, hlc, Store};
    use crate::sync::apply::apply;
    use crate::sync::batch::{Batch, Builder, Cell, Kind, RowCells};
    use crate::sync::export;

    const NEWER: &str = "0196f2a4-8d1e-7c3a-9b2f-1a2b3c4d5e6f";

    /// A file of a newer version: a bike's name, its `wear_note` (a column this version lacks)
    /// and a row of `trail_notes` (a table it lacks), stamped a second ago.
    fn from_newer_version(store: &Store, bike: &str) -> Batch {
        let stamp = hlc::from_millis(store.now().millis() - 1_000);
        let mut b = Builder::default();
        let d = b.device(NEWER);
        b.table(
            "bikes",
            vec!["name".into(), "wear_note".into()],
            vec![RowCells(
                bike.into(),
                vec![
                    Cell(0, "Renamed there".into(), stamp, d),
                    Cell(1, "chain waxed".into(), stamp, d),
                ],
            )],
        );
        b.table(
            "trail_notes",
            vec!["text".into()],
            vec![RowCells(
                "n1".into(),
                vec![Cell(0, "Muddy".into(), stamp, d)],
            )],
        );
        b.finish(NEWER, Kind::Seg, 1)
    }

    /// What the update's migration does: the column, and the capture triggers rebuilt with it.
    fn update(store: &Store) {
        let conn = store.connection();
        conn.execute_batch("ALTER TABLE bikes ADD COLUMN wear_note TEXT")
            .unwrap();
        capture::install_triggers(conn).unwrap();
    }

    fn wear_note(store: &Store, bike: &str) -> Option<String> {
        store
            .connection()
            .query_row("SELECT wear_note FROM bikes WHERE id = ?1", [bike], |r| {
                r.get(0)
            })
            .unwrap()
    }

    fn new_bike(store: &mut Store) -> String {
        let bike = NewBike {
            name: "Tarmac".into(),
            ..Default::default()
        };
        bikes::add(store, bike).unwrap().id.to_string()
    }

    #[test]
    fn kept_fields_travel_in_snapshots_to_a_device_already_updated() {
        let mut old = Store::open_in_memory().unwrap();
        let bike = new_bike(&mut old);
        let batch = from_newer_version(&old, &bike);
        let applied = apply(&mut old, &[batch], &[]).unwrap();
        assert_eq!(applied.waiting_for_update, 2);
        let (builder, _) = export::whole_garage(old.connection()).unwrap();
        let snapshot = builder.finish(old.device_id(), Kind::Snap, 1);

        let mut updated = Store::open_in_memory().unwrap();
        update(&updated);
        let joined = apply(&mut updated, &[snapshot], &[]).unwrap();
        assert_eq!(wear_note(&updated, &bike).as_deref(), Some("chain waxed"));
        assert_eq!(joined.waiting_for_update, 1, "the table is still unknown");
    }

    #[test]
    fn after_an_update_a_kept_field_merges_unless_an_edit_here_is_newer() {
        let mut store = Store::open_in_memory().unwrap();
        let bike = new_bike(&mut store);
        let batch = from_newer_version(&store, &bike);
        apply(&mut store, &[batch], &[]).unwrap();
        update(&store);
        store
            .atomically(|s| {
                s.connection().execute(
                    "UPDATE bikes SET wear_note = 'edited here since' WHERE id = ?1",
                    [&bike],
                )?;
                Ok(())
            })
            .unwrap();
        let applied = apply(&mut store, &[], &[]).unwrap();
        assert_eq!(
            wear_note(&store, &bike).as_deref(),
            Some("edited here since")
        );
        assert_eq!(applied.waiting_for_update, 1);

        // Without the edit here, the kept value is merged.
        let mut store = Store::open_in_memory().unwrap();
        let bike = new_bike(&mut store);
        let batch = from_newer_version(&store, &bike);
        apply(&mut store, &[batch], &[]).unwrap();
        assert_eq!(
            super::waiting_for_update(&store).unwrap(),
            2,
            "kept until the update"
        );
        update(&store);
        assert!(super::has_known_now(&store).unwrap());
        apply(&mut store, &[], &[]).unwrap();
        assert_eq!(wear_note(&store, &bike).as_deref(), Some("chain waxed"));
    }
}
