//! After remote changes are merged field by field, a component's installations may break what a
//! single device never allows: two open at once (moved to two bikes on two devices), overlapping
//! periods, or an end before its start (start and end edited on different devices). The repair is
//! a function of the merged garage alone, so every device makes the same one: per component,
//! installations ordered by (installed_at, stamp of installed_at, id); each one ends where the
//! next begins; one that begins with the next is dropped. The latest one is kept as it is. A part
//! may be on a bike or on another part: the same rule holds whatever it is on. Then parts that
//! two devices mounted on each other are taken apart (`cycles`).

use std::collections::BTreeSet;

use rusqlite::Connection;

use crate::error::Result;
use crate::time::Timestamp;

use super::cycles;

struct Inst {
    id: String,
    bike: Option<String>,
    parent: Option<String>,
    installed_at: i64,
    removed_at: Option<i64>,
}

/// Repairs the installations of `components`; returns a sentence per component repaired.
pub(crate) fn installations(
    conn: &Connection,
    components: &BTreeSet<String>,
) -> Result<Vec<String>> {
    let mut messages = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT i.id, i.bike_id, i.parent_id, i.installed_at, i.removed_at
         FROM installations i
         LEFT JOIN sync_clock c ON c.tbl = 'installations' AND c.id = i.id AND c.col = 'installed_at'
         LEFT JOIN sync_clock r ON r.tbl = 'installations' AND r.id = i.id AND r.col = '*'
         LEFT JOIN sync_devices d ON d.idx = COALESCE(c.dev, r.dev)
         WHERE i.component_id = ?1 AND i.deleted_at IS NULL
         ORDER BY i.installed_at, COALESCE(c.hlc, r.hlc, 0), COALESCE(d.device_id, ''), i.id",
    )?;
    for component in components {
        let list: Vec<Inst> = stmt
            .query_map([component], |r| {
                Ok(Inst {
                    id: r.get(0)?,
                    bike: r.get(1)?,
                    parent: r.get(2)?,
                    installed_at: r.get(3)?,
                    removed_at: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut fixed = 0;
        for (i, inst) in list.iter().enumerate() {
            let next = list.get(i + 1);
            // An end at or before the start cannot be right: treat it as open, so the next
            // installation (or none) decides where it ends.
            let removed = inst.removed_at.filter(|r| *r > inst.installed_at);
            let wanted = match (removed, next) {
                (None, Some(n)) => Some(n.installed_at),
                (Some(r), Some(n)) if r > n.installed_at => Some(n.installed_at),
                (r, _) => r,
            };
            if next.is_some_and(|n| n.installed_at == inst.installed_at) {
                conn.execute(
                    "UPDATE installations SET deleted_at = installed_at WHERE id = ?1",
                    [&inst.id],
                )?;
                fixed += 1;
            } else if wanted != inst.removed_at {
                conn.execute(
                    "UPDATE installations SET removed_at = ?2 WHERE id = ?1",
                    (&inst.id, wanted),
                )?;
                fixed += 1;
            }
        }
        if fixed > 0 {
            messages.push(message(conn, component, list.last())?);
        }
    }
    if !components.is_empty() {
        messages.extend(cycles::repair(conn)?);
    }
    Ok(messages)
}

fn message(conn: &Connection, component: &str, kept: Option<&Inst>) -> Result<String> {
    let name: String = conn
        .query_row(
            "SELECT name FROM components WHERE id = ?1",
            [component],
            |r| r.get(0),
        )
        .unwrap_or_else(|_| "A part".into());
    let Some(kept) = kept else {
        return Ok(format!(
            "{name}: its bike history was edited on two devices and has been put in order"
        ));
    };
    let bike: String = match (&kept.bike, &kept.parent) {
        (Some(bike), _) => conn
            .query_row("SELECT name FROM bikes WHERE id = ?1", [bike], |r| r.get(0))
            .unwrap_or_else(|_| "another bike".into()),
        (None, Some(parent)) => conn
            .query_row("SELECT name FROM components WHERE id = ?1", [parent], |r| {
                r.get(0)
            })
            .unwrap_or_else(|_| "another part".into()),
        (None, None) => "the shelf".into(),
    };
    let since = Timestamp(kept.installed_at).local_date();
    Ok(format!(
        "{name} was on two bikes at once after edits on two devices: kept it on {bike} from {since}, \
         and ended the earlier mounting there. Check the part's history if that is not right"
    ))
}
