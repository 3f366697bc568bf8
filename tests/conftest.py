"""Fixtures: an app on SQLite or PostgreSQL (REPORTER_TEST_DATABASE_URL), a network with keys, helpers."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from reporter import create_app, crypto, migrate
from reporter.db import Base, engine_of, new_session
from reporter.orgs.models import NATIONAL, NETWORK, Organisation
from reporter.orgs.service import create_organisation
from reporter.reports.service import ReceiptSecrets
from reporter.settings import load_settings
from tests.staff import ADVOCACY_KEYS

# CI replays the same examples every run (a red CI must be reproducible); elsewhere hypothesis
# draws new ones each time and keeps those that failed in its database.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "default")

TEST_DATABASE_URL = os.environ.get("REPORTER_TEST_DATABASE_URL", "")
# Cheap Argon2 for tests; the real cost is measured by bench/ and set in Settings.
FAST = {
    "receipt_time_cost": 1,
    "receipt_memory_kib": 1024,
    "password_time_cost": 1,
    "password_memory_kib": 1024,
}


# Rate limits no test reaches unless it sets its own.
LOOSE_LIMITS = dict.fromkeys(
    (
        "submit_rate_limit",
        "receipt_rate_limit",
        "login_rate_limit",
        "anonymous_submit_capacity",
        "anonymous_receipt_capacity",
        "anonymous_login_capacity",
    ),
    "1000 per minute",
)


def make_settings(instance: Path, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "instance_path": str(instance),
        "testing": True,
        "receipt_min_seconds": 0.0,
        **LOOSE_LIMITS,
        **FAST,
    }
    if TEST_DATABASE_URL:
        values["database_url"] = TEST_DATABASE_URL
    values.update(overrides)
    return load_settings(environ={}, **values)


# The local server CI uses: the SQLite run reaches PostgreSQL here when a test needs both.
LOCAL_POSTGRES = "postgresql+psycopg://root@127.0.0.1:5432/test"


def postgres_server_or_skip() -> str:
    """The PostgreSQL server of the run (the suite's, else the local one); a test that needs it
    is skipped without one, unless REPORTER_REQUIRE_POSTGRES=1 makes that a failure."""
    server = TEST_DATABASE_URL if TEST_DATABASE_URL.startswith("postgresql") else LOCAL_POSTGRES
    try:
        sqlalchemy.create_engine(server).connect().close()
    except sqlalchemy.exc.OperationalError:
        if os.environ.get("REPORTER_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"no PostgreSQL at {server}")
    return server


def empty_postgres_database(server: str, prefix: str = "restore") -> Iterator[str]:
    """A new, empty database on that server, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield (sqlalchemy.make_url(server).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """The address of an empty database of the kind the suite runs on."""
    if TEST_DATABASE_URL.startswith("postgresql"):
        yield from empty_postgres_database(TEST_DATABASE_URL)
    else:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"


@pytest.fixture
def other_kind_of_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of the other kind: SQLite for the PostgreSQL run, and the other way."""
    if TEST_DATABASE_URL.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    yield from empty_postgres_database(postgres_server_or_skip())


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def _schema(instance_dir: Path) -> Iterator[None]:
    """Build the schema once per run with the real migrations."""
    app = create_app(make_settings(instance_dir))
    engine = engine_of(app)
    migrate.recreate(engine)
    yield
    engine.dispose()


def _empty_tables(app: Flask) -> None:
    with engine_of(app).begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def app_factory(instance_dir: Path, _schema: None) -> Iterator[Any]:
    """Make apps with changed settings; every table is emptied after the test."""
    made: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = create_app(make_settings(instance_dir, **overrides))
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["reporter.flood"].reset()
    if made:
        _empty_tables(made[0])
        for app in made:
            engine_of(app).dispose()


@pytest.fixture
def app(app_factory: Any) -> Flask:
    application: Flask = app_factory()
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class Network:
    network: Organisation
    brazil: Organisation
    colombia: Organisation
    keys: dict[uuid.UUID, bytes]
    recovery_keys: dict[uuid.UUID, str]

    def key(self, organisation: Organisation) -> bytes:
        return self.keys[organisation.id]


@pytest.fixture
def network(app: Flask) -> Network:
    """A regional network (BR, CO, PE) and national organisations for Brazil and Colombia."""
    session = new_session(app)
    try:
        made = [
            create_organisation(
                session,
                name="Regional Network",
                slug="regional",
                kind=NETWORK,
                countries=["BR", "CO", "PE"],
            ),
            create_organisation(
                session, name="Rede Brasil", slug="brasil", kind=NATIONAL, countries=["BR"]
            ),
            create_organisation(
                session, name="Red Colombia", slug="colombia", kind=NATIONAL, countries=["CO"]
            ),
        ]
        session.commit()
    finally:
        session.close()
    ADVOCACY_KEYS.update({m.organisation.id: m.advocacy_key for m in made})
    return Network(
        network=made[0].organisation,
        brazil=made[1].organisation,
        colombia=made[2].organisation,
        keys={m.organisation.id: m.private_key for m in made},
        recovery_keys={m.organisation.id: m.recovery_key for m in made},
    )


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    session = new_session(app)
    yield session
    session.rollback()
    session.close()


def receipt_secrets_for(app: Flask) -> ReceiptSecrets:
    settings = app.extensions["reporter.settings"]
    return ReceiptSecrets(
        settings.receipt_pepper.encode(),
        crypto.Cost(settings.receipt_time_cost, settings.receipt_memory_kib),
    )


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    match = CSRF_PATTERN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def report_fields(**overrides: Any) -> dict[str, Any]:
    """A complete, valid answer to the report form for Brazil."""
    fields: dict[str, Any] = {
        "country": "BR",
        "violations": ["extortion_bribe", "confiscation_supplies"],
        "violation_other": "",
        "incident_year": "2025",
        "incident_month": "3",
        "incident_day": "14",
        "region": "BR-SP",
        "city": "",
        "location_type": "street_public",
        "perpetrators": ["police"],
        "relation": "self",
        "populations": ["person_who_uses_drugs"],
        "narrative": "Two officers took my syringes and asked for money.",
        "sought_protection": "no",
        "reasons_not": ["fear_of_reprisal"],
        "share_with_network": "y",
        "count_in_statistics": "y",
        "allow_replies": "y",
        "contact": "",
    }
    fields.update(overrides)
    # An unticked yes/no box posts "n" (its hidden twin); leaving the key out keeps the default.
    yes_no = {"share_with_network", "count_in_statistics", "allow_replies", "ongoing"}
    return {
        key: ("n" if value is None and key in yes_no else value)
        for key, value in fields.items()
        if value is not None or key in yes_no
    }


def submit(
    client: FlaskClient, language: str = "en", files: list[Any] | None = None, **overrides: Any
) -> TestResponse:
    """Answer every question, open "Check your answers", and press "Send report" there."""
    data = report_fields(**overrides)
    data.setdefault("csrf_token", csrf_token(client, f"/{language}/followup"))
    check = client.post(f"/{language}/report", data={**data, "page": "more", "action": "check"})
    issued = dict(HIDDEN_DRAFT.findall(check.get_data(as_text=True)))
    if issued:
        data = {**data, **issued}
    data.update(page="check", action="send")
    if files:
        data["attachments"] = files
    return client.post(f"/{language}/report", data=data, content_type="multipart/form-data")


def reply(client: FlaskClient, receipt: str, text: str) -> TestResponse:
    """The reporter answers through the follow-up page, with their receipt."""
    return client.post(
        "/en/followup/reply",
        data={"csrf_token": csrf_token(client, "/en/followup"), "receipt": receipt, "text": text},
        content_type="multipart/form-data",
    )


HIDDEN_DRAFT = re.compile(r'<input type="hidden" name="(draft)" value="([^"]+)">')


RECEIPT_GROUP = re.compile(r'<span class="group">([0-9]{4})</span>')


def receipt_of(response: TestResponse) -> str:
    """The receipt as the page shows it: four groups of four digits."""
    page = response.get_data(as_text=True)
    assert 'class="receipt"' in page, "no receipt on the page"
    receipt = page[page.index('class="receipt"') :]
    groups = RECEIPT_GROUP.findall(receipt[: receipt.index("</p>")])
    assert len(groups) == 4, "no receipt on the page"
    return " ".join(groups)


@pytest.fixture
def live_app(app_factory: Any, network: Network) -> Iterator[tuple[Flask, str]]:
    """The app, with the network, served on a loopback port for a real browser."""
    from tests.browser import live_server

    yield from live_server(app_factory)
