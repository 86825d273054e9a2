"""Each GPX track's distance and moving time by gpxpy (from PyPI; its source package is unpacked by
`make py-venv`), the independent reader the ride file tests compare Pedalwrencher's GPX reader with.

Usage: gpx_summary.py FILE...  ->  one JSON object: {file: summary or {"error": ...}}.

gpxpy is asked for the figures that match Pedalwrencher's documented definitions
(src-tauri/core/src/ride_files/track.rs), each measured segment by segment as gpxpy does:
- "distance_m": `length_2d()`, great-circle legs without elevation;
- "moving_s": `get_moving_data(stopped_speed_threshold=3.6, raw=True).moving_time` with the
  elevations left out: our stop rule (3.6 km/h) on 2D legs, without gpxpy's speed-outlier filter.
gpxpy's own defaults are given beside them for the README's comparison: "distance_3d_m"
(`length_3d()`) and "moving_default_s" (`get_moving_data()`: 1 km/h, 3D legs where both points
have an elevation).
"""

import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".venv", "fixtures", "gpxpy-1.6.2"))

import gpxpy  # noqa: E402


def summary(path):
    with open(path, encoding="utf-8-sig") as f:
        text = f.read().lstrip()
    try:
        gpx = gpxpy.parse(text)
    except Exception as e:  # gpxpy refuses the file: the test says so
        return {"error": str(e)}
    points = [p for t in gpx.tracks for s in t.segments for p in s.points]
    if not any(p.time for p in points):
        return {"error": "no timed track point"}
    flat = copy.deepcopy(gpx)
    for t in flat.tracks:
        for s in t.segments:
            for p in s.points:
                p.elevation = None
    return {
        "distance_m": gpx.length_2d(),
        "moving_s": flat.get_moving_data(stopped_speed_threshold=3.6, raw=True).moving_time,
        "distance_3d_m": gpx.length_3d(),
        "moving_default_s": gpx.get_moving_data().moving_time,
        "points": len(points),
        "segments": sum(len(t.segments) for t in gpx.tracks),
    }


print(json.dumps({path: summary(path) for path in sys.argv[1:]}))
