#!/usr/bin/env bash
# Quick start: install, build a demo network in SQLite (instance/), and serve it on 127.0.0.1:5000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
venv=${REPORTER_VENV:-.venv}
export REPORTER_INSTANCE_PATH=${REPORTER_INSTANCE_PATH:-$PWD/instance}
"$venv/bin/reporter" demo
echo
echo "Serving on http://127.0.0.1:${PORT:-5000}/  (Ctrl-C stops it)"
exec "$venv/bin/reporter" run --host 127.0.0.1 --port "${PORT:-5000}"
