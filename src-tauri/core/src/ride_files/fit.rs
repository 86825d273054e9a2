//! FIT files from head units (Garmin, Wahoo, Hammerhead, Coros) and apps, read with `fitparser`
//! one message at a time, so a file damaged part-way still gives what came before the damage.
//!
//! The ride is the file's cycling sessions, summed (a multi-sport file's swim and run are left
//! out): timer time (not elapsed) is the moving time. Files without a session (cut short, or the
//! Strava Android app's) are summed from their records instead, with the stop rule of `track`.

use std::collections::{BTreeSet, HashMap};

use fitparser::de::{DecodeOption, FitObject, FitStreamProcessor};
use fitparser::profile::MesgNum;
use fitparser::{FitDataRecord, Value};

use crate::time::Timestamp;

use super::problem::Problem;
use super::sport::{self, Cycling};
use super::summary::{Sensor, Summary};
use super::track::{Point, Track};

/// A FIT file says so at bytes 8..12.
pub fn looks_like_fit(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[8..12] == b".FIT"
}

#[derive(Debug, Default)]
struct Session {
    start_s: Option<i64>,
    timer_s: Option<f64>,
    elapsed_s: Option<f64>,
    distance_m: Option<f64>,
    ascent_m: Option<f64>,
    work_j: Option<f64>,
    calories: Option<f64>,
    sport: Option<String>,
    sub_sport: Option<String>,
}

#[derive(Debug, Default)]
struct Reading {
    file_type: Option<String>,
    source_id: Option<String>,
    sport: Option<String>,
    sub_sport: Option<String>,
    sessions: Vec<Session>,
    offset_s: Option<i32>,
    sensors: BTreeSet<Sensor>,
    track: Track,
    records: u64,
}

pub fn read(bytes: &[u8]) -> Result<Summary, Problem> {
    if !looks_like_fit(bytes) {
        return Err(Problem::unreadable(
            "FIT",
            "it does not start with a FIT header",
        ));
    }
    // The parser is third-party code fed outside input (it unwraps in places): a panic in it
    // must fail this one file, not the whole import.
    std::panic::catch_unwind(|| read_unguarded(bytes)).unwrap_or_else(|_| {
        Err(Problem::unreadable(
            "FIT",
            "the FIT reader could not decode it",
        ))
    })
}

fn read_unguarded(bytes: &[u8]) -> Result<Summary, Problem> {
    let mut reading = Reading::default();
    let mut processor = FitStreamProcessor::new();
    // A CRC mismatch is common in files cut short by a flat battery; the messages are still good.
    processor.add_option(DecodeOption::SkipHeaderCrcValidation);
    processor.add_option(DecodeOption::SkipDataCrcValidation);
    let mut rest = bytes;
    let mut damage: Option<String> = None;
    while !rest.is_empty() {
        match processor.deserialize_next(rest) {
            Ok((next, obj)) => {
                rest = next;
                match obj {
                    FitObject::Crc(_) => processor.reset(),
                    FitObject::DataMessage(msg) => match processor.decode_message(msg) {
                        Ok(record) => take(&mut reading, record),
                        Err(e) => {
                            damage = Some(e.to_string());
                            break;
                        }
                    },
                    FitObject::Header(_) | FitObject::DefinitionMessage(_) => {}
                }
            }
            Err(e) => {
                damage = Some(e.to_string());
                break;
            }
        }
    }
    summarise(reading, damage)
}

fn summarise(r: Reading, damage: Option<String>) -> Result<Summary, Problem> {
    if let Some(kind) = r.file_type.as_deref() {
        if kind != "activity" && kind != "4" {
            return Err(Problem::NotAnActivity(kind.replace('_', " ")));
        }
    }
    let sensors: Vec<Sensor> = r.sensors.into_iter().collect();
    if !r.sessions.is_empty() {
        return from_sessions(
            r.sessions,
            r.sport,
            r.sub_sport,
            r.offset_s,
            r.source_id,
            r.records,
            sensors,
            r.track.has_position,
        );
    }
    // No summary: the records are all there is (a file cut short, or one that never has one).
    if r.track.points == 0 {
        return Err(match damage {
            Some(why) => Problem::unreadable("FIT", format!("damaged before any ride data: {why}")),
            None => Problem::NoData,
        });
    }
    let cycling = sport::from_fit(r.sport.as_deref(), r.sub_sport.as_deref())?;
    let t = &r.track;
    let Some(first) = t.first_ms else {
        return Err(Problem::Undated);
    };
    Ok(Summary {
        start: Timestamp(first),
        utc_offset_s: r.offset_s,
        distance_m: t.distance_m,
        moving_time_s: t.moving_s,
        elapsed_time_s: t.elapsed_s(),
        elevation_m: t.elevation_gain_m(),
        energy_kj: None,
        indoor: cycling.indoor || (!t.has_position && t.distance_m == 0.0),
        sport_type: cycling.sport_type.to_owned(),
        name: String::new(),
        source_id: r.source_id,
        records: r.records,
        fingerprint: String::new(),
        sensors,
    })
}

#[allow(clippy::too_many_arguments)]
fn from_sessions(
    sessions: Vec<Session>,
    sport: Option<String>,
    sub_sport: Option<String>,
    offset_s: Option<i32>,
    source_id: Option<String>,
    records: u64,
    sensors: Vec<Sensor>,
    has_position: bool,
) -> Result<Summary, Problem> {
    let mut rides: Vec<(Session, Cycling)> = Vec::new();
    let mut first_refusal = None;
    for s in sessions {
        let sp = s.sport.clone().or_else(|| sport.clone());
        let sub = s.sub_sport.clone().or_else(|| sub_sport.clone());
        match sport::from_fit(sp.as_deref(), sub.as_deref()) {
            Ok(c) => rides.push((s, c)),
            Err(p) => {
                first_refusal.get_or_insert(p);
            }
        }
    }
    if rides.is_empty() {
        return Err(first_refusal.unwrap_or(Problem::UnknownSport));
    }
    let start_s = rides
        .iter()
        .filter_map(|(s, _)| s.start_s)
        .min()
        .ok_or(Problem::Undated)?;
    let sum = |f: fn(&Session) -> Option<f64>| -> Option<f64> {
        rides
            .iter()
            .filter_map(|(s, _)| f(s))
            .fold(None, |a, v| Some(a.unwrap_or(0.0) + v))
    };
    let distance_m = sum(|s| s.distance_m).unwrap_or(0.0);
    let timer = sum(|s| s.timer_s).unwrap_or(0.0);
    let work = sum(|s| s.work_j);
    // Calories burned and kilojoules of work are close for cycling (about 4.2 kJ burned per kcal
    // at about 24 % efficiency), the rule of thumb head units and Strava use.
    let energy_kj = work.map(|j| j / 1000.0).or_else(|| sum(|s| s.calories));
    let indoor = rides.iter().all(|(_, c)| c.indoor) || (!has_position && distance_m == 0.0);
    Ok(Summary {
        start: Timestamp(start_s * 1000),
        utc_offset_s: offset_s,
        distance_m,
        moving_time_s: timer,
        elapsed_time_s: sum(|s| s.elapsed_s).unwrap_or(timer).max(timer),
        elevation_m: sum(|s| s.ascent_m).unwrap_or(0.0),
        energy_kj,
        sport_type: if indoor {
            "VirtualRide"
        } else {
            rides[0].1.sport_type
        }
        .to_owned(),
        indoor,
        name: String::new(),
        source_id,
        records,
        sensors,
        fingerprint: String::new(),
    })
}

fn take(r: &mut Reading, record: FitDataRecord) {
    let kind = record.kind();
    let mut f: HashMap<String, Value> = HashMap::new();
    for field in record.into_vec() {
        f.insert(field.name().to_owned(), field.into_value());
    }
    match kind {
        MesgNum::FileId => {
            r.file_type = text(f.get("type"));
            let serial = text(f.get("serial_number"));
            let created = f.get("time_created").and_then(seconds);
            if let (Some(serial), Some(created)) = (serial, created) {
                let maker = text(f.get("manufacturer")).unwrap_or_default();
                r.source_id = Some(format!("fit:{maker}:{serial}:{created}"));
            }
        }
        MesgNum::Sport => {
            r.sport = text(f.get("sport")).or(r.sport.take());
            r.sub_sport = text(f.get("sub_sport")).or(r.sub_sport.take());
        }
        MesgNum::Session => r.sessions.push(Session {
            start_s: f.get("start_time").and_then(seconds),
            timer_s: number(f.get("total_timer_time")),
            elapsed_s: number(f.get("total_elapsed_time")),
            distance_m: number(f.get("total_distance")),
            ascent_m: number(f.get("total_ascent")),
            work_j: number(f.get("total_work")),
            calories: number(f.get("total_calories")),
            sport: text(f.get("sport")),
            sub_sport: text(f.get("sub_sport")),
        }),
        MesgNum::Activity => {
            let utc = f.get("timestamp").and_then(seconds);
            let local = match f.get("local_timestamp") {
                Some(Value::Timestamp(t)) => rider_wall_clock(t),
                _ => None,
            };
            if let (Some(utc), Some(local)) = (utc, local) {
                let off = local - utc;
                // A real offset is within ±18 h; anything else is noise.
                if off.abs() <= 18 * 3600 {
                    r.offset_s = Some(off as i32);
                }
            }
        }
        MesgNum::DeviceInfo => {
            if let Some(serial) = text(f.get("serial_number")).filter(|s| s != "0") {
                let maker = text(f.get("manufacturer")).unwrap_or_else(|| "unknown".into());
                let kind = text(f.get("antplus_device_type"))
                    .or_else(|| text(f.get("device_type")))
                    .or_else(|| text(f.get("local_device_type")))
                    .unwrap_or_else(|| match text(f.get("device_index")).as_deref() {
                        Some("creator") | Some("0") => "head unit".into(),
                        _ => "sensor".into(),
                    });
                r.sensors.insert(Sensor {
                    serial: format!("{maker}:{serial}"),
                    kind,
                });
            }
        }
        MesgNum::Record => {
            r.records += 1;
            let lat = number(f.get("position_lat")).map(semicircles_to_degrees);
            let lon = number(f.get("position_long")).map(semicircles_to_degrees);
            r.track.push(Point {
                lat_lon: lat.zip(lon),
                elevation_m: number(f.get("enhanced_altitude"))
                    .or_else(|| number(f.get("altitude"))),
                at_ms: f.get("timestamp").and_then(seconds).map(|s| s * 1000),
                cumulative_m: number(f.get("distance")),
            });
        }
        _ => {}
    }
}

/// The rider's wall clock, as seconds since 1970 written as if it were UTC. fitparser turns a
/// FIT local date-time (seconds since 1989-12-31 00:00 on the rider's clock) into an instant by
/// placing that epoch in this machine's time zone; taking the same epoch back out gives the
/// seconds the file holds, whatever this machine's zone and its daylight-saving rules.
fn rider_wall_clock(t: &chrono::DateTime<chrono::Local>) -> Option<i64> {
    use chrono::{Local, NaiveDate, TimeZone};
    const FIT_EPOCH_UNIX: i64 = 631_065_600;
    let epoch = NaiveDate::from_ymd_opt(1989, 12, 31)?.and_hms_opt(0, 0, 0)?;
    let placed = Local.from_local_datetime(&epoch).single()?;
    Some(FIT_EPOCH_UNIX + (t.timestamp() - placed.timestamp()))
}

fn semicircles_to_degrees(s: f64) -> f64 {
    s * 180.0 / 2f64.powi(31)
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Invalid | Value::Array(_) => None,
        other => Some(other.to_string()),
    }
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Invalid | Value::String(_) | Value::Array(_) | Value::Timestamp(_) => None,
        other => {
            let x: Result<f64, _> = other.clone().try_into();
            x.ok().filter(|x| x.is_finite())
        }
    }
}

fn seconds(v: &Value) -> Option<i64> {
    match v {
        Value::Timestamp(t) => Some(t.timestamp()),
        _ => None,
    }
}
