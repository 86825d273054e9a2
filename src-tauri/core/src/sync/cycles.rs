//! Parts mounted on each other: one device puts wheel A on wheelset B while another puts B on A.
//! Each device refuses a cycle on its own, but two such moves merged make one: from the later
//! move on, A is on B and B is on A, and neither reaches a bike. The repair, a function of the
//! merged garage alone so every device makes the same one:
//!
//! - a cycle starts at an instant some mounting begins; each such instant is checked, oldest
//!   first, following the mountings on parts open then;
//! - in a cycle, the mounting that began last wins (ordered by (installed_at, stamp of
//!   installed_at, device, id), as the installation repair orders them): the rider's latest move
//!   stands;
//! - the mounting of the part the winner was put on ends where the winner begins (or is dropped,
//!   if it began at that same instant): that part comes off and goes to the shelf, carrying the
//!   winner.
//!
//! Repeated until no instant has a cycle; each round shortens one mounting, so it ends.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;

use crate::error::Result;
use crate::time::Timestamp;

/// One mounting of a part on another part, with the key that orders concurrent moves.
#[derive(Debug, Clone)]
struct Edge {
    id: String,
    child: String,
    parent: String,
    from: i64,
    until: i64,
    key: (i64, i64, String, String),
}

fn edges(conn: &Connection) -> Result<Vec<Edge>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.id, i.component_id, i.parent_id, i.installed_at, i.removed_at,
                COALESCE(c.hlc, r.hlc, 0), COALESCE(d.device_id, '')
         FROM installations i
         LEFT JOIN sync_clock c ON c.tbl = 'installations' AND c.id = i.id AND c.col = 'installed_at'
         LEFT JOIN sync_clock r ON r.tbl = 'installations' AND r.id = i.id AND r.col = '*'
         LEFT JOIN sync_devices d ON d.idx = COALESCE(c.dev, r.dev)
         WHERE i.parent_id IS NOT NULL AND i.deleted_at IS NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        let id: String = r.get(0)?;
        let from: i64 = r.get(3)?;
        Ok(Edge {
            child: r.get(1)?,
            parent: r.get(2)?,
            from,
            until: r.get::<_, Option<i64>>(4)?.unwrap_or(i64::MAX),
            key: (from, r.get(5)?, r.get(6)?, id.clone()),
            id,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The mountings forming a cycle among those open at `at`, if any.
fn cycle_at(edges: &[Edge], at: i64) -> Option<Vec<&Edge>> {
    // At one instant a part sits on at most one other (the installation repair saw to that).
    let up: BTreeMap<&str, &Edge> = edges
        .iter()
        .filter(|e| e.from <= at && at < e.until)
        .map(|e| (e.child.as_str(), e))
        .collect();
    let mut cleared: BTreeSet<&str> = BTreeSet::new();
    for start in up.keys() {
        let mut path: Vec<&str> = Vec::new();
        let mut node = *start;
        loop {
            if cleared.contains(node) {
                break;
            }
            if let Some(pos) = path.iter().position(|n| *n == node) {
                return Some(path[pos..].iter().map(|n| up[n]).collect());
            }
            path.push(node);
            match up.get(node) {
                Some(e) => node = e.parent.as_str(),
                None => break,
            }
        }
        cleared.extend(path);
    }
    None
}

/// Takes apart every cycle of parts on parts; returns a sentence per cycle repaired.
pub(crate) fn repair(conn: &Connection) -> Result<Vec<String>> {
    let mut messages = Vec::new();
    loop {
        let all = edges(conn)?;
        let mut instants: Vec<i64> = all.iter().map(|e| e.from).collect();
        instants.sort_unstable();
        instants.dedup();
        let Some(cycle) = instants.iter().find_map(|&t| cycle_at(&all, t)) else {
            return Ok(messages);
        };
        let Some(winner) = cycle.iter().max_by(|a, b| a.key.cmp(&b.key)).copied() else {
            return Ok(messages);
        };
        let Some(loser) = cycle.iter().find(|e| e.child == winner.parent).copied() else {
            return Ok(messages);
        };
        if loser.from >= winner.from {
            conn.execute(
                "UPDATE installations SET deleted_at = installed_at WHERE id = ?1",
                [&loser.id],
            )?;
        } else {
            conn.execute(
                "UPDATE installations SET removed_at = ?2 WHERE id = ?1",
                (&loser.id, winner.from),
            )?;
        }
        messages.push(message(conn, winner, loser));
    }
}

fn name(conn: &Connection, id: &str) -> String {
    conn.query_row("SELECT name FROM components WHERE id = ?1", [id], |r| {
        r.get(0)
    })
    .unwrap_or_else(|_| "a part".into())
}

fn message(conn: &Connection, winner: &Edge, loser: &Edge) -> String {
    let since = Timestamp(winner.from).local_date();
    format!(
        "{} and {} were mounted on each other after moves on two devices: kept {} on {} from \
         {since}, and took {} off {} then (it is on the shelf). Check where they are if that is \
         not right",
        name(conn, &winner.child),
        name(conn, &winner.parent),
        name(conn, &winner.child),
        name(conn, &winner.parent),
        name(conn, &loser.child),
        name(conn, &loser.parent),
    )
}
