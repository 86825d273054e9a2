//! GPX tracks (any GPS device or app, Strava's export): no summary in the format, so distance,
//! moving time and elevation gain are computed from the points (the rules are in `track`), segment
//! by segment: the GPX format starts a new segment where reception was lost or the device was off.
//! `<trk><type>` names the sport when present; a track without one is taken as a ride.

use chrono::DateTime;

use crate::time::Timestamp;

use super::problem::Problem;
use super::sport;
use super::summary::Summary;
use super::track::{Point, Track};
use super::xml;

/// `date` dates a track that has no times (the rider's word); otherwise such a track is refused.
pub fn read(bytes: &[u8], date: Option<Timestamp>) -> Result<Summary, Problem> {
    let doc = xml::start_of_document(bytes, "GPX")?;
    let gpx = gpx::read(doc).map_err(|e| Problem::unreadable("GPX", e))?;
    if gpx.tracks.is_empty() {
        return Err(if gpx.routes.is_empty() {
            Problem::NoData
        } else {
            Problem::NotAnActivity("planned route".into())
        });
    }
    let kind = gpx.tracks.iter().find_map(|t| t.type_.as_deref());
    let cycling = sport::from_gpx_type(kind)?;
    let mut track = Track::default();
    for t in &gpx.tracks {
        for seg in &t.segments {
            track.new_segment();
            for w in &seg.points {
                let p = w.point();
                track.push(Point {
                    lat_lon: Some((p.y(), p.x())),
                    elevation_m: w.elevation,
                    at_ms: w.time.and_then(|t| t.format().ok()).and_then(|s| {
                        DateTime::parse_from_rfc3339(&s)
                            .ok()
                            .map(|d| d.timestamp_millis())
                    }),
                    cumulative_m: None,
                });
            }
        }
    }
    if track.points == 0 {
        return Err(Problem::NoData);
    }
    let name = gpx
        .tracks
        .iter()
        .find_map(|t| t.name.clone())
        .or_else(|| gpx.metadata.as_ref().and_then(|m| m.name.clone()))
        .unwrap_or_default();
    let start = track
        .first_ms
        .map(Timestamp)
        .or(date)
        .ok_or(Problem::Undated)?;
    Ok(Summary {
        start,
        utc_offset_s: None,
        distance_m: track.distance_m,
        moving_time_s: track.moving_s,
        elapsed_time_s: track.elapsed_s().max(track.moving_s),
        elevation_m: track.elevation_gain_m(),
        energy_kj: None,
        sport_type: cycling.sport_type.to_owned(),
        indoor: cycling.indoor,
        name,
        source_id: None,
        records: track.points,
        fingerprint: String::new(),
        sensors: Vec::new(),
    })
}
