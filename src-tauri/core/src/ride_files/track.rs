//! Distance, moving time and elevation gain from a stream of points, for files that carry no
//! summary (GPX, TCX's elevation, a damaged FIT file's records). Points are folded in one at a
//! time, so a long track costs no memory.
//!
//! The rules, so that the numbers can be checked by hand:
//! - **distance**: the great-circle (haversine) length between consecutive positions, or the
//!   difference of the file's own cumulative distance where it has one (FIT, TCX); a GPX segment
//!   break ([`Track::new_segment`]: reception lost, the device off) starts afresh, so the straight
//!   line across the gap counts neither as distance nor as moving time (as gpxpy measures it);
//! - **moving time** (the stop rule): the time between two consecutive points counts when the
//!   rider covered it at [`STOP_SPEED_MPS`] (3.6 km/h, below walking a bike) or faster; slower
//!   intervals and gaps with no movement (a café stop, an auto-paused device) do not;
//! - **elevation gain** (the smoothing): elevations are averaged over the last
//!   [`SMOOTHING_POINTS`] points, and a climb counts once the smoothed elevation is
//!   [`CLIMB_HYSTERESIS_M`] above the lowest point since the last counted climb, so GPS and
//!   barometer noise of a metre or two on the flat adds nothing.

/// Slower than this over an interval is a stop.
pub const STOP_SPEED_MPS: f64 = 1.0;
pub const SMOOTHING_POINTS: usize = 5;
pub const CLIMB_HYSTERESIS_M: f64 = 3.0;

const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// One point as a file gives it; any part may be missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Point {
    pub lat_lon: Option<(f64, f64)>,
    pub elevation_m: Option<f64>,
    /// Unix milliseconds.
    pub at_ms: Option<i64>,
    /// The file's own running distance, when it keeps one.
    pub cumulative_m: Option<f64>,
}

#[derive(Debug, Default)]
pub struct Track {
    pub points: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    pub distance_m: f64,
    pub moving_s: f64,
    pub has_position: bool,
    last_pos: Option<(f64, f64)>,
    last_cum: Option<f64>,
    last_ms_for_speed: Option<i64>,
    leg_m: f64,
    climb: Climb,
}

impl Track {
    pub fn push(&mut self, p: Point) {
        self.points += 1;
        // The leg since the last point, from the file's own distance where it keeps one.
        let leg = match (p.cumulative_m, self.last_cum) {
            (Some(now), Some(before)) if now >= before => Some(now - before),
            _ => match (p.lat_lon, self.last_pos) {
                (Some(a), Some(b)) if p.cumulative_m.is_none() => Some(haversine_m(a, b)),
                _ => None,
            },
        };
        if let Some(leg) = leg {
            self.distance_m += leg;
            self.leg_m += leg;
        }
        if let Some(c) = p.cumulative_m {
            self.last_cum = Some(c);
        }
        if let Some(pos) = p.lat_lon {
            self.has_position = true;
            self.last_pos = Some(pos);
        }
        if let Some(t) = p.at_ms {
            self.first_ms = Some(self.first_ms.map_or(t, |f| f.min(t)));
            self.last_ms = Some(self.last_ms.map_or(t, |l| l.max(t)));
            if let Some(before) = self.last_ms_for_speed {
                let dt = (t - before) as f64 / 1000.0;
                if dt > 0.0 && self.leg_m / dt >= STOP_SPEED_MPS {
                    self.moving_s += dt;
                }
            }
            if self.last_ms_for_speed.is_none_or(|b| t > b) {
                self.last_ms_for_speed = Some(t);
                self.leg_m = 0.0;
            }
        }
        if let Some(e) = p.elevation_m.filter(|e| e.is_finite()) {
            self.climb.push(e);
        }
    }

    /// The next point starts a new segment: no leg joins it to the last one. The climb carries on
    /// (the smoothing is over elevations, which a gap in positions does not break).
    pub fn new_segment(&mut self) {
        self.last_pos = None;
        self.last_cum = None;
        self.last_ms_for_speed = None;
        self.leg_m = 0.0;
    }

    pub fn elevation_gain_m(&self) -> f64 {
        self.climb.gain
    }

    pub fn elapsed_s(&self) -> f64 {
        match (self.first_ms, self.last_ms) {
            (Some(a), Some(b)) => (b - a) as f64 / 1000.0,
            _ => 0.0,
        }
    }
}

#[derive(Debug, Default)]
struct Climb {
    window: [f64; SMOOTHING_POINTS],
    filled: usize,
    next: usize,
    low: Option<f64>,
    gain: f64,
}

impl Climb {
    fn push(&mut self, e: f64) {
        self.window[self.next] = e;
        self.next = (self.next + 1) % SMOOTHING_POINTS;
        self.filled = (self.filled + 1).min(SMOOTHING_POINTS);
        let smooth = self.window[..self.filled].iter().sum::<f64>() / self.filled as f64;
        match self.low {
            None => self.low = Some(smooth),
            Some(low) if smooth < low => self.low = Some(smooth),
            Some(low) if smooth >= low + CLIMB_HYSTERESIS_M => {
                self.gain += smooth - low;
                self.low = Some(smooth);
            }
            Some(_) => {}
        }
    }
}

pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1) = (a.0.to_radians(), a.1.to_radians());
    let (la2, lo2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, ele: f64, s: i64) -> Point {
        Point {
            lat_lon: Some((lat, 10.0)),
            elevation_m: Some(ele),
            at_ms: Some(s * 1000),
            cumulative_m: None,
        }
    }

    #[test]
    fn a_degree_of_latitude_is_about_111_km() {
        let d = haversine_m((45.0, 10.0), (46.0, 10.0));
        assert!((d - 111_195.0).abs() < 100.0, "{d}");
    }

    #[test]
    fn a_stop_does_not_count_as_moving_time() {
        let mut t = Track::default();
        // 10 s at ~11 m/s, then 10 minutes standing still, then 10 s more.
        t.push(at(45.0, 0.0, 0));
        t.push(at(45.001, 0.0, 10));
        t.push(at(45.001, 0.0, 610));
        t.push(at(45.002, 0.0, 620));
        assert_eq!(t.moving_s, 20.0);
        assert_eq!(t.elapsed_s(), 620.0);
        assert!((t.distance_m - 222.4).abs() < 1.0, "{}", t.distance_m);
    }

    #[test]
    fn a_segment_break_adds_neither_distance_nor_moving_time() {
        let mut t = Track::default();
        t.push(at(45.0, 0.0, 0));
        t.push(at(45.001, 0.0, 10));
        t.new_segment();
        // 11 km further on, 10 minutes later: fast enough to count were it joined.
        t.push(at(45.1, 0.0, 610));
        t.push(at(45.101, 0.0, 620));
        assert_eq!(t.moving_s, 20.0);
        assert!((t.distance_m - 222.4).abs() < 1.0, "{}", t.distance_m);
        assert_eq!(t.elapsed_s(), 620.0);
    }

    #[test]
    fn noise_on_the_flat_adds_no_climb_but_a_hill_does() {
        let mut t = Track::default();
        for (i, e) in [100.0, 101.5, 99.0, 101.0, 100.0, 99.5, 101.0]
            .iter()
            .enumerate()
        {
            t.push(at(45.0, *e, i as i64));
        }
        assert_eq!(t.elevation_gain_m(), 0.0);
        for i in 0..50 {
            t.push(at(45.0, 100.0 + i as f64 * 2.0, 10 + i));
        }
        let g = t.elevation_gain_m();
        assert!((90.0..=100.0).contains(&g), "{g}");
    }
}
