//! What the rider sees (every synced row, minus device-local columns), and the reference: a
//! last-writer-wins merge of every file ever written, with the installation repair rule.

use std::collections::{BTreeMap, BTreeSet};

use pedalwrencher_tests::tables;
use rusqlite::types::Value;
use rusqlite::Connection;

use crate::replicas::Pooled;
use crate::DAY;

pub type Row = BTreeMap<String, Value>;
pub type Dump = BTreeMap<&'static str, BTreeMap<String, Row>>;

pub struct Column {
    pub name: String,
    pub real: bool,
    pub required: bool,
}

pub fn synced_columns(conn: &Connection, table: &str, local: &[&str]) -> Vec<Column> {
    let mut stmt = conn
        .prepare("SELECT name, type, \"notnull\" FROM pragma_table_info(?1) ORDER BY cid")
        .expect("table info");
    stmt.query_map([table], |r| {
        Ok(Column {
            name: r.get(0)?,
            real: r.get::<_, String>(1)?.eq_ignore_ascii_case("REAL"),
            required: r.get::<_, bool>(2)?,
        })
    })
    .expect("table info")
    .collect::<rusqlite::Result<Vec<_>>>()
    .expect("table info")
    .into_iter()
    .filter(|c| !local.contains(&c.name.as_str()))
    .collect()
}

/// Every row of every synced table, deleted ones included, without device-local columns.
pub fn dump(conn: &Connection) -> Dump {
    let mut out = Dump::new();
    for (table, local) in tables::SYNCED {
        let cols = synced_columns(conn, table, local);
        let list = cols
            .iter()
            .map(|c| format!("\"{}\"", c.name))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = conn
            .prepare(&format!("SELECT {list} FROM {table} ORDER BY id"))
            .expect("dump");
        let rows = stmt
            .query_map([], |r| {
                let mut row = Row::new();
                for (i, c) in cols.iter().enumerate() {
                    row.insert(c.name.clone(), r.get::<_, Value>(i)?);
                }
                Ok(row)
            })
            .expect("dump")
            .collect::<rusqlite::Result<Vec<_>>>()
            .expect("dump");
        let by_id = rows
            .into_iter()
            .map(|row| match &row["id"] {
                Value::Text(id) => (id.clone(), row),
                other => panic!("{table} has a row with id {other:?}"),
            })
            .collect();
        out.insert(table, by_id);
    }
    out
}

/// A field's stamp: hybrid logical clock, then the writing device's id.
pub type Stamp = (i64, String);

pub fn json_to_sql(v: &serde_json::Value, real: bool) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Integer(i64::from(*b)),
        serde_json::Value::Number(n) => match (n.as_i64(), real) {
            (Some(i), false) => Value::Integer(i),
            // A REAL column stores an integral number as REAL.
            (Some(i), true) => Value::Real(i as f64),
            (None, _) => Value::Real(n.as_f64().expect("a JSON number")),
        },
        serde_json::Value::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

/// The merge, written from the definition: per field the value with the greatest (hlc, device)
/// among every file ever written, leaving out stamps more than a day ahead of the true time their
/// file was written (a clock running ahead made them; set right, it voids them); a row exists once
/// it has every NOT NULL column. Returns the rows and the winning stamps.
pub fn reference(
    conn: &Connection,
    pool: &[Pooled],
) -> (Dump, BTreeMap<(String, String, String), Stamp>) {
    let mut winners: BTreeMap<(String, String, String), (Stamp, serde_json::Value)> =
        BTreeMap::new();
    for p in pool {
        let b = &p.batch;
        for t in &b.tables {
            let Some((_, local)) = tables::SYNCED.iter().find(|(name, _)| *name == t.table) else {
                continue;
            };
            for row in &t.rows {
                for cell in &row.1 {
                    let col = &t.cols[cell.0 as usize];
                    if col == "id" || local.contains(&col.as_str()) {
                        continue;
                    }
                    if (cell.2 >> 16) > p.at + DAY {
                        continue;
                    }
                    let stamp = (cell.2, b.devices[cell.3 as usize].clone());
                    let key = (t.table.clone(), row.0.clone(), col.clone());
                    if winners.get(&key).is_none_or(|(s, _)| stamp > *s) {
                        winners.insert(key, (stamp, cell.1.clone()));
                    }
                }
            }
        }
    }
    let mut out = Dump::new();
    for (table, local) in tables::SYNCED {
        let cols = synced_columns(conn, table, local);
        let ids: BTreeSet<&String> = winners
            .keys()
            .filter(|(t, _, _)| t == table)
            .map(|(_, id, _)| id)
            .collect();
        let mut rows = BTreeMap::new();
        for id in ids {
            let mut row = Row::new();
            row.insert("id".into(), Value::Text(id.clone()));
            let mut complete = true;
            for c in cols.iter().filter(|c| c.name != "id") {
                let key = ((*table).to_owned(), id.clone(), c.name.clone());
                let v = winners
                    .get(&key)
                    .map_or(Value::Null, |(_, v)| json_to_sql(v, c.real));
                complete &= !c.required || winners.contains_key(&key);
                row.insert(c.name.clone(), v);
            }
            if complete {
                rows.insert(id.clone(), row);
            }
        }
        out.insert(table, rows);
    }
    let stamps = winners.into_iter().map(|(k, (s, _))| (k, s)).collect();
    (out, stamps)
}

pub fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        _ => None,
    }
}

pub fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

/// The installation repair, from its definition: per component, live installations ordered by
/// (installed_at, stamp of installed_at, id); an end at or before the start counts as open; each
/// ends where the next begins if it was open or ended later; one that starts with the next is
/// deleted (deleted_at = installed_at). Then parts mounted on each other are taken apart
/// ([`repair_cycles`]).
pub fn repair(dump: &mut Dump, stamps: &BTreeMap<(String, String, String), Stamp>) {
    let insts = dump.get_mut("installations").expect("installations");
    let mut by_component: BTreeMap<String, Vec<(i64, Stamp, String)>> = BTreeMap::new();
    for (id, row) in insts.iter() {
        if row["deleted_at"] != Value::Null {
            continue;
        }
        let stamp = stamps
            .get(&("installations".into(), id.clone(), "installed_at".into()))
            .cloned()
            .unwrap_or((0, String::new()));
        by_component
            .entry(text(&row["component_id"]))
            .or_default()
            .push((int(&row["installed_at"]).unwrap_or(0), stamp, id.clone()));
    }
    for list in by_component.values_mut() {
        list.sort();
        for i in 0..list.len() {
            let (start, _, id) = &list[i];
            let next = list.get(i + 1).map(|n| n.0);
            let row = insts.get_mut(id).expect("listed");
            if next == Some(*start) {
                row.insert("deleted_at".into(), Value::Integer(*start));
                continue;
            }
            let end = int(&row["removed_at"]).filter(|e| e > start);
            let wanted = match (end, next) {
                (None, Some(n)) => Some(n),
                (Some(e), Some(n)) if e > n => Some(n),
                (e, _) => e,
            };
            row.insert(
                "removed_at".into(),
                wanted.map_or(Value::Null, Value::Integer),
            );
        }
    }
    repair_cycles(dump, stamps);
}

/// Parts mounted on each other, from the repair's definition: at the earliest instant where
/// following the live mountings on parts open then leads a part back to itself, the mounting in
/// that loop with the greatest (installed_at, stamp, id) stands, and the mounting of the part it
/// was put on ends where it begins (deleted if it began then too). Again until no loop is left.
pub fn repair_cycles(dump: &mut Dump, stamps: &BTreeMap<(String, String, String), Stamp>) {
    loop {
        let Some((winner, loser)) = first_cycle(dump, stamps) else {
            return;
        };
        let insts = dump.get_mut("installations").expect("installations");
        let row = insts.get_mut(&loser.id).expect("listed");
        if loser.from == winner.from {
            row.insert("deleted_at".into(), Value::Integer(loser.from));
        } else {
            row.insert("removed_at".into(), Value::Integer(winner.from));
        }
    }
}

#[derive(Debug, Clone)]
pub struct OnPart {
    pub id: String,
    pub child: String,
    pub parent: String,
    pub from: i64,
    pub until: i64,
    pub key: (i64, Stamp, String),
}

pub fn on_parts(d: &Dump, stamps: &BTreeMap<(String, String, String), Stamp>) -> Vec<OnPart> {
    d["installations"]
        .iter()
        .filter(|(_, row)| row["deleted_at"] == Value::Null && row["parent_id"] != Value::Null)
        .map(|(id, row)| {
            let from = int(&row["installed_at"]).unwrap_or(0);
            let stamp = stamps
                .get(&("installations".into(), id.clone(), "installed_at".into()))
                .cloned()
                .unwrap_or((0, String::new()));
            OnPart {
                id: id.clone(),
                child: text(&row["component_id"]),
                parent: text(&row["parent_id"]),
                from,
                until: int(&row["removed_at"]).unwrap_or(i64::MAX),
                key: (from, stamp, id.clone()),
            }
        })
        .collect()
}

/// The loop at the earliest instant that has one: (the mounting that stands, the one that ends).
fn first_cycle(
    d: &Dump,
    stamps: &BTreeMap<(String, String, String), Stamp>,
) -> Option<(OnPart, OnPart)> {
    let edges = on_parts(d, stamps);
    let mut instants: Vec<i64> = edges.iter().map(|e| e.from).collect();
    instants.sort_unstable();
    instants.dedup();
    for t in instants {
        let open: Vec<&OnPart> = edges
            .iter()
            .filter(|e| e.from <= t && t < e.until)
            .collect();
        // Walk up from every part; a walk longer than the parts there are has looped.
        let mut starts: Vec<&str> = open.iter().map(|e| e.child.as_str()).collect();
        starts.sort_unstable();
        for start in starts {
            let mut path: Vec<&OnPart> = Vec::new();
            let mut node = start;
            while let Some(e) = open.iter().find(|e| e.child == node) {
                if let Some(pos) = path.iter().position(|p| p.child == e.child) {
                    let cycle = &path[pos..];
                    let winner = cycle.iter().max_by(|a, b| a.key.cmp(&b.key))?;
                    let loser = cycle.iter().find(|e| e.child == winner.parent)?;
                    return Some(((*winner).clone(), (*loser).clone()));
                }
                path.push(e);
                node = e.parent.as_str();
            }
        }
    }
    None
}

/// At most one open installation per part, none ending before it starts, none overlapping; no
/// part on itself through its parents at any instant.
pub fn installation_invariants(d: &Dump) -> Result<(), String> {
    if let Some((winner, _)) = first_cycle(d, &BTreeMap::new()) {
        return Err(format!(
            "a part is mounted on itself through its parents from {}: {winner:?}",
            winner.from
        ));
    }
    let mut by_component: BTreeMap<String, Vec<(i64, Option<i64>, String)>> = BTreeMap::new();
    for (id, row) in &d["installations"] {
        if row["deleted_at"] == Value::Null {
            by_component
                .entry(text(&row["component_id"]))
                .or_default()
                .push((
                    int(&row["installed_at"]).unwrap_or(0),
                    int(&row["removed_at"]),
                    id.clone(),
                ));
        }
    }
    for (c, mut list) in by_component {
        list.sort();
        let open = list.iter().filter(|i| i.1.is_none()).count();
        if open > 1 {
            return Err(format!(
                "component {c} has {open} open installations: {list:?}"
            ));
        }
        for w in list.windows(2) {
            match w[0].1 {
                Some(end) if end <= w[1].0 && end > w[0].0 => {}
                _ => return Err(format!("component {c}: {:?} overlaps {:?}", w[0], w[1])),
            }
        }
        if let Some((start, Some(end), id)) = list.last() {
            if end <= start {
                return Err(format!(
                    "component {c}: installation {id} ends before it starts"
                ));
            }
        }
    }
    Ok(())
}

pub fn diff(a: &Dump, b: &Dump) -> String {
    let mut out = String::new();
    for (table, rows) in a {
        let other = &b[table];
        for (id, row) in rows {
            match other.get(id) {
                None => out.push_str(&format!("{table} {id}: only on the left: {row:?}\n")),
                Some(o) if o != row => {
                    for (col, v) in row {
                        if o.get(col) != Some(v) {
                            out.push_str(&format!(
                                "{table} {id}.{col}: {v:?} vs {:?}\n",
                                o.get(col)
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        for id in other.keys().filter(|id| !rows.contains_key(*id)) {
            out.push_str(&format!("{table} {id}: only on the right\n"));
        }
    }
    out
}
