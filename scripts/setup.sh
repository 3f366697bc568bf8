#!/usr/bin/env bash
# Create the virtual environment (.venv) and install Reporter with its development tools.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${REPORTER_VENV:-.venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e ".[dev]"
