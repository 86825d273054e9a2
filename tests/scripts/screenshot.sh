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
PEDALWRENCHER_DATA_DIR="$data" target/debug/pedalwrencher &
app=$!
# Wait (bounded) for the window to be mapped before taking the picture.
for _ in $(seq 1 100); do
  if xwininfo -root -tree 2>/dev/null | grep -q '"Pedalwrencher"'; then break; fi
  sleep 0.1
done
sleep 2 # the web view paints after the window maps; nothing to poll for from outside
import -window root "$out"
echo "saved $out"
