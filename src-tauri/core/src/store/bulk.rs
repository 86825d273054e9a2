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

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

use super::capture::{self, CommitStamp, ROW, SUPERSEDING, SYNCED};
use super::{meta, set_meta};

const KEY_PREFIX: &str = "sync_bulk:";
/// The key after every `sync_bulk:…` key (`;` follows `:`), so the open windows are a range scan.
const KEY_END: &str = "sync_bulk;";

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
    let mark = match last {
        Some((rowid, id)) => format!("{rowid}:{id}"),
        None => "0:".to_owned(),
    };
    set_meta(conn, &key, &mark)?;
    conn.execute_batch(&format!("DROP TRIGGER \"{trigger}\""))?;
    Ok(())
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
            let (rowid, id) = mark.split_once(':').unwrap_or(("0", ""));
            let rowid: i64 = rowid.parse().unwrap_or(0);
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
        }
        conn.execute("DELETE FROM meta WHERE key = ?1", [&key])?;
    }
    Ok(())
}
