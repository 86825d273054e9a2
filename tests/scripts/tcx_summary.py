"""Each TCX file's summary by tcxreader (from PyPI), the independent reader the ride file tests
compare Pedalwrencher's TCX reader with.

Usage: tcx_summary.py FILE...  ->  one JSON object: {file: summary or {"error": ...}}.

"distance_m" is tcxreader's `distance`: the laps' DistanceMeters summed, as ours. tcxreader does
not read a lap's TotalTimeSeconds (our moving time); its `duration` ("span_s") is the time from the
first track point to the last, which equals the laps' timer time only for a recording without
pauses.
"""

import json
import sys

from tcxreader.tcxreader import TCXReader


def summary(path):
    try:
        exercise = TCXReader().read(path, only_gps=False)
    except Exception as e:  # tcxreader refuses the file: the test says so
        return {"error": str(e)}
    return {
        "distance_m": exercise.distance,
        "span_s": exercise.duration,
        "sport": exercise.activity_type,
        "laps": len(exercise.laps),
    }


print(json.dumps({path: summary(path) for path in sys.argv[1:]}))
