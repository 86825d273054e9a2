//! Where a part is over time, through its parents. An installation mounts a component on a bike
//! or on another component (a tyre on a wheel, a wheel on a bike); a part's bike at an instant is
//! the bike its chain of parents reaches at that instant. So a part's time on each bike is its
//! own mountings intersected with its parent's time on that bike, recursively: moving a wheel
//! moves everything on it from that moment, and taking a tyre off ends its share from then.
//!
//! Read by the wear (`usage`) and by the garage's writes, which need to know whose wear an edit
//! touches: a part's descendants follow it.

use std::collections::{BTreeSet, HashMap, VecDeque};

use rusqlite::{params, Connection};

use crate::error::Result;
use crate::ids::{BikeId, ComponentId};

/// Deeper than any real bike (bike › wheelset › wheel › tyre › sealant is four). A chain longer
/// than this can only be a cycle two devices made before the sync repair undid it: it resolves to
/// no bike rather than looping.
pub(crate) const MAX_DEPTH: usize = 16;

/// What one installation holds a part on.
#[derive(Debug, Clone)]
enum On {
    Bike(BikeId),
    Part(ComponentId),
}

#[derive(Debug, Clone)]
struct Mounting {
    on: On,
    from: i64,
    until: i64,
}

/// A stretch of time `[from, until)` a part spent on a bike (`until` is `i64::MAX` while open).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Span {
    pub(crate) bike: BikeId,
    pub(crate) from: i64,
    pub(crate) until: i64,
}

/// Resolves parts to bikes over time, loading each part's installations once.
pub(crate) struct Resolver<'c> {
    conn: &'c Connection,
    direct: HashMap<ComponentId, Vec<Mounting>>,
    resolved: HashMap<ComponentId, Vec<Span>>,
}

impl<'c> Resolver<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Self {
        Self {
            conn,
            direct: HashMap::new(),
            resolved: HashMap::new(),
        }
    }

    fn mountings(&mut self, c: &ComponentId) -> Result<&[Mounting]> {
        if !self.direct.contains_key(c) {
            let mut stmt = self.conn.prepare_cached(
                "SELECT bike_id, parent_id, installed_at, removed_at FROM installations
                 WHERE component_id = ?1 AND deleted_at IS NULL ORDER BY installed_at",
            )?;
            let rows = stmt.query_map([c], |r| {
                let bike: Option<BikeId> = r.get(0)?;
                let parent: Option<ComponentId> = r.get(1)?;
                Ok((bike, parent, r.get(2)?, r.get::<_, Option<i64>>(3)?))
            })?;
            let mut list = Vec::new();
            for row in rows {
                let (bike, parent, from, until) = row?;
                // A bike wins if a merge ever left both set; neither means nothing to follow.
                let on = match (bike, parent) {
                    (Some(b), _) => On::Bike(b),
                    (None, Some(p)) => On::Part(p),
                    (None, None) => continue,
                };
                list.push(Mounting {
                    on,
                    from,
                    until: until.unwrap_or(i64::MAX),
                });
            }
            self.direct.insert(c.clone(), list);
        }
        Ok(self.direct.get(c).map(Vec::as_slice).unwrap_or(&[]))
    }

    /// When the part was first mounted anywhere (on a bike or a part), if ever.
    pub(crate) fn first_mounted(&mut self, c: &ComponentId) -> Result<Option<i64>> {
        Ok(self.mountings(c)?.iter().map(|m| m.from).min())
    }

    /// The part's time on each bike, oldest first.
    pub(crate) fn spans(&mut self, c: &ComponentId) -> Result<Vec<Span>> {
        self.spans_at(c, 0)
    }

    fn spans_at(&mut self, c: &ComponentId, depth: usize) -> Result<Vec<Span>> {
        if let Some(done) = self.resolved.get(c) {
            return Ok(done.clone());
        }
        if depth > MAX_DEPTH {
            return Ok(Vec::new());
        }
        let mountings = self.mountings(c)?.to_vec();
        let mut out = Vec::new();
        for m in mountings {
            match m.on {
                On::Bike(bike) => out.push(Span {
                    bike,
                    from: m.from,
                    until: m.until,
                }),
                On::Part(parent) => {
                    for s in self.spans_at(&parent, depth + 1)? {
                        let (from, until) = (m.from.max(s.from), m.until.min(s.until));
                        if from < until {
                            out.push(Span {
                                bike: s.bike,
                                from,
                                until,
                            });
                        }
                    }
                }
            }
        }
        out.sort_by_key(|s| s.from);
        self.resolved.insert(c.clone(), out.clone());
        Ok(out)
    }
}

/// Parts mounted directly on `parent` at any time.
fn children_ever(conn: &Connection, parent: &ComponentId) -> Result<Vec<ComponentId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT component_id FROM installations WHERE parent_id = ?1 AND deleted_at IS NULL",
    )?;
    let rows = stmt.query_map([parent], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// `parts` and every part ever mounted on them, directly or through other parts: whose wear a
/// change to `parts`' installations can move.
pub(crate) fn with_descendants(
    conn: &Connection,
    parts: &[ComponentId],
) -> Result<Vec<ComponentId>> {
    let mut seen: BTreeSet<ComponentId> = parts.iter().cloned().collect();
    let mut queue: VecDeque<ComponentId> = parts.iter().cloned().collect();
    while let Some(p) = queue.pop_front() {
        for child in children_ever(conn, &p)? {
            if seen.insert(child.clone()) {
                queue.push_back(child);
            }
        }
    }
    Ok(seen.into_iter().collect())
}

/// Parts on `bike` at instant `at`, directly or through parents mounted there at that instant:
/// those whose wear a ride then changes.
pub(crate) fn on_bike_at(conn: &Connection, bike: &BikeId, at: i64) -> Result<Vec<ComponentId>> {
    let mut direct = conn.prepare_cached(
        "SELECT DISTINCT component_id FROM installations
         WHERE bike_id = ?1 AND deleted_at IS NULL AND installed_at <= ?2 AND (removed_at IS NULL OR removed_at > ?2)",
    )?;
    let mut seen: BTreeSet<ComponentId> = BTreeSet::new();
    let mut queue: VecDeque<(ComponentId, usize)> = VecDeque::new();
    for c in direct.query_map(params![bike, at], |r| r.get::<_, ComponentId>(0))? {
        let c = c?;
        if seen.insert(c.clone()) {
            queue.push_back((c, 0));
        }
    }
    let mut children = conn.prepare_cached(
        "SELECT DISTINCT component_id FROM installations
         WHERE parent_id = ?1 AND deleted_at IS NULL AND installed_at <= ?2 AND (removed_at IS NULL OR removed_at > ?2)",
    )?;
    while let Some((p, depth)) = queue.pop_front() {
        if depth >= MAX_DEPTH {
            continue;
        }
        for c in children.query_map(params![p, at], |r| r.get::<_, ComponentId>(0))? {
            let c = c?;
            if seen.insert(c.clone()) {
                queue.push_back((c, depth + 1));
            }
        }
    }
    Ok(seen.into_iter().collect())
}

/// Whether mounting `child` on `parent` over `[from, until)` would put `child` above itself:
/// `child` is among `parent`'s ancestors at some instant of that stretch.
pub(crate) fn would_cycle(
    conn: &Connection,
    child: &ComponentId,
    parent: &ComponentId,
    from: i64,
    until: i64,
) -> Result<bool> {
    if child == parent {
        return Ok(true);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT parent_id, installed_at, COALESCE(removed_at, 9223372036854775807) FROM installations
         WHERE component_id = ?1 AND parent_id IS NOT NULL AND deleted_at IS NULL
           AND installed_at < ?3 AND ?2 < COALESCE(removed_at, 9223372036854775807)",
    )?;
    // Each step narrows the stretch to when that parent held the part, so a parent that carried
    // the child only before or after the new stretch is no cycle.
    let mut queue: VecDeque<(ComponentId, i64, i64, usize)> =
        VecDeque::from([(parent.clone(), from, until, 0)]);
    while let Some((node, from, until, depth)) = queue.pop_front() {
        if depth > MAX_DEPTH {
            continue;
        }
        let ups = stmt
            .query_map(params![node, from, until], |r| {
                Ok((
                    r.get::<_, ComponentId>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (up, f, u) in ups {
            if &up == child {
                return Ok(true);
            }
            queue.push_back((up, from.max(f), until.min(u), depth + 1));
        }
    }
    Ok(false)
}
