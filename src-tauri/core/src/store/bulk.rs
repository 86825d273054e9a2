//! Bulk capture: many rows inserted in one write transaction (a file import, the demo) are
//! captured with one set-based statement at commit instead of one trigger call per row.
//!
//! Why: firing a trigger costs SQLite about as much as the insert it follows, and the trigger's
//! pending entry is then written again when the commit stamps it, so capture made a 50,000-ride
//! import 2.3 times slower. Inside a bulk window the table's insert trigger is dropped (inside the
//! transaction: no other connection ever sees the table without it, and a rollback puts it back);
//! at commit, every row the window added — the rows past the table's last rowid when it opened —
//! gets its `*` entry, already stamped, exactly as the trigger and the stamp would have given it,
//! and the trigger is created again. Updates inside the window are still captured by their
//! triggers, field by field. The window's state lives in `meta`, in the same transaction, so it
//! commits or rolls back with the rows; a commit that bypassed the store (a raw `COMMIT`) leaves it
//! open, and the next stamp of any write closes it: the rows are captured late, never lost.
//!
//! Sync never applies inside another write (`sync::apply` refuses), and it stamps what is pending
//! before it applies, so no remote row is ever taken for one of the window's.
//!
//! While a window is open, the connection's page cache is at least [`WINDOW_CACHE_KIB`]. Why:
//! since `rides_start` (0012) an import's rides and their four indexes, inserted in random start
//! order, outgrow SQLite's default 2 MiB cache, and a transaction holding the window's
//! `DROP TRIGGER` then spilled dirty pages to the WAL five times as often as the same import with
//! capture off (43,500 spills and 39,500 re-reads against 8,500 and 4,500 for 50,000 rides),
//! which cost the captured import about 130 ms. With 4 MiB it spills as the import without
//! capture does with 2 MiB. The cache size is put back when the window closes: the bundled SQLite
//! pools the page caches of every connection in the process, so one connection's larger cache
//! changes how the others spill. A rolled-back window leaves the larger cache on its connection.

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

use super::capture::{self, CommitStamp, ROW, SUPERSEDING, SYNCED};
use super::{meta, set_meta};

const KEY_PREFIX: &str = "sync_bulk:";
/// The key after every `sync_bulk:…` key (`;` follows `:`), so the open windows are a range scan.
const KEY_END: &str = "sync_bulk;";
/// The least page cache a window's transaction gets, in KiB (see the module docs).
pub(crate) const WINDOW_CACHE_KIB: i64 = 4096;

/// Opens a bulk window on `table` for the rest of the current write transaction. Does nothing
/// outside a transaction (dropping the trigger there would commit at once), for a table that is not
/// synced, when a window is open already, or when the table has no insert trigger (capture is off).
pub(crate) fn open(conn: &Connection, table: &str) -> Result<()> {
    if conn.is_autocommit() || !SYNCED.iter().any(|(t, _)| *t == table) {
        return Ok(());
    }
    let key = format!("{KEY_PREFIX}{table}");
    if meta(conn, &key)?.is_some() {
        return Ok(());
    }
    let trigger = capture::insert_trigger(table);
    let has_trigger: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?1)",
        [&trigger],
        |r| r.get(0),
    )?;
    if !has_trigger {
        return Ok(());
    }
    // The row holding the last rowid is remembered with it: should it be deleted inside the
    // window, SQLite gives its rowid to the next insert, which must not be missed.
    let last: Option<(i64, String)> = conn
        .query_row(
            &format!("SELECT rowid, id FROM \"{table}\" ORDER BY rowid DESC LIMIT 1"),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (rowid, id) = last.unwrap_or((0, String::new()));
    // The cache size the window replaced, put back when it closes (ids hold no `:`).
    let cache = raise_cache(conn)?;
    let restore = cache.map(|c| c.to_string()).unwrap_or_default();
    set_meta(conn, &key, &format!("{rowid}:{id}:{restore}"))?;
    conn.execute_batch(&format!("DROP TRIGGER \"{trigger}\""))?;
    Ok(())
}

/// Raises the connection's page cache to [`WINDOW_CACHE_KIB`] if it is smaller; returns the size
/// it replaced (as `PRAGMA cache_size` says it: negative KiB, or positive pages).
fn raise_cache(conn: &Connection) -> Result<Option<i64>> {
    let size: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    let kib = if size < 0 {
        -size
    } else {
        size.saturating_mul(page) / 1024
    };
    if kib >= WINDOW_CACHE_KIB {
        return Ok(None);
    }
    conn.execute_batch(&format!("PRAGMA cache_size = -{WINDOW_CACHE_KIB}"))?;
    Ok(Some(size))
}

/// Whether a bulk window is open (a range lookup in `meta`).
pub(crate) fn is_open(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM meta WHERE key >= ?1 AND key < ?2)")?
        .query_row([KEY_PREFIX, KEY_END], |r| r.get(0))?)
}

/// Captures, stamped with `stamp`, every row each open window added, and closes the windows
/// (their insert triggers back in place). Called by the commit's stamp, after the triggers'
/// pending entries are stamped.
pub(crate) fn close(conn: &Connection, stamp: &CommitStamp) -> Result<()> {
    let open: Vec<(String, String)> = conn
        .prepare_cached("SELECT key, value FROM meta WHERE key >= ?1 AND key < ?2")?
        .query_map([KEY_PREFIX, KEY_END], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (key, mark) in open {
        let table = &key[KEY_PREFIX.len()..];
        // A key this build did not write (another table name) is dropped, never trusted in SQL.
        if SYNCED.iter().any(|(t, _)| *t == table) {
            // `rowid:id:cache` (`rowid:id` from builds before the cache was raised).
            let mut parts = mark.splitn(3, ':');
            let rowid: i64 = parts.next().and_then(|r| r.parse().ok()).unwrap_or(0);
            let id = parts.next().unwrap_or("");
            let cache: Option<i64> = parts.next().and_then(|c| c.parse().ok());
            // A row created again under an id that has entries supersedes them, as the trigger's
            // pending entry would once stamped.
            conn.execute(
                &format!(
                    "INSERT INTO sync_clock (tbl, id, col, hlc, dev, lseq)
                     SELECT '{table}', id, '{ROW}', ?1, ?2, ?3 FROM \"{table}\"
                     WHERE rowid > ?5 OR (rowid = ?5 AND id IS NOT ?6)
                     ON CONFLICT (tbl, id, col) DO UPDATE SET hlc = {SUPERSEDING}, dev = ?2, lseq = ?3"
                ),
                (stamp.hlc, stamp.dev, stamp.lseq, stamp.far, rowid, id),
            )?;
            conn.execute_batch(&format!(
                "DROP TRIGGER IF EXISTS \"{trigger}\"; {sql};",
                trigger = capture::insert_trigger(table),
                sql = capture::insert_trigger_sql(table),
            ))?;
            if let Some(cache) = cache {
                conn.execute_batch(&format!("PRAGMA cache_size = {cache}"))?;
            }
        }
        conn.execute("DELETE FROM meta WHERE key = ?1", [&key])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::{ManualClock, Store};
    use crate::time::Timestamp;

    fn store() -> Store {
        let clock = ManualClock::new(Timestamp(1_780_000_000_000));
        Store::open_in_memory().unwrap().with_clock(Arc::new(clock))
    }

    fn insert_ride(conn: &Connection, id: &str) {
        conn.execute(
            "INSERT INTO rides (id, source, start_at, distance_m, moving_time_s, elapsed_time_s,
                 elevation_m, sport_type, created_at, updated_at)
             VALUES (?1, 'manual', 0, 1000, 60, 60, 0, 'Ride', 0, 0)",
            [id],
        )
        .unwrap();
    }

    /// A clock entry: table, id, column, stamp, device id, commit number.
    type Entry = (
        String,
        String,
        String,
        Option<i64>,
        Option<String>,
        Option<i64>,
    );

    /// Every clock entry, with its device's id instead of this file's index.
    fn clock(store: &Store) -> Vec<Entry> {
        store
            .connection()
            .prepare(
                "SELECT c.tbl, c.id, c.col, c.hlc, d.device_id, c.lseq FROM sync_clock c
                 LEFT JOIN sync_devices d ON d.idx = c.dev ORDER BY c.tbl, c.id, c.col",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    fn has_insert_trigger(store: &Store) -> bool {
        store
            .connection()
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'sync_rides_insert')",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// The same writes with and without a bulk window: a committed ride, then in one transaction
    /// new rides, one of them edited, and the committed one edited.
    fn writes(store: &mut Store, bulk: bool) {
        let tx = store.write().unwrap();
        insert_ride(&tx, "r0");
        tx.commit().unwrap();
        let tx = store.write().unwrap();
        if bulk {
            tx.insert_in_bulk("rides").unwrap();
        }
        for i in 1..=5 {
            insert_ride(&tx, &format!("r{i}"));
        }
        tx.execute(
            "UPDATE rides SET name = 'edited' WHERE id IN ('r0', 'r3')",
            [],
        )
        .unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn rows_inserted_in_bulk_get_the_entries_the_triggers_would_give() {
        let (mut by_trigger, mut in_bulk) = (store(), store());
        // The same device on both sides, so the entries compare whole.
        in_bulk.device_id = by_trigger.device_id.clone();
        writes(&mut by_trigger, false);
        writes(&mut in_bulk, true);
        let expected = clock(&by_trigger);
        assert_eq!(
            expected.len(),
            6 + 2,
            "a `*` per ride, one field per edited ride"
        );
        assert!(
            expected.iter().all(|e| e.3.is_some() && e.4.is_some()),
            "all stamped"
        );
        assert_eq!(clock(&in_bulk), expected);
        assert!(
            has_insert_trigger(&in_bulk),
            "the trigger is back after the commit"
        );
        assert!(!is_open(in_bulk.connection()).unwrap());
    }

    #[test]
    fn a_rolled_back_bulk_window_leaves_the_trigger_and_captures_nothing() {
        let mut store = store();
        {
            let tx = store.write().unwrap();
            tx.insert_in_bulk("rides").unwrap();
            insert_ride(&tx, "gone");
            assert!(!has_insert_trigger_conn(&tx));
            // Dropped without commit: rolled back.
        }
        assert!(has_insert_trigger(&store));
        assert!(!is_open(store.connection()).unwrap());
        assert!(clock(&store).is_empty());
        let tx = store.write().unwrap();
        insert_ride(&tx, "kept");
        tx.commit().unwrap();
        assert_eq!(clock(&store).len(), 1, "the trigger captures again");
    }

    fn has_insert_trigger_conn(conn: &Connection) -> bool {
        conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'sync_rides_insert')",
            [],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn a_commit_that_bypassed_the_store_is_captured_by_the_next_write() {
        let mut store = store();
        let conn = store.connection();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        open(conn, "rides").unwrap();
        insert_ride(conn, "raw");
        conn.execute_batch("COMMIT").unwrap();
        assert!(is_open(store.connection()).unwrap(), "left open, not lost");
        let tx = store.write().unwrap();
        insert_ride(&tx, "next");
        tx.commit().unwrap();
        let ids: Vec<String> = clock(&store).into_iter().map(|e| e.1).collect();
        assert_eq!(ids, ["next", "raw"]);
        assert!(has_insert_trigger(&store));
    }

    #[test]
    fn a_rowid_freed_inside_the_window_and_taken_again_is_captured() {
        let mut store = store();
        let tx = store.write().unwrap();
        insert_ride(&tx, "a");
        insert_ride(&tx, "last");
        tx.commit().unwrap();
        let tx = store.write().unwrap();
        tx.insert_in_bulk("rides").unwrap();
        // `last` held the highest rowid: SQLite gives it to the next insert.
        tx.execute("DELETE FROM rides WHERE id = 'last'", [])
            .unwrap();
        insert_ride(&tx, "new");
        tx.commit().unwrap();
        let lseqs: Vec<(String, Option<i64>)> =
            clock(&store).into_iter().map(|e| (e.1, e.5)).collect();
        assert_eq!(
            lseqs,
            [
                ("a".to_owned(), Some(1)),
                ("last".to_owned(), Some(1)),
                ("new".to_owned(), Some(2))
            ]
        );
    }

    fn cache_size(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA cache_size", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_window_gives_its_transaction_a_larger_page_cache_and_the_commit_puts_it_back() {
        let mut store = store();
        let before = cache_size(store.connection());
        assert!(-before < WINDOW_CACHE_KIB, "SQLite's default is smaller");
        let tx = store.write().unwrap();
        tx.insert_in_bulk("rides").unwrap();
        assert_eq!(cache_size(&tx), -WINDOW_CACHE_KIB);
        insert_ride(&tx, "r");
        tx.commit().unwrap();
        assert_eq!(cache_size(store.connection()), before);
        // A cache already as large is left alone.
        store
            .connection()
            .execute_batch("PRAGMA cache_size = -8192")
            .unwrap();
        let tx = store.write().unwrap();
        tx.insert_in_bulk("rides").unwrap();
        assert_eq!(cache_size(&tx), -8192);
        tx.commit().unwrap();
        assert_eq!(cache_size(store.connection()), -8192);
    }

    #[test]
    fn a_window_left_open_by_an_older_build_is_closed_and_captured() {
        let mut store = store();
        let conn = store.connection();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        open(conn, "rides").unwrap();
        insert_ride(conn, "raw");
        // The mark as builds before the cache was raised wrote it: `rowid:id`.
        set_meta(conn, "sync_bulk:rides", "0:").unwrap();
        conn.execute_batch("COMMIT").unwrap();
        let tx = store.write().unwrap();
        insert_ride(&tx, "next");
        tx.commit().unwrap();
        let ids: Vec<String> = clock(&store).into_iter().map(|e| e.1).collect();
        assert_eq!(ids, ["next", "raw"]);
        assert!(has_insert_trigger(&store));
    }

    #[test]
    fn outside_a_transaction_or_with_capture_off_a_window_does_not_open() {
        let store = store();
        open(store.connection(), "rides").unwrap();
        assert!(!is_open(store.connection()).unwrap());
        assert!(has_insert_trigger(&store));
        let conn = store.connection();
        conn.execute_batch("DROP TRIGGER sync_rides_insert; BEGIN IMMEDIATE")
            .unwrap();
        open(conn, "rides").unwrap();
        open(conn, "meta").unwrap();
        assert!(!is_open(conn).unwrap());
        conn.execute_batch("ROLLBACK").unwrap();
    }
}
