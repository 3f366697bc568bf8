"""A load run on loopback: a flood of reports and of receipt guesses while a moderator works the
queue, against gunicorn (the shipped settings: 2 workers x 4 threads) on SQLite and on
PostgreSQL, with the production Argon2id costs. Bounded in time; not part of the test suite.

For each database it runs two phases:
- reports alone: reporters send whole reports (form, check, send) as fast as they can, each from
  its own address behind the trusted proxy; what the server's processes spend in CPU per
  accepted report is compared with one Argon2id receipt derivation measured in the same run;
- the flood: the same reporters, plus a guesser trying receipts from one address, plus a
  moderator loading the queue and opening cases; the moderator's page times, the refusals by
  the rate limits and any error are counted.
It prints the servers' memory (all gunicorn processes, RSS) before the first phase and after the
last: it must not grow without bound.

    python bench/load.py                                   # both databases, 20 s per phase
    python bench/load.py --database sqlite --seconds 10
    python bench/load.py --postgresql-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder would come first on the path, and bench/queue.py would
# shadow the standard library's queue module (which redis imports).
sys.path[:] = [str(Path(__file__).resolve().parents[1])] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pyotp
import sqlalchemy as sa

from reporter import create_app, crypto, migrate
from reporter.accounts.models import MODERATOR
from reporter.accounts.service import create_staff_member
from reporter.db import engine_of, new_session
from reporter.orgs.models import NATIONAL
from reporter.orgs.service import create_organisation
from reporter.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
DRAFT = re.compile(r'<input type="hidden" name="(draft)" value="([^"]+)">')
CASE = re.compile(r'href="(/staff/cases/[0-9a-f-]{36})"')
PASSPHRASE = "a long passphrase for the load run"
TOTP = pyotp.random_base32()
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
REPORT = {
    "country": "CO",
    "violations": ["extortion_bribe", "confiscation_supplies"],
    "incident_year": "2025",
    "incident_month": "3",
    "region": "CO-ANT",
    "city": "Medellín",
    "location_type": "street_public",
    "perpetrators": ["police"],
    "relation": "self",
    "populations": ["person_who_uses_drugs"],
    "narrative": "Dos policías me quitaron las jeringas y me pidieron dinero en la esquina.",
    "sought_protection": "no",
    "reasons_not": ["fear_of_reprisal"],
    "share_with_network": "y",
    "count_in_statistics": "y",
    "allow_replies": "y",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _processes(master: int) -> list[int]:
    """The gunicorn master and its workers."""
    found = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                found.append(int(entry.name))
    return found


def _cpu_seconds(master: int) -> float:
    """User and system CPU of the master and its workers, and of workers that ended."""
    total = 0.0
    for pid in _processes(master):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime
        total += sum(int(value) for value in fields[11:15]) / CLOCK_TICKS
    return total


def _memory_mib(master: int) -> float:
    total = 0
    for pid in _processes(master):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
        except OSError:
            continue
    return total / 2**20


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Tally:
    accepted: int = 0
    refused: int = 0  # 429
    errors: list[str] = field(default_factory=list)
    guesses: int = 0
    staff_seconds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


class Server:
    def __init__(self, folder: Path, database_url: str, redis_url: str) -> None:
        self.folder = folder
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.settings = {
            "database_url": database_url,
            "ratelimit_storage_url": redis_url,
            "trusted_proxies": "127.0.0.1",
            # The form's minimum filling time stops robots; this flood is one on purpose.
            "receipt_min_seconds": "0",
            "secret_key": uuid.uuid4().hex * 2,
            "receipt_pepper": uuid.uuid4().hex * 2,
        }
        self.environment = {
            **{key: value for key, value in os.environ.items() if not key.startswith("REPORTER_")},
            **{f"REPORTER_{key.upper()}": value for key, value in self.settings.items()},
            "REPORTER_INSTANCE_PATH": str(folder / "instance"),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def app(self) -> Any:
        values: dict[str, Any] = dict(self.settings)
        values["trusted_proxies"] = ("127.0.0.1",)
        values["receipt_min_seconds"] = 0.0
        return create_app(
            load_settings(environ={}, instance_path=str(self.folder / "tool"), **values)
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--config",
                str(ROOT / "config" / "gunicorn.conf.py"),
                "reporter:create_app()",
            ],
            env=self.environment,
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "gunicorn.log").open("wb"),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/robots.txt", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start: see " + str(self.folder / "gunicorn.log"))

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


def _staff(server: Server) -> None:
    app = server.app()
    session = new_session(app)
    try:
        created = create_organisation(
            session, name="Red Colombia", slug="colombia", kind=NATIONAL, countries=["CO"]
        )
        create_staff_member(
            session,
            created.organisation,
            username="moderadora",
            role=MODERATOR,
            password=PASSPHRASE,
            organisation_private_key=created.private_key,
            advocacy_key=created.advocacy_key,
            cost=app.extensions["reporter.settings"].password_cost,
            totp_secret=TOTP,
        )
        session.commit()
    finally:
        session.close()
        engine_of(app).dispose()


def _argon2_seconds(cost: Any, at_once: int, repeats: int = 9) -> list[float]:
    """Receipt derivations at the server's cost, `at_once` at a time (each in a thread of its
    own: Argon2 leaves Python's lock), in CPU seconds per derivation."""
    crypto.set_receipt_threads(at_once)
    spent = []
    for _ in range(repeats):
        started = time.process_time()
        threads = [
            threading.Thread(
                target=crypto.derive_receipt_keys,
                args=(crypto.new_receipt(), os.urandom(16), b"p" * 32, cost),
            )
            for _ in range(at_once)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        spent.append((time.process_time() - started) / at_once)
    return spent


def _reporter(server: Server, number: int, deadline: float, tally: Tally) -> None:
    sent = 0
    with httpx.Client(base_url=server.base, timeout=60) as client:
        while time.monotonic() < deadline:
            sent += 1
            client.headers["X-Forwarded-For"] = f"10.{number}.{sent // 250}.{sent % 250 + 1}"
            try:
                page = client.get("/es/report")
                token = TOKEN.search(page.text)
                if token is None:
                    tally.error(f"form {page.status_code}")
                    continue
                fields = {**REPORT, "csrf_token": token.group(1)}
                check = client.post(
                    "/es/report", data={**fields, "page": "more", "action": "check"}
                )
                fields.update(dict(DRAFT.findall(check.text)))
                done = client.post("/es/report", data={**fields, "page": "check", "action": "send"})
            except httpx.TransportError as error:
                tally.error(type(error).__name__)
                continue
            with tally.lock:
                if done.status_code == 200 and 'class="receipt"' in done.text:
                    tally.accepted += 1
                elif done.status_code == 429:
                    tally.refused += 1
                else:
                    tally.errors.append(f"send {done.status_code}")


def _guesser(server: Server, deadline: float, tally: Tally) -> None:
    with httpx.Client(
        base_url=server.base, timeout=60, headers={"X-Forwarded-For": "10.200.0.1"}
    ) as client:
        while time.monotonic() < deadline:
            try:
                page = client.get("/es/followup")
                token = TOKEN.search(page.text)
                answer = client.post(
                    "/es/followup",
                    data={
                        "csrf_token": token.group(1) if token else "",
                        "receipt": crypto.new_receipt(),
                    },
                )
            except httpx.TransportError as error:
                tally.error(type(error).__name__)
                continue
            with tally.lock:
                tally.guesses += 1
                if answer.status_code == 429:
                    tally.refused += 1
                elif answer.status_code >= 500:
                    tally.errors.append(f"guess {answer.status_code}")
            if answer.status_code == 429:
                time.sleep(0.5)  # as a script would: it keeps coming back


def _moderator(server: Server, deadline: float, tally: Tally) -> None:
    with httpx.Client(
        base_url=server.base, timeout=60, headers={"X-Forwarded-For": "10.250.0.1"}
    ) as client:
        page = client.get("/staff/login")
        token = TOKEN.search(page.text)
        done = client.post(
            "/staff/login",
            data={
                "csrf_token": token.group(1) if token else "",
                "username": "moderadora",
                "passphrase": PASSPHRASE,
                "code": pyotp.TOTP(TOTP).now(),
            },
        )
        if done.status_code != 302:
            tally.error(f"login {done.status_code}")
            return
        opened = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            queue = client.get("/staff/queue")
            elapsed = time.perf_counter() - started
            if queue.status_code != 200:
                tally.error(f"queue {queue.status_code}")
                continue
            tally.staff_seconds.append(elapsed)
            cases = CASE.findall(queue.text)
            if cases:
                opened += 1
                started = time.perf_counter()
                case = client.get(cases[opened % len(cases)])
                if case.status_code == 200:
                    tally.staff_seconds.append(time.perf_counter() - started)
                else:
                    tally.error(f"case {case.status_code}")
            time.sleep(0.5)  # reading the page


def _phase(
    server: Server, seconds: float, reporters: int, flood: bool
) -> tuple[Tally, float, float]:
    tally = Tally()
    assert server.process is not None
    cpu = _cpu_seconds(server.process.pid)
    started = time.monotonic()
    deadline = started + seconds
    threads = [
        threading.Thread(target=_reporter, args=(server, number, deadline, tally))
        for number in range(reporters)
    ]
    if flood:
        threads.append(threading.Thread(target=_guesser, args=(server, deadline, tally)))
        threads.append(threading.Thread(target=_moderator, args=(server, deadline, tally)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started, _cpu_seconds(server.process.pid) - cpu


def run(
    database: str, database_url: str, redis_url: str, seconds: float, reporters: int
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="reporter-load-") as folder:
        (Path(folder) / "instance").mkdir(mode=0o700)
        if database == "sqlite":
            database_url = f"sqlite:///{folder}/instance/reporter.sqlite3"
        server = Server(Path(folder), database_url, redis_url)
        migrate.upgrade(sa.create_engine(database_url))
        _staff(server)
        cost = server.app().extensions["reporter.settings"].receipt_cost
        # Measured before the server starts and after it stops, the machine otherwise idle: one
        # alone, and as many at once as the server runs (a worker each, on this machine's cores),
        # which share the memory bus (64 MiB each).
        at_once = min(2, os.cpu_count() or 1)
        argon2 = _argon2_seconds(cost, 1)
        argon2_shared = _argon2_seconds(cost, at_once)
        server.start()
        try:
            assert server.process is not None
            _phase(server, 3, reporters, flood=False)  # warm up: imports, first connections
            memory_start = _memory_mib(server.process.pid)
            alone, alone_seconds, alone_cpu = _phase(server, seconds, reporters, flood=False)
            memory_middle = _memory_mib(server.process.pid)
            flood, flood_seconds, flood_cpu = _phase(server, seconds, reporters, flood=True)
            memory_end = _memory_mib(server.process.pid)
        finally:
            server.stop()
        argon2 += _argon2_seconds(cost, 1)
        argon2_shared += _argon2_seconds(cost, at_once)
    per_report = alone_cpu / max(1, alone.accepted)
    median = statistics.median(argon2)
    shared = statistics.median(argon2_shared)
    return {
        "database": database,
        "argon2_ms": median * 1000,
        "argon2_range": f"{min(argon2) * 1000:.0f}-{max(argon2) * 1000:.0f}",
        "alone_rate": alone.accepted / alone_seconds,
        "cpu_per_report_ms": per_report * 1000,
        "ratio": per_report / median,
        "argon2_shared_ms": shared * 1000,
        "shared_ratio": per_report / shared,
        "alone_errors": len(alone.errors),
        "flood_rate": flood.accepted / flood_seconds,
        "flood_cpu_per_report_ms": flood_cpu / max(1, flood.accepted) * 1000,
        "guesses": flood.guesses,
        "refused": flood.refused + alone.refused,
        "errors": flood.errors + alone.errors,
        "staff_p50_ms": _percentile(flood.staff_seconds, 0.5) * 1000,
        "staff_p95_ms": _percentile(flood.staff_seconds, 0.95) * 1000,
        "staff_pages": len(flood.staff_seconds),
        "memory_start_mib": memory_start,
        "memory_middle_mib": memory_middle,
        "memory_end_mib": memory_end,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--postgresql-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--reporters", type=int, default=4)
    arguments = parser.parse_args()
    databases = ["sqlite", "postgresql"] if arguments.database == "both" else [arguments.database]
    results = []
    for database in databases:
        url = ""
        if database == "postgresql":
            name = f"load_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(arguments.postgresql_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.exec_driver_sql(f"CREATE DATABASE {name}")
            url = (
                sa.make_url(arguments.postgresql_url)
                .set(database=name)
                .render_as_string(hide_password=False)
            )
        try:
            results.append(
                run(database, url, arguments.redis_url, arguments.seconds, arguments.reporters)
            )
        finally:
            if database == "postgresql":
                with admin.connect() as connection:
                    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.dispose()
    print(
        "| database | Argon2id alone (CPU, median and range of 18) | two at once (each) "
        "| reports/s alone | server CPU per report | x Argon2id alone | x two at once "
        "| reports/s in the flood | CPU per report in the flood | guesses | refused (429) "
        "| errors | staff p50 / p95 (pages) | memory: start → after reports alone → after the flood |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['database']} | {r['argon2_ms']:.0f} ms ({r['argon2_range']}) "
            f"| {r['argon2_shared_ms']:.0f} ms | {r['alone_rate']:.1f} "
            f"| {r['cpu_per_report_ms']:.0f} ms | {r['ratio']:.2f} | {r['shared_ratio']:.2f} "
            f"| {r['flood_rate']:.1f} "
            f"| {r['flood_cpu_per_report_ms']:.0f} ms | {r['guesses']} | {r['refused']} "
            f"| {len(r['errors'])} | {r['staff_p50_ms']:.0f} / {r['staff_p95_ms']:.0f} ms "
            f"({r['staff_pages']}) | {r['memory_start_mib']:.0f} → {r['memory_middle_mib']:.0f} "
            f"→ {r['memory_end_mib']:.0f} MiB |"
        )
        if r["errors"]:
            print(f"  {r['database']} errors: {sorted(set(r['errors']))[:10]}")


if __name__ == "__main__":
    main()
