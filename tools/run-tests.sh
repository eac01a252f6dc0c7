#!/usr/bin/env bash
# Sets itself up, then runs the whole test suite:
#   1. lint (ruff) and types (mypy --strict on the core),
#   2. the core tests with Qt made unimportable (the core must run without Qt),
#   3. everything else, Qt tests offscreen.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/tools/bootstrap.sh"
cd "$ROOT"
export QT_QPA_PLATFORM=offscreen
PY="$ROOT/.venv/bin/python"
echo "== lint and types"
"$PY" -m ruff check console tests bench tools
"$PY" -m mypy
echo "== core tests, Qt unavailable"
"$PY" -m pytest -q -p no:pytest-qt -p tests.support.no_qt tests/core "$@"
echo "== all other tests"
"$PY" -m pytest -q --ignore=tests/core "$@"
