"""Queue filters, sorting and pages; case work; everything staff write is encrypted at rest."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.audit.models import AuditEntry
from reporter.followup.service import open_thread
from reporter.reports.models import Case, Report
from tests.conftest import Network, receipt_of, receipt_secrets_for, submit
from tests.dump import database_bytes
from tests.media import jpeg_with_gps, pdf_with_metadata
from tests.staff import form_token, login, make_member


@pytest.fixture
def moderator(app: Flask, network: Network) -> FlaskClient:
    make_member(app, network.brazil, network.key(network.brazil), "mod", "moderator")
    make_member(app, network.brazil, network.key(network.brazil), "colleague", "moderator")
    client = app.test_client()
    assert login(client, "mod").status_code == 302
    return client


def _references(page: str) -> list[str]:
    return re.findall(r'href="/staff/cases/[0-9a-f-]+">([A-Z0-9-]+)</a>', page)


def _case_ids(page: str) -> list[str]:
    return re.findall(r'href="/staff/cases/([0-9a-f-]+)"', page)


def _table_contents(db: Session, leaving_out: set[str]) -> dict[str, list[tuple[object, ...]]]:
    from reporter.db import Base

    db.expire_all()
    return {
        table.name: sorted((tuple(row) for row in db.execute(table.select())), key=repr)
        for table in Base.metadata.sorted_tables
        if table.name not in leaving_out
    }


def test_the_queue_only_reads_and_still_finds_what_arrived_since_login(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    public = app.test_client()
    submit(public, "en", violations=["extortion_bribe"], narrative="arrived after login")
    submit(public, "en", country="CO", violations=["denial_oat"], narrative="another country")
    # Reading the queue writes nothing but its audit entry and the session's last activity.
    before = _table_contents(db, {"audit_entries", "audit_head", "staff_sessions"})
    for query in (
        "",
        "?country=BR",
        "?violation=extortion_bribe",
        "?country=BR&violation=eviction",
    ):
        assert moderator.get(f"/staff/queue{query}").status_code == 200
    assert _table_contents(db, {"audit_entries", "audit_head", "staff_sessions"}) == before
    assert not any(case.indexed for case in db.scalars(select(Case)))
    # Not indexed yet, the new cases are found by what they say, opened in memory.
    found = moderator.get("/staff/queue?country=BR&violation=extortion_bribe")
    assert len(_references(found.get_data(as_text=True))) == 1
    assert (
        _references(moderator.get("/staff/queue?violation=eviction").get_data(as_text=True)) == []
    )
    # The next login (a POST, holding the keys) indexes them; the filters give the same answer.
    make_member(app, network.brazil, network.key(network.brazil), "next", "moderator")
    assert login(app.test_client(), "next").status_code == 302
    db.expire_all()
    brazil_cases = db.scalars(select(Case).where(Case.organisation_id == network.brazil.id)).all()
    assert brazil_cases and all(case.indexed for case in brazil_cases)
    assert _references(
        moderator.get("/staff/queue?country=BR&violation=extortion_bribe").get_data(as_text=True)
    ) == _references(found.get_data(as_text=True))
    assert _references(moderator.get("/staff/queue?country=CO").get_data(as_text=True)) == []


def test_queue_filters_on_clear_and_encrypted_fields(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    public = app.test_client()
    submit(public, "es", violations=["denial_oat"], narrative="one")
    submit(public, "en", violations=["extortion_bribe"], narrative="two")
    submit(public, "pt", violations=["extortion_bribe", "eviction"], narrative="three")
    all_rows = _references(moderator.get("/staff/queue").get_data(as_text=True))
    assert len(all_rows) == 3

    assert (
        len(
            _references(
                moderator.get("/staff/queue?violation=extortion_bribe").get_data(as_text=True)
            )
        )
        == 2
    )
    assert (
        len(_references(moderator.get("/staff/queue?violation=eviction").get_data(as_text=True)))
        == 1
    )
    assert len(_references(moderator.get("/staff/queue?language=es").get_data(as_text=True))) == 1
    assert len(_references(moderator.get("/staff/queue?country=BR").get_data(as_text=True))) == 3
    assert len(_references(moderator.get("/staff/queue?country=CO").get_data(as_text=True))) == 0
    assert len(_references(moderator.get("/staff/queue?assignee=none").get_data(as_text=True))) == 3
    assert (
        len(
            _references(
                moderator.get(
                    "/staff/queue?received_from=2000-01-01&received_to=2000-12-31"
                ).get_data(as_text=True)
            )
        )
        == 0
    )
    assert moderator.get("/staff/queue?status=bogus").status_code == 400
    assert moderator.get("/staff/queue?received_from=not-a-date").status_code == 400


def test_queue_pages_and_sorts(app_factory, network: Network) -> None:  # type: ignore[no-untyped-def]
    app: Flask = app_factory(queue_page_size=2)
    make_member(app, network.brazil, network.key(network.brazil), "mod", "moderator")
    client = app.test_client()
    login(client, "mod")
    for _ in range(5):
        submit(app.test_client())
    first = client.get("/staff/queue").get_data(as_text=True)
    second = client.get("/staff/queue?page=2").get_data(as_text=True)
    third = client.get("/staff/queue?page=3").get_data(as_text=True)
    assert (
        len(_references(first)) == 2
        and len(_references(second)) == 2
        and len(_references(third)) == 1
    )
    assert "Next page" in first and "Next page" not in third
    assert len(set(_references(first) + _references(second) + _references(third))) == 5


def test_status_priority_assignment_notes_and_messages(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    receipt = receipt_of(submit(app.test_client(), narrative="please help"))
    page = moderator.get("/staff/queue").get_data(as_text=True)
    [case_id] = _case_ids(page)
    token = form_token(moderator, f"/staff/cases/{case_id}")
    from reporter.accounts.models import StaffMember

    colleague = db.scalar(select(StaffMember.id).where(StaffMember.username == "colleague"))
    response = moderator.post(
        f"/staff/cases/{case_id}/workflow",
        data={
            "csrf_token": token,
            "status": "in_review",
            "priority": "urgent",
            "assignee": str(colleague),
        },
    )
    assert response.status_code == 302
    bad = moderator.post(
        f"/staff/cases/{case_id}/workflow",
        data={"csrf_token": token, "status": "withdrawn", "priority": "normal"},
    )
    assert bad.status_code == 400
    stranger = moderator.post(
        f"/staff/cases/{case_id}/workflow",
        data={
            "csrf_token": token,
            "status": "new",
            "priority": "normal",
            "assignee": "00000000-0000-0000-0000-000000000000",
        },
    )
    assert stranger.status_code == 400

    moderator.post(
        f"/staff/cases/{case_id}/notes",
        data={"csrf_token": token, "text": "NOTECANARY she called twice"},
    )
    moderator.post(
        f"/staff/cases/{case_id}/messages",
        data={"csrf_token": token, "text": "MESSAGECANARY are you safe?"},
    )

    db.expire_all()
    case = db.scalars(select(Case).where(Case.organisation_id == network.brazil.id)).one()
    assert (case.status, case.priority, case.assignee_id) == ("in_review", "urgent", colleague)
    page = moderator.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "NOTECANARY she called twice" in page and "MESSAGECANARY" in page
    assert "Someone other than the reporter may read this message" in page

    thread = open_thread(db, receipt, receipt_secrets_for(app))
    assert [m.text for m in thread.messages] == ["MESSAGECANARY are you safe?"]
    assert thread.reporter_status == "in_review"
    assert "NOTECANARY" not in _followup_page(app, receipt)

    stored = database_bytes(app)
    assert b"NOTECANARY" not in stored and b"MESSAGECANARY" not in stored
    actions = [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    for action in (
        "login",
        "queue_viewed",
        "report_decrypted",
        "case_updated",
        "note_added",
        "message_sent",
    ):
        assert action in actions
    details = db.scalars(select(AuditEntry).where(AuditEntry.action == "case_updated")).first()
    assert (
        details is not None and "urgent" in details.details and "she called" not in details.details
    )


def _followup_page(app: Flask, receipt: str) -> str:
    from tests.conftest import csrf_token

    client = app.test_client()
    return client.post(
        "/en/followup", data={"csrf_token": csrf_token(client, "/en/followup"), "receipt": receipt}
    ).get_data(as_text=True)


def test_reporter_replies_show_as_unread_until_the_case_is_opened(
    app: Flask, network: Network, moderator: FlaskClient
) -> None:
    from tests.conftest import csrf_token

    public = app.test_client()
    receipt = receipt_of(submit(public))
    public.post(
        "/en/followup/reply",
        data={
            "csrf_token": csrf_token(public, "/en/followup"),
            "receipt": receipt,
            "text": "more info",
        },
    )
    queue = moderator.get("/staff/queue").get_data(as_text=True)
    assert "<b>1</b>" in queue
    [case_id] = _case_ids(queue)
    assert "more info" in moderator.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "<b>1</b>" not in moderator.get("/staff/queue").get_data(as_text=True)


def test_attachments_are_shown_re_encoded_or_downloaded_decrypted(
    app: Flask, network: Network, moderator: FlaskClient
) -> None:
    submit(
        app.test_client(),
        files=[(io.BytesIO(jpeg_with_gps()), "a.jpg"), (io.BytesIO(pdf_with_metadata()), "b.pdf")],
    )
    [case_id] = _case_ids(moderator.get("/staff/queue").get_data(as_text=True))
    page = moderator.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert f"/staff/cases/{case_id}/files/1?inline=1" in page.replace("&amp;", "&")

    image = moderator.get(f"/staff/cases/{case_id}/files/1?inline=1")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(image.data)).size == (64, 48)
    assert "sandbox" in image.headers["Content-Security-Policy"]
    pdf = moderator.get(f"/staff/cases/{case_id}/files/2")
    assert pdf.status_code == 200
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="attachment-2.pdf"'
    assert pdf.data.startswith(b"%PDF")
    assert (
        moderator.get(f"/staff/cases/{case_id}/files/2?inline=1").mimetype
        == "application/octet-stream"
    )
    assert moderator.get(f"/staff/cases/{case_id}/files/3").status_code == 404


def test_staff_pages_follow_the_member_language(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    token = form_token(moderator, "/staff/")
    moderator.post("/staff/", data={"csrf_token": token, "language": "es"})
    assert '<html lang="es"' in moderator.get("/staff/queue").get_data(as_text=True)


def test_reports_of_another_organisation_never_appear(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    submit(
        app.test_client(),
        country="CO",
        region="CO-ANT",
        narrative="COLOMBIA ONLY",
        share_with_network=None,
    )
    page = moderator.get("/staff/queue").get_data(as_text=True)
    assert _references(page) == []
    report = db.scalars(select(Report)).one()
    assert moderator.get(f"/staff/cases/{report.id}").status_code == 404
