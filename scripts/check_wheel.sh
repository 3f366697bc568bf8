#!/usr/bin/env bash
# The wheel stands on its own: build it, install it into an empty virtual environment and, from a
# folder outside the checkout, run `reporter db upgrade` and `reporter demo`, then serve and fetch
# a Spanish page. Catches a catalog, migration, template or package left out of the wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${REPORTER_VENV:-.venv}
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$venv/bin/python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" . 2>/dev/null
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$work"/dist/reporter-*.whl

cd "$work"
export REPORTER_INSTANCE_PATH="$work/instance"
installed=$("$work/venv/bin/python" -c 'import reporter; print(reporter.__file__)')
case "$installed" in
  "$work/venv/"*) ;;
  *) echo "wheel check: reporter was imported from $installed, not from the wheel" >&2; exit 1 ;;
esac
"$work/venv/bin/reporter" db upgrade
"$work/venv/bin/reporter" demo --json >/dev/null

port=$("$work/venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$work/venv/bin/reporter" run --host 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server=$!
"$work/venv/bin/python" - "$port" <<'PY'
import sys
import time
import urllib.request

url = f"http://127.0.0.1:{sys.argv[1]}/es/"
for _ in range(100):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback only)
            page = response.read().decode("utf-8")
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit(f"wheel check: nothing answered at {url}")
for expected in ('<html lang="es"', "Hacer un reporte"):
    if expected not in page:
        sys.exit(f"wheel check: {expected!r} missing from {url}")
print(f"wheel check: installed wheel migrated, built the demo and served {url} in Spanish")
PY
