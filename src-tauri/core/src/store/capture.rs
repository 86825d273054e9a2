//! Change capture for device sync: SQLite triggers record every field that an insert or an update
//! of a synced table changes, with an empty stamp, in the same transaction as the edit; the store
//! stamps them (one hybrid-logical-clock stamp per transaction) just before it commits. Because
//! the triggers live in the database, no code path can skip them; because stamping happens at
//! commit, one transaction's edits share a stamp and a rolled-back edit leaves nothing behind.

use rusqlite::Connection;

use crate::error::Result;

use super::hlc;

/// The tables that follow the rider to every device, and the columns of each that stay
/// device-local. Everything else (wear cache, reminders, outbox, Strava cursor, leases, …) is never
/// synced.
pub const SYNCED: &[(&str, &[&str])] = &[
    ("bikes", &[]),
    ("components", &[]),
    ("installations", &[]),
    ("rides", &[]),
    // The service epoch keys this device's reminders: each device moves its own (see sync/apply).
    ("rules", &["epoch"]),
    ("services", &[]),
    ("carried_usage", &[]),
    ("synced_settings", &[]),
];

/// The synced columns of `table`, in table order (the primary key `id` first).
pub fn columns(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let excluded = SYNCED
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(_, x)| *x)
        .unwrap_or(&[]);
    let mut stmt = conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names
        .into_iter()
        .filter(|c| !excluded.contains(&c.as_str()))
        .collect())
}

/// The clock entry that stands for every field a row was created with: one entry per insert
/// instead of one per field. A field's stamp is its own entry when it has one (it was edited, or
/// merged from another device), else the row's `*` entry if the field is not NULL: a NULL at
/// creation claims nothing, so a row two devices create at once (the same Strava activity) never
/// un-deletes the other's delete.
pub const ROW: &str = "*";

/// (Re)creates the capture triggers from the tables' current columns. Run by every schema upgrade
/// from v7 on, so a column added later is captured without anyone remembering to.
pub(crate) fn install_triggers(conn: &Connection) -> Result<()> {
    for (table, _) in SYNCED {
        let cols: Vec<String> = columns(conn, table)?
            .into_iter()
            .filter(|c| c != "id")
            .collect();
        let changed = cols
            .iter()
            .map(|c| format!("('{c}', OLD.\"{c}\" IS NOT NEW.\"{c}\")"))
            .collect::<Vec<_>>()
            .join(", ");
        // An edited field's new entry starts from the row's stamp, so stamping it at commit
        // (`stamp_pending`: the stamp it replaces + 1 at least) supersedes the creation.
        conn.execute_batch(&format!(
            "DROP TRIGGER IF EXISTS {insert};
             DROP TRIGGER IF EXISTS sync_{table}_update;
             {insert_sql};
             CREATE TRIGGER sync_{table}_update AFTER UPDATE ON {table}
             WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
             BEGIN
               INSERT INTO sync_clock (tbl, id, col, hlc, dev)
               SELECT '{table}', NEW.id, column1,
                      (SELECT hlc FROM sync_clock WHERE tbl = '{table}' AND id = NEW.id AND col = '{ROW}'),
                      NULL
               FROM (VALUES {changed}) WHERE column2
               ON CONFLICT (tbl, id, col) DO UPDATE SET dev = NULL;
             END;",
            insert = insert_trigger(table),
            insert_sql = insert_trigger_sql(table),
        ))?;
    }
    Ok(())
}

/// The name of `table`'s insert trigger.
pub(crate) fn insert_trigger(table: &str) -> String {
    format!("sync_{table}_insert")
}

/// The insert trigger of `table`: one `*` entry per row created, stamped at commit. It names no
/// column, so [`super::bulk`] can put it back as it was.
pub(crate) fn insert_trigger_sql(table: &str) -> String {
    format!(
        "CREATE TRIGGER {name} AFTER INSERT ON {table}
         WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
         BEGIN
           INSERT INTO sync_clock (tbl, id, col, hlc, dev) VALUES ('{table}', NEW.id, '{ROW}', NULL, NULL)
           ON CONFLICT (tbl, id, col) DO UPDATE SET dev = NULL;
         END",
        name = insert_trigger(table)
    )
}

/// Marks every row a garage already had before sync existed as a local change, so the first sync
/// sends the whole garage. Stamped by the first write or sync after the upgrade.
pub(crate) fn capture_existing_rows(conn: &Connection) -> Result<()> {
    for (table, _) in SYNCED {
        conn.execute(
            &format!(
                "INSERT INTO sync_clock (tbl, id, col, hlc, dev) SELECT '{table}', id, '{ROW}', NULL, NULL FROM {table}"
            ),
            [],
        )?;
    }
    Ok(())
}

/// The one stamp a commit gives everything it captured, and the commit's number.
pub(crate) struct CommitStamp {
    pub hlc: i64,
    pub dev: i64,
    pub lseq: i64,
    /// Stamps above this are more than a day ahead: an edit does not supersede from them.
    pub far: i64,
}

/// Takes a new stamp and numbers the commit. Called inside the write transaction, just before it
/// commits, when something was captured.
pub(crate) fn commit_stamp(conn: &Connection, device_id: &str, now_ms: i64) -> Result<CommitStamp> {
    Ok(CommitStamp {
        dev: device_index(conn, device_id)?,
        hlc: hlc::next(conn, now_ms)?,
        lseq: next_lseq(conn)?,
        // A stamp more than a day ahead is not superseded from: only a device whose clock ran
        // ahead holds one, and that device voids it once its clock is set right
        // (`clock_correction`).
        far: hlc::from_millis(now_ms.saturating_add(hlc::QUARANTINE_MS)),
    })
}

/// The stamp an entry gets at commit, in SQL over the entry's current `hlc` (NULL when new), with
/// `?1` the commit's stamp and `?4` its `far`.
///
/// An edit always supersedes the value it replaced: a field last written by a device whose clock
/// runs ahead gets that stamp + 1 rather than this device's (earlier) one. The clock itself stays
/// put, so one fast device cannot drag every later stamp of this one into the future. Except from
/// a stamp more than a day ahead, which only a clock that ran ahead made: the edit takes this
/// device's stamp, and the old one is voided when that clock is set right.
pub(crate) const SUPERSEDING: &str =
    "MAX(?1, CASE WHEN hlc > ?4 THEN 0 ELSE COALESCE(hlc, 0) + 1 END)";

/// Stamps every field the triggers captured since the last stamp as this device's, with the
/// commit's stamp. Cheap when nothing is pending (a partial index lookup).
pub(crate) fn stamp_pending(conn: &Connection, stamp: &CommitStamp) -> Result<()> {
    conn.prepare_cached(&format!(
        "UPDATE sync_clock SET hlc = {SUPERSEDING}, dev = ?2, lseq = ?3 WHERE dev IS NULL"
    ))?
    .execute((stamp.hlc, stamp.dev, stamp.lseq, stamp.far))?;
    Ok(())
}

const LSEQ_KEY: &str = "sync_lseq";

/// Whether fields are captured and not stamped yet (a partial index lookup).
pub(crate) fn has_pending(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM sync_clock WHERE dev IS NULL)")?
        .query_row([], |r| r.get(0))?)
}

/// Numbers a new commit of this device's own changes.
pub(crate) fn next_lseq(conn: &Connection) -> Result<i64> {
    let lseq = super::meta(conn, LSEQ_KEY)?
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0)
        + 1;
    super::set_meta(conn, LSEQ_KEY, &lseq.to_string())?;
    Ok(lseq)
}

/// The small number standing for `device_id` in this file's clock table.
pub fn device_index(conn: &Connection, device_id: &str) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO sync_devices (device_id) VALUES (?1) ON CONFLICT (device_id) DO NOTHING",
    )?
    .execute([device_id])?;
    Ok(conn
        .prepare_cached("SELECT idx FROM sync_devices WHERE device_id = ?1")?
        .query_row([device_id], |r| r.get(0))?)
}
