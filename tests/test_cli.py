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


def _audit_entries(app: Flask, count: int) -> None:
    from reporter.audit.service import audit_key, record

    session = new_session(app)
    try:
        for number in range(count):
            record(
                session,
                audit_key(app.extensions["reporter.settings"].secret_key),
                action="login",
                actor_name=f"user{number}",
            )
        session.commit()
    finally:
        session.close()


def _truncate_audit_log(app: Flask, kept: int, *, copied_head: dict[str, object] | None) -> None:
    """Delete the entries after `kept`; rewind the head to it, or restore a head copied earlier."""
    from sqlalchemy import delete, update

    from reporter.audit.models import AuditEntry, AuditHead

    session = new_session(app)
    try:
        last = session.get(AuditEntry, kept)
        assert last is not None
        values = copied_head or {"last_id": kept, "last_hash": last.entry_hash}
        session.execute(delete(AuditEntry).where(AuditEntry.id > kept))
        session.execute(update(AuditHead).values(**values))
        session.commit()
    finally:
        session.close()


def _audit_head(app: Flask) -> dict[str, object]:
    from reporter.audit.models import AuditHead

    session = new_session(app)
    try:
        head = session.get(AuditHead, 1)
        assert head is not None
        return {"last_id": head.last_id, "last_hash": head.last_hash, "head_mac": head.head_mac}
    finally:
        session.close()


ANCHOR_LINE = re.compile(r"^AUDIT-ANCHOR (\d+) ([0-9a-f]{64})$")


def test_audit_anchor_prints_the_head_and_verify_checks_it(app: Flask) -> None:
    runner = app.test_cli_runner()
    empty = runner.invoke(args=["audit", "anchor"])
    assert empty.exit_code == 1 and "nothing to anchor" in empty.output
    assert "away from this server" in runner.invoke(args=["audit", "anchor", "--help"]).output
    _audit_entries(app, 4)
    printed = runner.invoke(args=["audit", "anchor"])
    assert printed.exit_code == 0, printed.output
    line = printed.output.strip()
    match = ANCHOR_LINE.match(line)
    assert match and match.group(1) == "4"
    _audit_entries(app, 2)
    for anchor in (line, f"{match.group(1)} {match.group(2)}"):
        result = runner.invoke(args=["audit", "verify", "--anchor", anchor])
        assert result.exit_code == 0, result.output
        assert result.output == "audit log intact and matches the anchor at entry 4\n"
    wrong = f"4 {'0' * 64}"
    result = runner.invoke(args=["audit", "verify", "--anchor", wrong])
    assert result.exit_code == 1 and "entry 4: does not match the anchor" in result.output
    result = runner.invoke(args=["audit", "verify", "--anchor", "4 not-a-hash"])
    assert result.exit_code == 2 and "--anchor" in result.output


def test_audit_verify_detects_a_rewound_head(app: Flask) -> None:
    runner = app.test_cli_runner()
    _audit_entries(app, 5)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _truncate_audit_log(app, 3, copied_head=None)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "entry 3: the head's MAC is wrong" in result.output
    assert "intact" not in result.output
    refused = runner.invoke(args=["audit", "anchor"])
    assert refused.exit_code == 1 and "AUDIT-ANCHOR" not in refused.output


def test_audit_verify_with_an_anchor_detects_a_replayed_head(app: Flask) -> None:
    runner = app.test_cli_runner()
    _audit_entries(app, 3)
    old_head = _audit_head(app)
    _audit_entries(app, 3)
    anchor = runner.invoke(args=["audit", "anchor"]).output.strip()
    assert anchor.startswith("AUDIT-ANCHOR 6 ")
    _truncate_audit_log(app, 3, copied_head=old_head)
    # The restored head is genuine (its MAC is valid): only the anchor tells.
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify", "--anchor", anchor])
    assert result.exit_code == 1
    assert "entry 6: the anchored entry is missing" in result.output


def test_audit_seal_accepts_a_head_from_before_head_macs(app: Flask) -> None:
    from sqlalchemy import update

    from reporter.audit.models import AuditHead

    runner = app.test_cli_runner()
    _audit_entries(app, 3)
    session = new_session(app)
    try:
        session.execute(update(AuditHead).values(head_mac=None))
        session.commit()
    finally:
        session.close()
    missing = runner.invoke(args=["audit", "verify"])
    assert missing.exit_code == 1 and "the head has no MAC" in missing.output
    sealed = runner.invoke(args=["audit", "seal"])
    assert sealed.exit_code == 0, sealed.output
    assert "audit head sealed" in sealed.output
    assert ANCHOR_LINE.match(sealed.output.splitlines()[-1])
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    again = runner.invoke(args=["audit", "seal"])
    assert again.exit_code == 0 and "sealed already" in again.output
    _truncate_audit_log(app, 2, copied_head={"last_id": 1})
    refused = runner.invoke(args=["audit", "seal"])
    assert refused.exit_code == 1 and "not sealed" in refused.output
