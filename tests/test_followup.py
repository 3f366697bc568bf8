"""Follow-up with a receipt: status and thread, reply, withdraw; the report itself is never shown."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.followup import views as followup_views
from reporter.followup.service import (
    RepliesNotAllowed,
    ThreadClosed,
    add_staff_message,
    open_thread,
)
from reporter.reports.models import Report
from reporter.reports.service import open_report
from tests.conftest import Network, csrf_token, receipt_of, receipt_secrets_for, submit
from tests.media import jpeg_with_gps


def _open(client: FlaskClient, receipt: str, language: str = "en") -> str:
    response = client.post(
        f"/{language}/followup",
        data={"csrf_token": csrf_token(client, f"/{language}/followup"), "receipt": receipt},
    )
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_receipt_login_shows_status_and_staff_questions(
    client: FlaskClient, network: Network, db: Session
) -> None:
    receipt = receipt_of(
        submit(client, narrative="SECRETNARRATIVE", city="SECRETCITY", contact="SECRETCONTACT")
    )
    report = db.scalars(select(Report)).one()
    add_staff_message(db, report, network.brazil, network.key(network.brazil), "Are you safe now?")
    db.commit()

    page = _open(client, receipt)
    assert "Received, waiting to be read" in page
    assert "Are you safe now?" in page
    for secret in ("SECRETNARRATIVE", "SECRETCITY", "SECRETCONTACT", "extortion_bribe", "BR-SP"):
        assert secret not in page


def test_receipt_may_be_typed_with_spaces_or_dashes(client: FlaskClient, network: Network) -> None:
    receipt = receipt_of(submit(client)).replace(" ", "")
    dashed = "-".join(receipt[i : i + 4] for i in range(0, 16, 4))
    assert "Your report" in _open(client, dashed)


def test_reporter_replies_with_an_attachment_and_staff_read_it(
    client: FlaskClient, network: Network, db: Session, app: Flask
) -> None:
    receipt = receipt_of(submit(client))
    response = client.post(
        "/en/followup/reply",
        data={
            "csrf_token": csrf_token(client, "/en/followup"),
            "receipt": receipt,
            "text": "Here is a photo of the bruise",
            "attachments": [(io.BytesIO(jpeg_with_gps()), "bruise.jpg")],
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "Your message was sent." in page
    assert "Here is a photo of the bruise" in page
    assert "1 file attached" in page

    report = db.scalars(select(Report)).one()
    assert [case.unread_replies for case in report.cases] == [1, 1]
    thread = open_thread(db, receipt, receipt_secrets_for(app))
    [message] = thread.messages
    assert message.author == "reporter" and message.attachments[0]["name"] == "attachment-1.jpg"


def test_withdraw_asks_first_then_closes_the_thread(
    client: FlaskClient, network: Network, db: Session
) -> None:
    receipt = receipt_of(submit(client))
    token = csrf_token(client, "/en/followup")
    confirm = client.post("/en/followup/withdraw", data={"csrf_token": token, "receipt": receipt})
    assert "Withdraw your report?" in confirm.get_data(as_text=True)
    assert not db.scalars(select(Report)).one().withdrawn

    done = client.post(
        "/en/followup/withdraw", data={"csrf_token": token, "receipt": receipt, "confirm": "yes"}
    )
    page = done.get_data(as_text=True)
    assert "Your report was withdrawn." in page
    assert "Withdrawn by you" in page
    assert "Write to the staff" not in page
    db.expire_all()
    report = db.scalars(select(Report)).one()
    assert report.withdrawn and [case.status for case in report.cases] == ["withdrawn", "withdrawn"]

    late = client.post(
        "/en/followup/reply",
        data={"csrf_token": token, "receipt": receipt, "text": "one more thing"},
    )
    assert "one more thing" not in late.get_data(as_text=True)
    with pytest.raises(ThreadClosed):
        add_staff_message(db, report, network.brazil, network.key(network.brazil), "hello?")


def test_staff_cannot_write_when_the_reporter_said_no(
    client: FlaskClient, network: Network, db: Session
) -> None:
    submit(client, allow_replies=None)
    report = db.scalars(select(Report)).one()
    assert (
        open_report(db, report, network.brazil, network.key(network.brazil)).allow_replies is False
    )
    with pytest.raises(RepliesNotAllowed):
        add_staff_message(db, report, network.brazil, network.key(network.brazil), "hello")


def test_spam_is_shown_to_the_reporter_as_closed(
    client: FlaskClient, network: Network, db: Session
) -> None:
    receipt = receipt_of(submit(client))
    for case in db.scalars(select(Report)).one().cases:
        case.status = "spam"
    db.commit()
    assert "Closed" in _open(client, receipt)


def _without_token(page: str) -> str:
    import re

    stripped = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", page)
    assert stripped != page, "no token on the page"
    return stripped


def test_wrong_receipt_gets_the_same_slow_polite_answer(
    app_factory, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    app: Flask = app_factory(receipt_min_seconds=0.8)
    client = app.test_client()
    receipt = receipt_of(submit(client)).replace(" ", "")
    waits: list[float] = []
    monkeypatch.setattr(followup_views.time, "sleep", waits.append)

    token = csrf_token(client, "/en/followup")
    wrong = client.post(
        "/en/followup",
        data={"csrf_token": token, "receipt": str((int(receipt) + 1) % 10**16).zfill(16)},
    )
    unknown = client.post(
        "/en/followup", data={"csrf_token": token, "receipt": "0000 0000 0000 0001"}
    )
    right = client.post("/en/followup", data={"csrf_token": token, "receipt": receipt})
    assert wrong.status_code == unknown.status_code == 404
    assert right.status_code == 200
    assert "We could not open a report with this number." in wrong.get_data(as_text=True)
    # The same page, apart from the CSRF token (it carries a time stamp, so two requests that
    # straddle a second differ there and nowhere else).
    assert _without_token(wrong.get_data(as_text=True)) == _without_token(
        unknown.get_data(as_text=True)
    )
    assert len(waits) == 3 and all(0 < wait <= 0.8 for wait in waits)


def test_receipt_attempts_are_rate_limited(app_factory, network: Network) -> None:  # type: ignore[no-untyped-def]
    app: Flask = app_factory(receipt_rate_limit="3 per minute")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.40"
    token = csrf_token(client, "/en/followup")
    codes = [
        client.post("/en/followup", data={"csrf_token": token, "receipt": f"{n:016d}"}).status_code
        for n in range(4)
    ]
    assert codes == [404, 404, 404, 429]


def test_staff_message_dates_are_formatted_for_the_language(
    client: FlaskClient, network: Network, db: Session
) -> None:
    import datetime as dt

    receipt = receipt_of(submit(client))
    report = db.scalars(select(Report)).one()
    add_staff_message(
        db, report, network.brazil, network.key(network.brazil), "Olá", today=dt.date(2026, 3, 5)
    )
    db.commit()
    assert "5 de mar. de 2026" in _open(client, receipt, "pt")
    assert "Mar 5, 2026" in _open(client, receipt, "en")
