#!/usr/bin/env bash
# Opens the app on a demo garage inside the current (headless) display and saves a screenshot.
# Usage (from the repo root): tests/scripts/headless.sh tests/scripts/screenshot.sh OUT.png
set -euo pipefail
out=${1:?usage: screenshot.sh OUT.png}
data=$(mktemp -d)
trap 'kill "$app" 2>/dev/null || true; rm -rf "$data"' EXIT
target/debug/pedalwrencher-cli --data-dir "$data" demo >/dev/null
# The README picture shows the garage, not the desktop notifications its reminders raise.
echo '{"notify_native": false}' > "$data/settings.json"
PEDALWRENCHER_DATA_DIR="$data" target/debug/pedalwrencher 2>"$data/app.log" &
app=$!
# Wait (bounded: 60 s) for the app's own mark that the dashboard is drawn (logged after two
# frames, the line `make bench` times start-up by); a fixed pause took blank pictures on a busy
# machine.
drawn=
for _ in $(seq 1 600); do
  if grep -q 'first render: the dashboard is drawn' "$data/app.log"; then drawn=1; break; fi
  sleep 0.1
done
if [ -z "$drawn" ]; then
  cat "$data/app.log" >&2
  echo "the dashboard was not drawn within 60 s; no picture taken" >&2
  exit 1
fi
import -window root "$out"
echo "saved $out"
