#!/usr/bin/env bash
# Every check: ruff, mypy, the test suite on SQLite and on PostgreSQL, then the wheel on its own.
# PostgreSQL: REPORTER_TEST_DATABASE_URL, or the local server at 127.0.0.1:5432 (database "test")
# when it answers; REPORTER_REQUIRE_POSTGRES=1 makes a missing server an error.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
venv=${REPORTER_VENV:-.venv}

# Browser tests drive Debian's Chromium; install it when we can (root with apt-get).
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi

# tests/test_two_servers.py puts Debian's nginx in front of two gunicorn processes.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  fi
fi

# The PDF brief in Chinese needs a font with its letters (WeasyPrint draws with the system's
# fonts; Debian's DejaVu covers the other nine languages).
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh family)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null
  fi
fi

# The Nu Html Checker (npm vnu-jar) runs on Debian's Java.
if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null
  fi
fi

# axe-core and vnu-jar for the accessibility and HTML tests, from the npm registry. No install
# script runs: nothing downloads a browser or a Java of its own (they use Debian's).
if command -v npm >/dev/null 2>&1; then
  npm ci --prefix tests/a11y --no-audit --no-fund --silent --ignore-scripts
fi

"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
"$venv/bin/mypy"

pg_url=${REPORTER_TEST_DATABASE_URL:-postgresql+psycopg://root@127.0.0.1:5432/test}
if "$venv/bin/python" - "$pg_url" <<'PY' 2>/dev/null
import sys
import sqlalchemy
sqlalchemy.create_engine(sys.argv[1]).connect().close()
PY
then
  have_pg=1
else
  have_pg=0
  if [ "${REPORTER_REQUIRE_POSTGRES:-0}" = 1 ]; then
    echo "PostgreSQL at $pg_url does not answer, and REPORTER_REQUIRE_POSTGRES=1" >&2
    exit 1
  fi
  echo "note: PostgreSQL not reachable at $pg_url; running on SQLite only" >&2
fi

echo "== tests on SQLite =="
env -u REPORTER_TEST_DATABASE_URL "$venv/bin/pytest" -q "$@"
if [ "$have_pg" = 1 ]; then
  echo "== tests on PostgreSQL =="
  REPORTER_TEST_DATABASE_URL=$pg_url "$venv/bin/pytest" -q "$@"
fi

echo "== the wheel, installed on its own =="
bash scripts/check_wheel.sh
