#!/usr/bin/env bash
# Mutation testing of the code that guards people (crypto, audit, retention, rotation,
# authorisation, flood control): mutmut changes that code one small bug at a time and runs the
# suite (without the browser) against each. Prints the kill rate per module and the survivors.
# Takes long (tens of minutes on 2 cores): run it and record the figures in docs/testing.md.
#
#   bash scripts/mutation.sh            # everything in [tool.mutmut] of pyproject.toml
#   bash scripts/mutation.sh --report   # only print the figures of the last run
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${REPORTER_VENV:-.venv}
bash scripts/setup.sh
"$venv/bin/python" -m pip install --quiet -e ".[dev,mutation]"
if [ "${1:-}" != "--report" ]; then
  # Ends non-zero when mutants survive; the figures below are what matters.
  "$venv/bin/mutmut" run --max-children 2 || true
fi
"$venv/bin/python" scripts/mutation_report.py
