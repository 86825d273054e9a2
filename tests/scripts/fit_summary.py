"""Each FIT file's ride summary by Garmin's own FIT SDK (garmin-fit-sdk from PyPI), the
independent reader the ride file tests compare Pedalwrencher's reader with.

Usage: fit_summary.py FILE...  ->  one JSON object: {file: summary or {"error": ...}}.
A summary sums the file's cycling sessions: distance (m), timer time (s), start (unix s).
"""

import json
import sys

from garmin_fit_sdk import Decoder, Stream


def summary(path):
    stream = Stream.from_file(path)
    decoder = Decoder(stream)
    messages, errors = decoder.read()
    sessions = [
        s for s in messages.get("session_mesgs", [])
        if str(s.get("sport")) in ("cycling", "e_biking")
    ]
    if not sessions:
        return {"error": "no cycling session", "errors": [str(e) for e in errors]}
    return {
        "distance_m": sum(s.get("total_distance") or 0 for s in sessions),
        "timer_s": sum(s.get("total_timer_time") or 0 for s in sessions),
        "start_s": min(int(s["start_time"].timestamp()) for s in sessions if s.get("start_time")),
    }


print(json.dumps({path: summary(path) for path in sys.argv[1:]}))
