//! What a sync file holds, before encryption: fields of synced rows, each with the stamp of the
//! write that set it. A segment holds one device's own changes; a snapshot holds a whole garage so
//! a new device can join without replaying years of segments. JSON, compact (cells are arrays),
//! documented here so the format outlives the app.

use std::collections::BTreeMap;

use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The layout of a file. It changes only when a reader of an older format would misread the
/// file; such a file is skipped until this device is updated. Additions (a table, a column, a
/// value) keep the format: they are what `schema` says, and a reader that does not know them
/// keeps them aside for after its own update (`apply::unknown`).
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A device's own changes since its previous file.
    Seg,
    /// A whole garage as the device had it.
    Snap,
}

impl Kind {
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Seg => "seg",
            Kind::Snap => "snap",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub format: u32,
    /// The writer's schema version (`store::latest_version`); 0 in files from before it was said.
    #[serde(default)]
    pub schema: u32,
    pub device: String,
    pub kind: Kind,
    pub seq: i64,
    /// A snapshot that also carries changes of its device no segment has (the device's first
    /// file): devices following it must read it. Others are for joining only.
    #[serde(default)]
    pub fresh: bool,
    /// For a snapshot: up to which file of each device it includes (device id → seq).
    #[serde(default)]
    pub covers: BTreeMap<String, i64>,
    /// The devices the cells' stamps name, referred to by position.
    pub devices: Vec<String>,
    pub tables: Vec<TableCells>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableCells {
    pub table: String,
    pub cols: Vec<String>,
    pub rows: Vec<RowCells>,
}

/// A row's id and the fields carried for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowCells(pub String, pub Vec<Cell>);

/// (column position in `cols`, value, hlc, device position in `devices`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell(pub u32, pub serde_json::Value, pub i64, pub u32);

impl Batch {
    pub fn cells(&self) -> usize {
        self.tables
            .iter()
            .flat_map(|t| &t.rows)
            .map(|r| r.1.len())
            .sum()
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a batch always encodes")
    }

    pub fn decode(bytes: &[u8]) -> Result<Batch> {
        let batch: Batch = serde_json::from_slice(bytes)
            .map_err(|e| Error::Invalid(format!("a sync file could not be read: {e}")))?;
        if batch.format > FORMAT {
            return Err(Error::Invalid(format!(
                "a sync file was written by a newer Pedalwrencher (format {}); update this one",
                batch.format
            )));
        }
        Ok(batch)
    }
}

pub fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => (*i).into(),
        Value::Real(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Value::Text(s) => serde_json::Value::String(s.clone()),
        // No synced column holds bytes; kept readable anyway.
        Value::Blob(b) => serde_json::Value::String(String::from_utf8_lossy(b).into_owned()),
    }
}

pub fn from_json(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Integer(i64::from(*b)),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

/// Builds a batch table by table: interns device ids and column names.
#[derive(Default)]
pub struct Builder {
    devices: Vec<String>,
    device_pos: BTreeMap<String, u32>,
    tables: Vec<TableCells>,
}

impl Builder {
    pub fn device(&mut self, id: &str) -> u32 {
        if let Some(p) = self.device_pos.get(id) {
            return *p;
        }
        let p = self.devices.len() as u32;
        self.devices.push(id.to_owned());
        self.device_pos.insert(id.to_owned(), p);
        p
    }

    pub fn table(&mut self, table: &str, cols: Vec<String>, rows: Vec<RowCells>) {
        if !rows.is_empty() {
            self.tables.push(TableCells {
                table: table.to_owned(),
                cols,
                rows,
            });
        }
    }

    pub fn finish(self, device: &str, kind: Kind, seq: i64) -> Batch {
        Batch {
            format: FORMAT,
            schema: u32::try_from(crate::store::latest_version()).unwrap_or(u32::MAX),
            device: device.to_owned(),
            kind,
            seq,
            fresh: false,
            covers: BTreeMap::new(),
            devices: self.devices,
            tables: self.tables,
        }
    }
}
