//! What a rider does with a garage through the CLI, one step each, and the listings read back
//! through `--json`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Garage;
use crate::{sql, tables};

impl Garage {
    /// `bike add NAME`; returns its id.
    pub fn add_bike(&self, name: &str) -> String {
        id_of(&self.json(&["bike", "add", name]))
    }

    /// `component add ARGS`; returns its id and its rules' ids by task.
    pub fn add_component(&self, args: &[&str]) -> (String, BTreeMap<String, String>) {
        let out = self.json(&[&["component", "add"], args].concat());
        let rules = out["rules"]
            .as_array()
            .expect("rules array")
            .iter()
            .map(|r| (str_of(&r["task"]), str_of(&r["id"])))
            .collect();
        (str_of(&out["component"]["id"]), rules)
    }

    /// `ride add [--bike BIKE] --date DATE --distance KM --force EXTRA`; returns its id. With
    /// `--force`: wear tests log months of riding as one long ride, beyond what one ride can be
    /// (the refusal itself is tested in `cli/ride_limits.rs`).
    pub fn add_ride(&self, bike: Option<&str>, date: &str, km: &str, extra: &[&str]) -> String {
        let mut args = vec!["ride", "add", "--date", date, "--distance", km, "--force"];
        if let Some(b) = bike {
            args.extend(["--bike", b]);
        }
        args.extend_from_slice(extra);
        id_of(&self.json(&args))
    }

    /// `due`: every rule's status.
    pub fn due(&self) -> Vec<Value> {
        self.json(&["due"])
            .as_array()
            .expect("due prints an array")
            .clone()
    }

    /// The status of one rule in `due`.
    pub fn status_of(&self, rule: &str) -> Value {
        self.due()
            .into_iter()
            .find(|r| r["rule_id"] == rule)
            .unwrap_or_else(|| panic!("rule {rule} is not in `due`"))
    }

    /// How much of its interval a rule has used.
    pub fn used(&self, rule: &str) -> f64 {
        num(&self.status_of(rule)["used"])
    }

    /// A rule's state: ok, due_soon, due…
    pub fn state(&self, rule: &str) -> String {
        str_of(&self.status_of(rule)["state"])
    }

    /// `bikes`: every bike with its totals.
    pub fn bikes(&self) -> Vec<Value> {
        self.json(&["bikes"])
            .as_array()
            .expect("bikes prints an array")
            .clone()
    }

    /// One bike as `bikes` lists it.
    pub fn bike(&self, id: &str) -> Value {
        self.bikes()
            .into_iter()
            .find(|b| b["id"] == id)
            .unwrap_or_else(|| panic!("bike {id} not listed"))
    }

    /// The rows of `table`, counted straight in the database.
    pub fn count(&self, table: &str) -> i64 {
        sql::count(&self.db(), table)
    }

    /// Row counts of the garage tables, the wear cache and `meta`.
    pub fn counts(&self) -> BTreeMap<&'static str, i64> {
        tables::GARAGE
            .iter()
            .chain(&[tables::USAGE_CACHE, "meta"])
            .map(|&t| (t, self.count(t)))
            .collect()
    }

    /// Like [`Garage::fails_with`], and the database is exactly as it was before, and still
    /// sound; the message starts with "error:".
    pub fn rejects(&self, args: &[&str], code: i32, needle: &str) -> String {
        let counts = self.counts();
        let before = self.snapshot();
        let stderr = self.fails_with(args, code, needle);
        assert!(
            stderr.starts_with("error:"),
            "`{}`: stderr should start with 'error:':\n{stderr}",
            args.join(" ")
        );
        assert_eq!(
            self.counts(),
            counts,
            "`{}` changed row counts",
            args.join(" ")
        );
        assert_eq!(
            self.snapshot(),
            before,
            "`{}` changed the database",
            args.join(" ")
        );
        self.assert_integrity();
        stderr
    }

    /// Every row of every table, as text.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<String>> {
        let conn = self.db();
        sql::tables(&conn)
            .into_iter()
            .map(|t| {
                let rows = sql::rows(&conn, &t);
                (t, rows)
            })
            .collect()
    }

    pub fn assert_integrity(&self) {
        assert_eq!(sql::integrity(&self.db()), "ok");
    }
}

pub fn str_of(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
        .to_owned()
}

pub fn num(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("expected a number, got {v}"))
}

pub fn id_of(v: &Value) -> String {
    str_of(&v["id"])
}
