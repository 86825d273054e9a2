//! Garmin Connect's gear in its bulk export: `DI_CONNECT/DI-Connect-Fitness/<user>_gear.json`
//! names the rider's gear and links it to activity ids; `<user>_summarizedActivities.json`
//! (same folder, possibly split into several files) gives each activity id its start. The
//! uploaded FIT files carry neither id nor gear, so a file's ride gets the gear of the activity
//! that starts within a minute of it (the way other readers of this export pair them).
//!
//! The formats, as Garmin writes them (both are a one-element array around an object):
//! - gear: `[{"gearDTOS": [{"gearPk": 123, "displayName": "…", "customMakeModel": "…",
//!   "gearTypeName": "Bike", …}], "gearActivityDTOs": {"123": [{"activityId": 456, …}]}, …}]`;
//! - activities: `[{"summarizedActivitiesExport": [{"activityId": 456, "beginTimestamp": ms,
//!   "startTimeGmt": ms, …}]}]`.
//!
//! Shoes are not bikes and are passed over; of two kinds of gear on one activity, the bike wins.
//! Files of years can be large: they are read as a stream of the fields used here, the rest is
//! skipped without being kept.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use serde::Deserialize;

use crate::time::Timestamp;

use super::import::SAME_START_MS;
use super::problem::Problem;

/// The gear of a Garmin export, by activity, and when each activity started.
#[derive(Debug, Default)]
pub struct GarminGear {
    /// Activity id → the name of its gear (a bike, or other gear when no bike is linked).
    gear_of: HashMap<i64, Linked>,
    /// Activity starts (Unix ms) with their ids, sorted, for the activities that have gear.
    starts: Vec<(i64, i64)>,
}

#[derive(Debug, Clone)]
struct Linked {
    name: String,
    bike: bool,
}

#[derive(Deserialize)]
struct GearFile {
    #[serde(default, rename = "gearDTOS")]
    gear: Vec<GearDto>,
    #[serde(default, rename = "gearActivityDTOs")]
    links: BTreeMap<String, Vec<LinkDto>>,
}

#[derive(Deserialize)]
struct GearDto {
    #[serde(rename = "gearPk")]
    pk: Option<i64>,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
    #[serde(rename = "customMakeModel")]
    make_model: Option<String>,
    #[serde(rename = "gearTypeName")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct LinkDto {
    #[serde(rename = "activityId")]
    activity_id: Option<i64>,
}

#[derive(Deserialize)]
struct ActivitiesFile {
    #[serde(default, rename = "summarizedActivitiesExport")]
    activities: Vec<ActivityDto>,
}

#[derive(Deserialize)]
struct ActivityDto {
    #[serde(rename = "activityId")]
    id: Option<i64>,
    #[serde(rename = "beginTimestamp")]
    begin: Option<f64>,
    #[serde(rename = "startTimeGmt")]
    start_gmt: Option<serde_json::Value>,
}

/// Whether an archive entry is Garmin's gear file.
pub fn is_gear_file(name: &str) -> bool {
    name.contains("DI-Connect-Fitness/") && name.ends_with("_gear.json")
}

/// Whether an archive entry is one of Garmin's activity summaries.
pub fn is_activities_file(name: &str) -> bool {
    name.contains("DI-Connect-Fitness/") && name.ends_with("_summarizedActivities.json")
}

fn bad(what: &str, e: serde_json::Error) -> Problem {
    Problem::GarminGear(format!("{what}: {e}"))
}

impl GarminGear {
    pub fn is_empty(&self) -> bool {
        self.gear_of.is_empty()
    }

    /// Adds the links of one `*_gear.json`.
    pub fn read_gear(&mut self, file: impl Read) -> Result<(), Problem> {
        let files: Vec<GearFile> =
            serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| bad("gear", e))?;
        for f in files {
            let mut names = HashMap::new();
            for g in f.gear {
                let Some(pk) = g.pk else { continue };
                let kind = g.kind.unwrap_or_default();
                if kind.eq_ignore_ascii_case("shoes") {
                    continue;
                }
                let name = [g.display_name, g.make_model]
                    .into_iter()
                    .flatten()
                    .map(|n| n.trim().to_owned())
                    .find(|n| !n.is_empty())
                    .unwrap_or_else(|| format!("Garmin gear {pk}"));
                let bike = kind.eq_ignore_ascii_case("bike");
                names.insert(pk.to_string(), Linked { name, bike });
            }
            for (pk, links) in f.links {
                let Some(linked) = names.get(&pk) else {
                    continue;
                };
                for id in links.into_iter().filter_map(|l| l.activity_id) {
                    let keep = self.gear_of.get(&id).is_none_or(|old| !old.bike);
                    if keep {
                        self.gear_of.insert(id, linked.clone());
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds the starts of one `*_summarizedActivities.json`; only activities with gear are kept.
    /// Call after every gear file was read.
    pub fn read_activities(&mut self, file: impl Read) -> Result<(), Problem> {
        let files: Vec<ActivitiesFile> = serde_json::from_reader(std::io::BufReader::new(file))
            .map_err(|e| bad("activity list", e))?;
        for a in files.into_iter().flat_map(|f| f.activities) {
            let Some(id) = a.id.filter(|id| self.gear_of.contains_key(id)) else {
                continue;
            };
            let start = a
                .begin
                .or_else(|| a.start_gmt.as_ref().and_then(serde_json::Value::as_f64));
            if let Some(ms) = start {
                self.starts.push((ms as i64, id));
            }
        }
        self.starts.sort_unstable();
        Ok(())
    }

    /// The gear of the activity that starts within a minute of `start`, the nearest one.
    pub fn gear_for(&self, start: Timestamp) -> Option<String> {
        let from = self
            .starts
            .partition_point(|(ms, _)| *ms < start.0 - SAME_START_MS);
        self.starts[from..]
            .iter()
            .take_while(|(ms, _)| *ms <= start.0 + SAME_START_MS)
            .min_by_key(|(ms, _)| (ms - start.0).abs())
            .and_then(|(_, id)| self.gear_of.get(id))
            .map(|l| l.name.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GEAR: &str = r#"[{"gearDTOS":[
        {"gearPk":11,"uuid":"a","displayName":"Red Bike","customMakeModel":"Trek Domane","gearTypeName":"Bike","gearStatusName":"active"},
        {"gearPk":12,"displayName":"","customMakeModel":"Pegasus","gearTypeName":"Shoes"},
        {"gearPk":13,"displayName":null,"customMakeModel":"Trainer","gearTypeName":"Other"}],
        "gearActivityDTOs":{"11":[{"activityId":1001,"gearPk":11}],
            "12":[{"activityId":1002,"gearPk":12},{"activityId":1001,"gearPk":12}],
            "13":[{"activityId":1003,"gearPk":13},{"activityId":1001,"gearPk":13}]},
        "gearActivityTypeDTOS":[]}]"#;
    const ACTIVITIES: &str = r#"[{"summarizedActivitiesExport":[
        {"activityId":1001,"name":"Ride","beginTimestamp":1500000000000,"distance":3050000.0},
        {"activityId":1002,"name":"Run","beginTimestamp":1500100000000},
        {"activityId":1003,"startTimeGmt":1500200000000},
        {"activityId":1004,"beginTimestamp":1500300000000}]}]"#;

    fn read() -> GarminGear {
        let mut g = GarminGear::default();
        g.read_gear(GEAR.as_bytes()).unwrap();
        g.read_activities(ACTIVITIES.as_bytes()).unwrap();
        g
    }

    #[test]
    fn an_activity_gets_its_bike_by_start_within_a_minute() {
        let g = read();
        assert_eq!(
            g.gear_for(Timestamp(1_500_000_030_000)).as_deref(),
            Some("Red Bike")
        );
        assert_eq!(g.gear_for(Timestamp(1_500_000_000_000 + 61_000)), None);
    }

    #[test]
    fn shoes_are_not_bikes_and_other_gear_keeps_its_make_and_model() {
        let g = read();
        assert_eq!(g.gear_for(Timestamp(1_500_100_000_000)), None);
        assert_eq!(
            g.gear_for(Timestamp(1_500_200_000_000)).as_deref(),
            Some("Trainer")
        );
        assert_eq!(g.gear_for(Timestamp(1_500_300_000_000)), None);
    }

    #[test]
    fn a_file_that_is_not_garmins_format_says_so() {
        let mut g = GarminGear::default();
        let e = g.read_gear(&b"{\"gear\": 1}"[..]).unwrap_err();
        assert!(e.to_string().contains("without their gear"), "{e}");
        assert!(!e.is_skip());
    }
}
