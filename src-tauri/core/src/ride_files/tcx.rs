//! TCX (Garmin Training Center; Garmin Connect's and Strava's exports), read as a stream of XML
//! events with `quick-xml`: distance and moving time are the laps' `DistanceMeters` and
//! `TotalTimeSeconds` summed, when present, else computed from the points like a GPX track;
//! elevation gain always comes from the points (TCX has no field for it).

use chrono::DateTime;
use quick_xml::events::Event;
use quick_xml::Reader;

use crate::time::Timestamp;

use super::problem::Problem;
use super::sport;
use super::summary::Summary;
use super::track::{Point, Track};
use super::xml;

#[derive(Default)]
struct Laps {
    seconds: Option<f64>,
    metres: Option<f64>,
    calories: Option<f64>,
    first_start_ms: Option<i64>,
}

pub fn read(bytes: &[u8]) -> Result<Summary, Problem> {
    let doc = xml::start_of_document(bytes, "TCX")?;
    let mut reader = Reader::from_reader(doc);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut sport_attr: Option<String> = None;
    let mut seen_root = false;
    let mut laps = Laps::default();
    let mut track = Track::default();
    let mut point = Point::default();
    let (mut lat, mut lon) = (None, None);
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| Problem::unreadable("TCX", e))?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.is_empty() {
                    if name != "TrainingCenterDatabase" {
                        return Err(Problem::unreadable("TCX", format!("its root is <{name}>")));
                    }
                    seen_root = true;
                }
                match name.as_str() {
                    "Activity" if sport_attr.is_none() => {
                        sport_attr = attribute(&e, b"Sport");
                    }
                    "Lap" => {
                        if let Some(t) = attribute(&e, b"StartTime").and_then(|t| millis(&t)) {
                            laps.first_start_ms.get_or_insert(t);
                        }
                    }
                    "Trackpoint" => {
                        point = Point::default();
                        (lat, lon) = (None, None);
                    }
                    _ => {}
                }
                path.push(name);
            }
            Event::End(_) if path.pop().as_deref() == Some("Trackpoint") => {
                point.lat_lon = lat.zip(lon);
                track.push(point);
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| Problem::unreadable("TCX", e))?;
                let n = path.len();
                let (parent, leaf) = match n {
                    0 | 1 => continue,
                    _ => (path[n - 2].as_str(), path[n - 1].as_str()),
                };
                let num = || text.trim().parse::<f64>().ok().filter(|x| x.is_finite());
                match (parent, leaf) {
                    ("Lap", "TotalTimeSeconds") => add(&mut laps.seconds, num()),
                    ("Lap", "DistanceMeters") => add(&mut laps.metres, num()),
                    ("Lap", "Calories") => add(&mut laps.calories, num()),
                    ("Trackpoint", "Time") => point.at_ms = millis(&text),
                    ("Trackpoint", "AltitudeMeters") => point.elevation_m = num(),
                    ("Trackpoint", "DistanceMeters") => point.cumulative_m = num(),
                    ("Position", "LatitudeDegrees") => lat = num(),
                    ("Position", "LongitudeDegrees") => lon = num(),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !seen_root {
        return Err(Problem::unreadable(
            "TCX",
            "no TrainingCenterDatabase in it",
        ));
    }
    if sport_attr.is_none() {
        return Err(Problem::NotAnActivity("course or workout".into()));
    }
    let cycling = sport::from_tcx(sport_attr.as_deref())?;
    let start = laps
        .first_start_ms
        .or(track.first_ms)
        .map(Timestamp)
        .ok_or(Problem::Undated)?;
    let moving = laps.seconds.unwrap_or(track.moving_s);
    let distance = laps.metres.unwrap_or(track.distance_m);
    Ok(Summary {
        start,
        utc_offset_s: None,
        distance_m: distance,
        moving_time_s: moving,
        elapsed_time_s: track.elapsed_s().max(moving),
        elevation_m: track.elevation_gain_m(),
        // As for FIT: kcal burned is close to kJ of work for cycling.
        energy_kj: laps.calories.filter(|c| *c > 0.0),
        indoor: cycling.indoor || (!track.has_position && distance == 0.0),
        sport_type: cycling.sport_type.to_owned(),
        name: String::new(),
        source_id: None,
        records: track.points,
        fingerprint: String::new(),
        sensors: Vec::new(),
    })
}

fn add(sum: &mut Option<f64>, v: Option<f64>) {
    if let Some(v) = v {
        *sum = Some(sum.unwrap_or(0.0) + v);
    }
}

fn attribute(e: &quick_xml::events::BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn millis(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|d| d.timestamp_millis())
}
