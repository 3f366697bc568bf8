"""When every password is lost, the recovery key restores access: nothing is lost."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.reports.models import Report
from tests.conftest import Network, submit
from tests.staff import accept_and_enrol


def test_recovery_key_restores_access_to_every_report(
    app: Flask, network: Network, db: Session
) -> None:
    submit(app.test_client(), narrative="Reported before everyone forgot their passwords")
    runner = app.test_cli_runner()

    def recover(recovery_key: str) -> Any:
        return runner.invoke(
            args=[
                "keys",
                "recover",
                "brasil",
                "--admin",
                "restorer",
                "--recovery-key",
                recovery_key,
            ]
        )

    wrong = recover(network.recovery_keys[network.colombia.id])
    assert wrong.exit_code != 0 and "does not open" in wrong.output
    result = recover(network.recovery_keys[network.brazil.id])
    assert result.exit_code == 0, result.output
    match = re.search(r"/staff/invitation/[\w-]+", result.output)
    assert match
    link = match.group(0)

    client = app.test_client()
    accept_and_enrol(client, link)
    report = db.scalars(select(Report)).one()
    page = client.get(f"/staff/cases/{report.id}").get_data(as_text=True)
    assert "Reported before everyone forgot their passwords" in page
