//! What the rider sees of a garage, as the CLI's JSON, for comparing a garage before and after a
//! backup is restored (by the CLI and through the window).

use serde_json::Value;

use super::{str_of, Garage};

impl Garage {
    /// `bikes`, `components --all`, `rides`, the `services` of every rule and `due`, without the
    /// figures that move with the clock between two runs (a calendar rule's days, every
    /// forecast).
    pub fn views(&self) -> Vec<(String, Value)> {
        let mut due = self.json(&["due"]);
        for rule in due.as_array_mut().into_iter().flatten() {
            let Some(rule) = rule.as_object_mut() else {
                continue;
            };
            rule.remove("forecast_days");
            if rule.get("metric").is_some_and(|m| m == "days") {
                for key in ["used", "remaining", "fraction", "state", "cycle"] {
                    rule.remove(key);
                }
            }
        }
        let mut out = vec![
            ("bikes".to_owned(), self.json(&["bikes"])),
            ("components".to_owned(), self.json(&["components", "--all"])),
            (
                "rides".to_owned(),
                self.json(&["rides", "--limit", "100000"]),
            ),
        ];
        for rule in due.as_array().into_iter().flatten() {
            let id = str_of(&rule["rule_id"]);
            out.push((format!("services {id}"), self.json(&["services", &id])));
        }
        out.push(("due".to_owned(), due));
        out
    }
}
