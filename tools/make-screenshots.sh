#!/usr/bin/env bash
# Re-makes screenshots/ from the real running console on the built-in simulation.
# Uses a throw-away database and layout so the user's own are not touched.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/tools/bootstrap.sh"
cd "$ROOT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
shoot() {  # name, seconds, extra arguments...
  local name="$1" seconds="$2"
  shift 2
  "$ROOT/.venv/bin/city-console" --headless --run-for "$seconds" \
    --screenshot "$ROOT/screenshots/$name.png" --profile "$WORK/$name" \
    --db "sqlite:///$WORK/$name.db" --history "$WORK/$name-history" --size 1680x1000 "$@"
}
shoot console 40 --start 2026-11-21T07:40 --speed 60
shoot night 25 --start 2026-11-21T02:10 --speed 10
shoot recorded-shift 70 --start 2026-11-21T08:00 --speed 60 --record "$WORK/recording"
shoot review 25 --review "$WORK/recording" --review-at 2026-11-21T08:50
rm -f "$ROOT/screenshots/recorded-shift.png"  # the run only made the recording
"$ROOT/.venv/bin/city-console" --headless --run-for 25 --train --size 1680x1000 \
  --screenshot "$ROOT/screenshots/training.png" --profile "$WORK/training" \
  --history "$WORK/training-history"
# a console on live feeds: the simulation published into a loopback broker
PORT=18883
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$PORT" > "$WORK/broker.conf"
mosquitto -c "$WORK/broker.conf" > "$WORK/broker.log" 2>&1 &
BROKER=$!
"$ROOT/.venv/bin/city-console" simulate --to "mqtt://127.0.0.1:$PORT" --seconds 120 \
  > "$WORK/publisher.log" 2>&1 &
PUBLISHER=$!
shoot live-feed 40 --bus "mqtt://127.0.0.1:$PORT"
kill "$PUBLISHER" "$BROKER" 2>/dev/null || true
"$ROOT/.venv/bin/python" "$ROOT/tools/screenshot_dispatch.py" "$ROOT/screenshots/dispatch.png"
"$ROOT/.venv/bin/python" "$ROOT/tools/screenshot_map.py" "$ROOT/screenshots"
"$ROOT/.venv/bin/python" "$ROOT/tools/screenshot_bridges.py" "$ROOT/screenshots"
"$ROOT/.venv/bin/python" "$ROOT/tools/screenshot_patrol.py" "$ROOT/screenshots"
"$ROOT/.venv/bin/python" "$ROOT/tools/screenshot_region.py" "$ROOT/screenshots/region.png"
echo "screenshots written to $ROOT/screenshots"
