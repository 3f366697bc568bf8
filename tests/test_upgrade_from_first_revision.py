"""An instance of the first release, with its data, upgraded to today's schema: a database at
the first revision, filled through the services of that time (`scripts/upgrade_fixture.py`
built `tests/data/upgrade-0001/`), is loaded into an empty database of the run's kind, upgraded to
head, and every item still opens: staff log in, the case with its story, file, messages, note
and coding, the reporter's receipt, the recovery keys, the audit chain and the statistics."""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import re
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from reporter import migrate
from reporter.db import engine_of, new_session
from reporter.labels import VIOLATION_LABELS
from reporter.migrate import current_revision, head_revision
from reporter.operations.backup import restore_backup
from reporter.orgs.models import Organisation
from reporter.orgs.service import open_advocacy_key_with_recovery_key
from reporter.statistics.service import counts
from tests.conftest import csrf_token
from tests.staff import code, login

FIXTURE = Path(__file__).resolve().parent / "data" / "upgrade-0001"


def _upgraded(app_factory: Any, database_url: str) -> tuple[Flask, dict[str, Any]]:
    expected = json.loads((FIXTURE / "expected.json").read_text())
    app = app_factory(
        database_url=database_url,
        secret_key=expected["secret_key"],
        receipt_pepper=expected["receipt_pepper"],
    )
    restored = restore_backup(
        engine_of(app), FIXTURE / "backup.tar", expected["secret_key"], expected["receipt_pepper"]
    )
    assert restored.revision == "0001"
    return app, expected


def test_an_instance_of_the_first_release_opens_after_the_upgrade(
    empty_database: str, app_factory: Any
) -> None:
    """(The database is asked for first, so that it is dropped after the app lets it go.)"""
    app, expected = _upgraded(app_factory, empty_database)
    with engine_of(app).connect() as connection:
        assert current_revision(connection) == head_revision(engine_of(app))

    # The first release had no authenticated head: the operator seals it once, then it verifies.
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "seal"]).exit_code == 0
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    # Staff log in with the passphrase and authenticator of that time.
    people = {person["username"]: person for person in expected["staff"]}
    moderator = app.test_client()
    person = people["brazil.moderator"]
    response = login(
        moderator, person["username"], person["password"], code(secret=person["totp_secret"])
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")

    # The worked case: story, messages both ways, note, coding, file.
    case = expected["worked_case"]
    queue = moderator.get("/staff/queue").get_data(as_text=True)
    assert f"/staff/cases/{case['report_id']}" in queue
    page = moderator.get(f"/staff/cases/{case['report_id']}").get_data(as_text=True)
    for text in case["texts"]:
        assert text in page, text
    coded = page[page.index('id="coding"') : page.index('id="referrals"')]
    assert html.escape(str(VIOLATION_LABELS["extortion_bribe"])) in coded
    files = re.findall(rf'href="(/staff/cases/{case["report_id"]}/files/[^"]+)"', page)
    assert len(files) == 1
    picture = moderator.get(files[0])
    assert picture.status_code == 200
    assert (
        hashlib.sha256(picture.data).hexdigest()
        == hashlib.sha256(bytes.fromhex(case["picture"])).hexdigest()
    )

    # The reporter's receipt opens the thread, with the answer of that time.
    reporter = app.test_client()
    thread = reporter.post(
        "/en/followup",
        data={"csrf_token": csrf_token(reporter, "/en/followup"), "receipt": case["receipt"]},
    )
    assert thread.status_code == 200
    assert "UPGRADE are you safe now?" in thread.get_data(as_text=True)
    for sample in expected["sample_receipts"]:
        opened = reporter.post(
            "/en/followup",
            data={"csrf_token": csrf_token(reporter, "/en/followup"), "receipt": sample["receipt"]},
        )
        assert opened.status_code == 200, sample

    # Every recovery key still opens its organisation's keys.
    for slug, recovery_key in expected["recovery_keys"].items():
        confirmed = runner.invoke(args=["keys", "confirm", slug], input=recovery_key + "\n")
        assert confirmed.exit_code == 0, confirmed.output

    # The clear-text counts of that time became encrypted statistics (one contribution per case
    # since the moderator's login) that the advocacy key opens, and an advocate's page.
    session = new_session(app)
    try:
        brazil = session.scalar(select(Organisation).where(Organisation.slug == "demo-brazil"))
        assert brazil is not None
        advocacy_key = open_advocacy_key_with_recovery_key(
            session, brazil, expected["recovery_keys"]["demo-brazil"]
        )
        cells = counts(session, brazil, {brazil.advocacy_key_version: advocacy_key})
    finally:
        session.close()
    act = ("BR", "BR-SP", "2025-03", "extortion_bribe", "police", "sex_worker")
    assert cells[(*act, "acts")] == 1
    advocate = app.test_client()
    person = people["brazil.advocate"]
    signed_in = login(
        advocate, person["username"], person["password"], code(secret=person["totp_secret"])
    )
    assert signed_in.status_code == 302
    assert advocate.get("/staff/stats").status_code == 200

    # And another organisation's moderator reaches their own reports, not Brazil's.
    other = app.test_client()
    person = people["colombia.moderator"]
    assert (
        login(
            other, person["username"], person["password"], code(secret=person["totp_secret"])
        ).status_code
        == 302
    )
    assert other.get(f"/staff/cases/{case['report_id']}").status_code == 404


def test_every_revision_runs_down_and_up_again_with_the_data_in_place(
    empty_database: str, app_factory: Any
) -> None:
    """From head, each revision in turn is undone and done again, the data in place; the case
    still opens for its moderator, and nothing refers to a row that is gone."""
    app, expected = _upgraded(app_factory, empty_database)
    engine = engine_of(app)
    with engine.connect() as connection:
        head = current_revision(connection)
    assert head is not None
    revisions = [f"{number:04d}" for number in range(1, int(head) + 1)]
    for below, revision in reversed(list(itertools.pairwise(revisions))):
        migrate.downgrade(engine, below)
        migrate.upgrade(engine, revision)
        with engine.connect() as connection:
            assert current_revision(connection) == revision
        migrate.upgrade(engine)
    person = {p["username"]: p for p in expected["staff"]}["brazil.moderator"]
    moderator = app.test_client()
    signed_in = login(
        moderator, person["username"], person["password"], code(secret=person["totp_secret"])
    )
    assert signed_in.status_code == 302
    case = expected["worked_case"]
    page = moderator.get(f"/staff/cases/{case['report_id']}").get_data(as_text=True)
    for text in case["texts"]:
        assert text in page, text
