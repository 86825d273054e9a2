#!/usr/bin/env bash
# Runs a command the way a desktop session would: a private X display (Xvfb, picked free by
# xvfb-run) and a private D-Bus session bus. Everything started inside ends with the command.
set -euo pipefail
exec xvfb-run --auto-servernum --server-args="-screen 0 1280x800x24 -nolisten tcp" \
  dbus-run-session -- "$@"
