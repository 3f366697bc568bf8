"""The reporter command: init prints the recovery key once; demo is idempotent and scriptable."""

from __future__ import annotations

import json
import re

from flask import Flask
from sqlalchemy import func, select

from reporter.db import new_session
from reporter.orgs.models import Organisation
from reporter.reports.models import Report


def test_init_creates_the_network_recovery_key_and_invitation(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["init", "--name", "LANPUD", "--countries", "AR,BR,CO", "--url", "https://r.example"]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"([A-Z2-7]{4}-){11}[A-Z2-7]{4}", result.output)
    assert "keep it offline" in result.output
    assert re.search(r"https://r\.example/staff/invitation/[\w-]{40,}", result.output)
    again = runner.invoke(args=["init", "--name", "LANPUD", "--countries", "AR"])
    assert again.exit_code != 0 and "exists already" in again.output


def test_demo_is_idempotent_and_prints_json(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = json.loads(runner.invoke(args=["demo", "--json"]).output)
    assert first["created"] is True
    roles = {person["role"] for person in first["staff"]}
    assert roles == {"network_admin", "org_admin", "moderator", "advocate"}
    assert all(person["password"] and person["totp_secret"] for person in first["staff"])
    assert len(first["sample_receipts"]) >= 3
    second = json.loads(runner.invoke(args=["demo", "--json"]).output)
    assert second["created"] is False and second["staff"] == first["staff"]
    session = new_session(app)
    try:
        assert session.scalar(select(func.count()).select_from(Organisation)) >= 3
        kinds = set(session.scalars(select(Organisation.kind)))
        assert kinds == {"network", "national"}
        assert session.scalar(select(func.count()).select_from(Report)) == len(
            first["sample_receipts"]
        )
    finally:
        session.close()

    client = app.test_client()
    from tests.conftest import csrf_token

    receipt = first["sample_receipts"][0]["receipt"]
    page = client.post(
        "/en/followup", data={"csrf_token": csrf_token(client, "/en/followup"), "receipt": receipt}
    )
    assert "Thank you for your report" in page.get_data(as_text=True)


def test_org_add_creates_a_member_organisation_that_receives_reports(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert (
        runner.invoke(args=["init", "--name", "LANPUD", "--countries", "AR,BR,CO"]).exit_code == 0
    )
    result = runner.invoke(
        args=[
            "org",
            "add",
            "--name",
            "Red Colombia",
            "--slug",
            "red-colombia",
            "--countries",
            "CO",
            "--admin",
            "ana",
        ]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"([A-Z2-7]{4}-){11}[A-Z2-7]{4}", result.output)
    assert re.search(r"/staff/invitation/[\w-]{40,}", result.output)
    again = runner.invoke(
        args=[
            "org",
            "add",
            "--name",
            "Again",
            "--slug",
            "red-colombia",
            "--countries",
            "CO",
            "--admin",
            "bea",
        ]
    )
    assert again.exit_code != 0 and "exists already" in again.output

    from tests.conftest import submit

    submit(app.test_client(), country="CO", region="CO-ANT", share_with_network=None)
    session = new_session(app)
    try:
        report = session.scalars(select(Report)).one()
        slugs = {session.get(Organisation, case.organisation_id).slug for case in report.cases}  # type: ignore[union-attr]
        assert slugs == {"red-colombia"}
    finally:
        session.close()
