#!/usr/bin/env bash
# Sets up everything the console and its tests need, idempotently:
#   - Debian packages Qt/QtWebEngine need on a bare machine, and the MQTT broker and
#     PostgreSQL server the tests start on loopback (only when run as root),
#   - a virtual environment in .venv with the package and its test tools.
# Sourced by run-console.sh and run-tests.sh; safe to run again (does nothing new).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

DEBIAN_PACKAGES=(
  libnss3 libnspr4 libglib2.0-0 libdbus-1-3 libfontconfig1 libfreetype6
  libx11-6 libx11-xcb1 libxext6 libxrender1 libxi6 libxcursor1 libxcomposite1 libxdamage1
  libxrandr2 libxtst6 libxshmfence1 libxkbfile1 libxkbcommon0 libxkbcommon-x11-0
  libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0
  libxcb-image0 libxcb-randr0 libxcb-xinerama0 libxcb-xfixes0 libxcb-shm0 libxcb-sync1
  libgl1 libegl1 libopengl0 libgbm1 libasound2 libdrm2 libpulse0
  fonts-noto-cjk xvfb xauth tzdata
  mosquitto postgresql
)

install_debian_packages() {
  [ "$(id -u)" = 0 ] || return 0
  command -v apt-get >/dev/null 2>&1 || return 0
  local missing=()
  for package in "${DEBIAN_PACKAGES[@]}" "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

install_python_packages() {
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "bootstrap: Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version))" >&2
    exit 1
  }
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  local stamp="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "bootstrap: installing Python packages into $VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e "$ROOT[test]"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
}

install_debian_packages "$@"
install_python_packages
