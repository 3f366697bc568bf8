"""The operations page: an administrator sees whether the server is in order (database, schema,
disk, the last purge and backup, the keys of the organisations they look after), and nobody else
sees it; it does not exist on the public surface."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from reporter.accounts.models import ADVOCATE, MODERATOR, NETWORK_ADMIN, ORG_ADMIN
from reporter.db import new_session
from reporter.operations.status import Disk
from reporter.orgs.models import Organisation
from tests.conftest import Network
from tests.staff import login, make_member
from tests.test_admin_pages import _rows

PAGE = "/staff/admin/operations"


def _fact(page: str, name: str) -> str:
    """The text of one line of the page's list of facts."""
    match = re.search(rf"<dt>{re.escape(name)}</dt><dd>(.*?)</dd>", page, re.S)
    assert match, f"no {name!r} on the page"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def _client(app: Flask, network: Network, organisation: Organisation, role: str) -> FlaskClient:
    name = f"{role}-{organisation.slug}"
    make_member(app, organisation, network.key(organisation), name, role)
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def test_an_admin_sees_the_server_and_the_keys_of_their_organisation(
    app: Flask, network: Network, tmp_path: Path
) -> None:
    admin = _client(app, network, network.brazil, ORG_ADMIN)
    page = admin.get(PAGE).get_data(as_text=True)
    assert _fact(page, "Database").startswith("Answers in ")
    assert _fact(page, "Database structure") == "Up to date (0009)"
    assert re.fullmatch(r"[\d,.]+ GB of [\d,.]+ GB \(\d+%\).*", _fact(page, "Free disk space"))
    assert _fact(page, "Last purge") == (
        "Never More than two days ago: check the daily timer of “reporter purge”."
    )
    assert _fact(page, "Last backup") == "Never More than a week ago: run “reporter backup”."
    assert _rows(page) == [
        {
            "Organisation": "Rede Brasil",
            "Key version": "1",
            "Statistics key version": "1",
            "Key change": "None under way",
            "Recovery key checked": "Never: run “reporter keys confirm brasil”",
        }
    ]

    runner = app.test_cli_runner()
    assert runner.invoke(args=["purge"]).exit_code == 0
    assert runner.invoke(args=["backup", str(tmp_path / "backup.tar")]).exit_code == 0
    confirmed = runner.invoke(
        args=["keys", "confirm", "brasil"], input=network.recovery_keys[network.brazil.id] + "\n"
    )
    assert confirmed.exit_code == 0
    page = admin.get(PAGE).get_data(as_text=True)
    today = dt.date.today()
    day = f"{today:%b} {today.day}, {today.year}"
    assert _fact(page, "Last purge") == day
    assert _fact(page, "Last backup") == day
    assert _rows(page)[0]["Recovery key checked"] == day


def test_a_network_admin_sees_every_organisation(app: Flask, network: Network) -> None:
    admin = _client(app, network, network.network, NETWORK_ADMIN)
    rows = _rows(admin.get(PAGE).get_data(as_text=True))
    assert [row["Organisation"] for row in rows] == [
        "Red Colombia",
        "Rede Brasil",
        "Regional Network",
    ]


def test_an_unfinished_key_change_and_an_old_schema_are_named(
    app: Flask, network: Network, monkeypatch: Any
) -> None:
    admin = _client(app, network, network.brazil, ORG_ADMIN)
    session = new_session(app)
    try:
        organisation = session.get(Organisation, network.brazil.id)
        assert organisation is not None
        organisation.next_public_key = organisation.public_key
        session.commit()
    finally:
        session.close()
    monkeypatch.setattr("reporter.operations.status.head_revision", lambda engine: "0010")
    monkeypatch.setattr(
        "reporter.operations.status._disk", lambda engine, folder: Disk(5 * 10**9, 100 * 10**9)
    )
    page = admin.get(PAGE).get_data(as_text=True)
    assert _rows(page)[0]["Key change"] == "Not finished: run “reporter keys rotate brasil” again"
    assert _fact(page, "Database structure") == (
        "Needs an upgrade: the database is at 0009, this version needs 0010. "
        "Run “reporter db upgrade”."
    )
    assert _fact(page, "Free disk space") == (
        "5.0 GB of 100.0 GB (5%) Less than a tenth is free: when the disk is full, reports "
        "cannot be received."
    )


def test_only_admins_see_it_and_the_public_surface_has_no_such_page(
    app_factory: Any, network: Network
) -> None:
    app = app_factory()
    for role in (MODERATOR, ADVOCATE):
        assert _client(app, network, network.brazil, role).get(PAGE).status_code == 403
    public = app_factory(surfaces="public").test_client()
    response = public.get(PAGE)
    assert response.status_code == 404
    assert "operations" not in response.get_data(as_text=True).lower()
