//! Other devices' clock fixes (`store::clock_correction`): a device whose clock ran far ahead and
//! was set right re-stamped what it still held of its writes from then, and voided the old stamps.
//! Here, those stamps leave the quarantine (they would otherwise be merged a year later, over
//! everything edited meanwhile), and are never merged from a file read later.

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;
use crate::store::clock_correction::{Fix, FIX_PREFIX, REREAD_KEY};
use crate::store::{self, hlc};

use crate::sync::batch::Batch;

pub(super) struct ClockFixes(Vec<Fix>);

impl ClockFixes {
    /// The fixes this garage holds, and those in `batches` (a fix read in this apply covers
    /// stamps read in it before the fix).
    pub(super) fn load(conn: &Connection, batches: &[Batch]) -> Result<ClockFixes> {
        let mut fixes: Vec<Fix> = conn
            .prepare_cached(
                "SELECT value FROM synced_settings WHERE id >= ?1 AND id < ?2 AND value IS NOT NULL",
            )?
            .query_map(prefix_range(), |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .iter()
            .filter_map(|v| Fix::parse(v))
            .collect();
        for batch in batches {
            for t in batch.tables.iter().filter(|t| t.table == "synced_settings") {
                let Some(value_col) = t.cols.iter().position(|c| c == "value") else {
                    continue;
                };
                for row in t.rows.iter().filter(|r| r.0.starts_with(FIX_PREFIX)) {
                    let fix = row
                        .1
                        .iter()
                        .find(|cell| cell.0 as usize == value_col)
                        .and_then(|cell| cell.1.as_str())
                        .and_then(Fix::parse);
                    fixes.extend(fix);
                }
            }
        }
        fixes.dedup();
        Ok(ClockFixes(fixes))
    }

    /// Whether the stamp `hlc` of `device`, read in `batch`, is void: in a fix's range, and either
    /// in one of that device's own files from before the fix, or still far ahead here (see
    /// [`Fix::files_upto`]).
    pub(super) fn voids(&self, batch: &Batch, device: &str, hlc: i64, far_ahead: bool) -> bool {
        self.0.iter().any(|fix| {
            fix.covers(device, hlc)
                && (far_ahead || (batch.device == fix.device && batch.seq <= fix.files_upto))
        })
    }

    /// Drops the void stamps held in quarantine; returns the devices none of whose fields are
    /// held back any more (their clock notices are settled).
    pub(super) fn drop_quarantined(&self, conn: &Connection) -> Result<Vec<String>> {
        let mut settled = Vec::new();
        for fix in &self.0 {
            let Some(dev) = device_idx(conn, &fix.device)? else {
                continue; // nothing of that device is here
            };
            let dropped = conn
                .prepare_cached(
                    "DELETE FROM sync_quarantine WHERE dev = ?1 AND hlc > ?2 AND hlc <= ?3",
                )?
                .execute((dev, fix.above, fix.upto))?;
            let left: bool = conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM sync_quarantine WHERE dev = ?1)")?
                .query_row([dev], |r| r.get(0))?;
            if dropped > 0 && !left {
                settled.push(fix.device.clone());
            }
        }
        Ok(settled)
    }

    /// Void stamps applied here before their fix was known (this device's clock ran ahead too, or
    /// it merged them from quarantine before the fix came) claim nothing any more: they are lowered
    /// to 0, and the other devices' files are read again (`REREAD_KEY`), since what they overwrote
    /// here was not kept. Only stamps still more than a day ahead: once real time reaches a fix's
    /// range, their device's new stamps fall into it too. Returns whether any were.
    pub(super) fn disown_held(&self, conn: &Connection, now_ms: i64) -> Result<bool> {
        let far = hlc::from_millis(now_ms.saturating_add(hlc::QUARANTINE_MS));
        let mut lowered = 0;
        for fix in self.0.iter().filter(|f| f.upto > far) {
            let Some(dev) = device_idx(conn, &fix.device)? else {
                continue;
            };
            // Fields kept for a newer version too: a void stamp kept there would win over the
            // re-stamped value, and be dropped as void after the update, losing the field.
            for table in ["sync_clock", "sync_inbox", "sync_unknown"] {
                lowered += conn
                    .prepare_cached(&format!(
                        "UPDATE {table} SET hlc = 0 WHERE dev = ?1 AND hlc > ?2 AND hlc <= ?3"
                    ))?
                    .execute((dev, fix.above.max(far), fix.upto))?;
            }
        }
        if lowered > 0 {
            store::set_meta(conn, REREAD_KEY, &now_ms.to_string())?;
        }
        Ok(lowered > 0)
    }
}

fn device_idx(conn: &Connection, device: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT idx FROM sync_devices WHERE device_id = ?1")?
        .query_row([device], |r| r.get(0))
        .optional()?)
}

/// The ids starting with [`FIX_PREFIX`], as a range the primary key can seek.
fn prefix_range() -> (String, String) {
    let end = FIX_PREFIX.trim_end_matches(':').to_owned() + ";";
    (FIX_PREFIX.to_owned(), end)
}
