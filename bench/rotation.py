"""Key rotation at scale: `reporter keys rotate` over 100,000 reports, timed, then a second
rotation killed (SIGKILL) partway and run again, after which every report is checked.

Seeds one organisation with real encrypted reports (bench/queue.py's seeding: sealed keys,
encrypted content, blind-index tokens), runs the command line as an administrator would (the
recovery key typed at its prompt), and checks at the end that every case is sealed to the newest
key and that each of its three keys opens with it, and each report's content with its key:
nothing lost.

    python bench/rotation.py                     # SQLite in a temporary folder, 100,000 reports
    python bench/rotation.py --reports 10000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[:] = [str(Path(__file__).resolve().parents[1])] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

import argparse
import importlib.util
import os
import signal
import subprocess
import tempfile
import time
import uuid
from typing import Any

from sqlalchemy import func, select

from reporter import create_app, crypto, migrate
from reporter.db import engine_of, new_session
from reporter.orgs.models import Organisation
from reporter.orgs.service import open_with_recovery_key
from reporter.reports.models import Case, Report
from reporter.reports.service import content_associated_data, sealed_key_associated_data
from reporter.settings import load_settings

REPORTER_CLI = Path(sys.executable).with_name("reporter")


def _queue_bench() -> Any:
    """bench/queue.py, loaded by path: its name would shadow the standard library's queue."""
    spec = importlib.util.spec_from_file_location(
        "queue_bench", Path(__file__).with_name("queue.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["queue_bench"] = module
    spec.loader.exec_module(module)
    return module


def _rotate(
    environment: dict[str, str], recovery_key: str, kill_after: float | None
) -> tuple[float, int]:
    """Run `reporter keys rotate bench`; kill it after `kill_after` seconds if given. Returns
    the seconds it ran and its exit status."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(REPORTER_CLI), "keys", "rotate", "bench", "--batch-size", "200"],
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None
    process.stdin.write(recovery_key.encode() + b"\n")
    process.stdin.close()
    if kill_after is not None:
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
    status = process.wait()
    if status not in (0, -signal.SIGKILL):
        raise SystemExit(process.stderr.read().decode() if process.stderr else str(status))
    return time.perf_counter() - started, status


def _state(app: Any) -> dict[int, int]:
    """Cases by key version."""
    session = new_session(app)
    try:
        rows = session.execute(select(Case.key_version, func.count()).group_by(Case.key_version))
        return dict(rows.all())
    finally:
        session.close()


def _check_everything(app: Any, recovery_key: str) -> tuple[int, float]:
    """Every case sealed to the newest key, each key and each content opening: how many, in how
    long."""
    started = time.perf_counter()
    session = new_session(app)
    try:
        organisation = session.scalars(
            select(Organisation).where(Organisation.slug == "bench")
        ).one()
        private_key = open_with_recovery_key(session, organisation, recovery_key)
        checked = 0
        for case, content in session.execute(
            select(Case, Report.content)
            .join(Report, Report.id == Case.report_id)
            .where(Case.organisation_id == organisation.id)
            .execution_options(yield_per=2000)
        ):
            if case.key_version != organisation.key_version:
                raise SystemExit(f"case {case.report_id} is still on key {case.key_version}")
            keys = {
                purpose: crypto.unseal(
                    private_key,
                    case.sealed_key(purpose),
                    sealed_key_associated_data(case.report_id, case.organisation_id, purpose),
                )
                for purpose in ("content", "thread", "case")
            }
            crypto.decrypt(keys["content"], content, content_associated_data(case.report_id))
            checked += 1
        return checked, time.perf_counter() - started
    finally:
        session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--kill-after", type=float, default=0.4, help="share of the first run's time"
    )
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="reporter-rotation-"))
    secrets = {"secret_key": uuid.uuid4().hex * 2, "receipt_pepper": uuid.uuid4().hex * 2}
    overrides: dict[str, Any] = {"instance_path": str(folder), **secrets}
    if arguments.database_url:
        overrides["database_url"] = arguments.database_url
    settings = load_settings(environ={}, **overrides)
    app = create_app(settings)
    migrate.recreate(engine_of(app))
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("REPORTER_")},
        "REPORTER_INSTANCE_PATH": str(folder),
        "REPORTER_DATABASE_URL": settings.database_url,
        **{f"REPORTER_{key.upper()}": value for key, value in secrets.items()},
    }
    started = time.perf_counter()
    _organisation_id, _private_key, recovery_key = _queue_bench()._seed(app, arguments.reports)
    seeded = time.perf_counter() - started
    print(
        f"database: {engine_of(app).dialect.name}; {arguments.reports:,} reports seeded in {seeded:.0f} s"
    )

    whole, status = _rotate(environment, recovery_key, None)
    assert status == 0
    print(
        f"rotation 1 -> 2, uninterrupted: {whole:.1f} s ({arguments.reports / whole:,.0f} reports/s); cases by version: {_state(app)}"
    )

    cut, status = _rotate(environment, recovery_key, whole * arguments.kill_after)
    print(
        f"rotation 2 -> 3, killed after {cut:.1f} s (exit {status}); cases by version: {_state(app)}"
    )
    resumed, status = _rotate(environment, recovery_key, None)
    assert status == 0
    print(
        f"the same command again carried on and finished in {resumed:.1f} s; cases by version: {_state(app)}"
    )
    checked, seconds = _check_everything(app, recovery_key)
    if checked != arguments.reports:
        raise SystemExit(f"{checked} cases checked, {arguments.reports} seeded")
    print(
        f"every case ({checked:,}) sealed to the newest key, its keys and content open: checked in {seconds:.0f} s"
    )
    engine_of(app).dispose()


if __name__ == "__main__":
    main()
