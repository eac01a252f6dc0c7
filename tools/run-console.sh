#!/usr/bin/env bash
# Sets itself up, then starts the console on the built-in Bengbu simulation.
# Arguments go to city-console (e.g. --speed 60, --run-for 30 --screenshot out.png).
# With no display (a bare server), the console runs on a virtual X screen.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/tools/bootstrap.sh"
cd "$ROOT"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != offscreen ]; then
  echo "run-console: no display; running on a virtual screen (xvfb-run)"
  exec xvfb-run -a -s "-screen 0 1920x1080x24" "$ROOT/.venv/bin/city-console" "$@"
fi
exec "$ROOT/.venv/bin/city-console" "$@"
