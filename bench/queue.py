"""Time the moderation queue as reports pile up: 1,000, 10,000 and 100,000 reports.

Each size gets a fresh database with one organisation and real encrypted reports (sealed keys,
encrypted content, blind-index tokens as after a staff visit), then a logged-in moderator loads
the first page and a filtered page through the real view, several times; the median is printed.

    python bench/queue.py                      # SQLite in a temporary folder
    python bench/queue.py --database-url postgresql+psycopg://root@127.0.0.1:5432/test
    python bench/queue.py --sizes 1000,10000   # fewer sizes
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on the path and its name would shadow the
# standard library's queue module (which database drivers import).
sys.path[:] = [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

import argparse
import datetime as dt
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reporter import create_app, crypto, migrate
from reporter.cases.service import PRIORITY_RANK
from reporter.db import engine_of, new_session
from reporter.orgs.keyring import Keyring
from reporter.orgs.models import Organisation
from reporter.orgs.service import create_organisation
from reporter.queue.blind_index import index_token
from reporter.reports.models import Case, IndexToken, Report
from reporter.reports.service import content_associated_data, sealed_key_associated_data
from reporter.settings import load_settings
from reporter.vocabulary import VIOLATION_KEYS

FAST = {
    "receipt_time_cost": 1,
    "receipt_memory_kib": 1024,
    "password_time_cost": 1,
    "password_memory_kib": 1024,
}
STATUSES = ["new"] * 5 + ["in_review", "documented", "referred", "closed", "spam"]


# Each seeded organisation's advocacy key, which a member created for it receives.
ADVOCACY_KEYS: dict[uuid.UUID, bytes] = {}


def _reset(app: object) -> None:
    migrate.recreate(engine_of(app))  # type: ignore[arg-type]


def _filler(rng: random.Random) -> str:
    return "x" * rng.randint(200, 2000)


def _seed(
    app: object,
    count: int,
    narrative: Callable[[random.Random], str] = _filler,
    extra: tuple[
        type[Any], Callable[[Organisation, bytes, uuid.UUID, dict[str, Any]], dict[str, Any]]
    ]
    | None = None,
) -> tuple[uuid.UUID, bytes, str]:
    """One organisation with `count` encrypted reports: its id, private key and recovery key.
    `narrative` writes each story; `extra`, if given, is a model and the row of it each case
    gets (made from the organisation, its private key, the report id and content)."""
    session = new_session(app)  # type: ignore[arg-type]
    org = create_organisation(
        session, name="Bench", slug="bench", kind="national", countries=["BR", "CO"]
    )
    session.commit()
    organisation, private_key, recovery_key = org.organisation, org.private_key, org.recovery_key
    ADVOCACY_KEYS[organisation.id] = org.advocacy_key
    blind = Keyring(organisation, {1: private_key}).index_key
    rng = random.Random(42)
    start = dt.date(2026, 11, 1)
    batch_reports, batch_cases, batch_tokens = [], [], []
    batch_extra: list[dict[str, Any]] = []
    for number in range(count):
        report_id = uuid.uuid4()
        country = rng.choice(["BR", "BR", "BR", "CO"])
        violations = rng.sample(VIOLATION_KEYS, 2)
        content = {
            "violations": violations,
            "violation_other": "",
            "incident_year": 2026,
            "incident_month": None,
            "incident_day": None,
            "date_precision": "year",
            "country": country,
            "region": "",
            "city": "",
            "location_type": "street_public",
            "perpetrators": ["police"],
            "relation": "self",
            "populations": [],
            "narrative": narrative(rng),
            "sought_protection": "",
            "reasons_not": [],
            "share_with_network": False,
            "count_in_statistics": True,
            "allow_replies": True,
            "contact": "",
            "language": "es",
            "attachments": [],
        }
        content_key, thread_key = crypto.new_key(), crypto.new_key()
        received = start - dt.timedelta(days=number * 3650 // max(count, 1))
        batch_reports.append(
            {
                "id": report_id,
                "reference": f"B{number:07d}",
                "received_on": received,
                "language": "es",
                "lookup_id": os.urandom(32),
                "thread_key_for_reporter": os.urandom(60),
                "attachment_count": 0,
                "withdrawn": False,
                "content": crypto.encrypt(
                    content_key, json.dumps(content).encode(), content_associated_data(report_id)
                ),
            }
        )

        def sealed(key: bytes, purpose: str, report_id: uuid.UUID = report_id) -> bytes:
            return crypto.seal(
                organisation.public_key,
                key,
                sealed_key_associated_data(report_id, organisation.id, purpose),
            )

        batch_cases.append(
            {
                "report_id": report_id,
                "organisation_id": organisation.id,
                "is_primary": True,
                "status": rng.choice(STATUSES),
                "priority": (priority := rng.choice(["low", "normal", "normal", "high", "urgent"])),
                "priority_rank": PRIORITY_RANK[priority],
                "assignee_id": None,
                "unread_replies": 0,
                "closed_on": None,
                "received_on": received,
                "language": "es",
                "indexed": True,
                "key_version": 1,
                "sealed_content_key": sealed(content_key, "content"),
                "sealed_thread_key": sealed(thread_key, "thread"),
                "sealed_case_key": sealed(crypto.new_key(), "case"),
            }
        )
        for field_name, value in [("country", country), *(("violation", v) for v in violations)]:
            batch_tokens.append(
                {
                    "report_id": report_id,
                    "organisation_id": organisation.id,
                    "token": index_token(blind, field_name, value),
                    "received_on": received,
                }
            )
        if extra is not None:
            batch_extra.append(extra[1](organisation, private_key, report_id, content))
        if len(batch_reports) >= 2000 or number == count - 1:
            session.execute(insert(Report), batch_reports)
            session.execute(insert(Case), batch_cases)
            session.execute(insert(IndexToken), batch_tokens)
            if extra is not None:
                session.execute(insert(extra[0]), batch_extra)
            session.commit()
            batch_reports, batch_cases, batch_tokens, batch_extra = [], [], [], []
    engine = engine_of(app)  # type: ignore[arg-type]
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    session.close()
    return organisation.id, private_key, recovery_key


def _login(app: object, organisation_id: uuid.UUID, private_key: bytes) -> object:
    import re

    import pyotp

    from reporter.accounts.service import create_staff_member

    session = new_session(app)  # type: ignore[arg-type]
    org = session.get(Organisation, organisation_id)
    secret = pyotp.random_base32()
    create_staff_member(
        session,
        org,
        username="bench",
        role="moderator",
        password="bench passphrase long",
        organisation_private_key=private_key,
        advocacy_key=ADVOCACY_KEYS[organisation_id],
        cost=crypto.Cost(1, 1024),
        totp_secret=secret,
    )
    session.commit()
    session.close()
    client = app.test_client()  # type: ignore[attr-defined]
    page = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/staff/login",
        data={
            "csrf_token": token,
            "username": "bench",
            "passphrase": "bench passphrase long",
            "code": pyotp.TOTP(secret).now(),
        },
    )
    assert response.status_code == 302, response.status_code
    return client


def _time(client: object, url: str, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeats", type=int, default=15)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="reporter-bench-"))
    overrides = {**FAST, "instance_path": str(folder), "login_rate_limit": "1000 per minute"}
    if options.database_url:
        overrides["database_url"] = options.database_url
    settings = load_settings(environ={}, **overrides)
    app = create_app(settings)
    engine = engine_of(app)
    print(
        f"database: {engine.dialect.name}; page size {settings.queue_page_size}; median of {options.repeats}"
    )
    print(f"{'reports':>8} {'seed s':>8} {'first page ms':>14} {'filtered ms':>12}")
    results = {}
    filtered = "/staff/queue?status=new&country=BR"
    for size in (int(s) for s in options.sizes.split(",")):
        _reset(app)
        started = time.perf_counter()
        organisation_id, private_key, _recovery_key = _seed(app, size)
        seeded = time.perf_counter() - started
        client = _login(app, organisation_id, private_key)
        _time(client, "/staff/queue", 2)  # warm caches
        first = _time(client, "/staff/queue", options.repeats)
        narrow = _time(client, filtered, options.repeats)
        results[size] = (first, narrow)
        print(f"{size:>8} {seeded:>8.1f} {first:>14.1f} {narrow:>12.1f}")
    if len(results) > 1:
        smallest, largest = min(results), max(results)
        print(
            f"ratio {largest} / {smallest}: first page {results[largest][0] / results[smallest][0]:.2f}x, "
            f"filtered {results[largest][1] / results[smallest][1]:.2f}x (target: at most 1.5x)"
        )
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
