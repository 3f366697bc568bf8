"""Retention purges spam and the raw content of closed cases, and keeps coding and statistics."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reporter.coding.models import CaseAct
from reporter.orgs.models import Organisation
from reporter.reports.models import Attachment, AttachmentChunk, Case, Message, Report
from reporter.statistics.models import StatContribution
from tests.conftest import Network, submit
from tests.media import jpeg_with_gps
from tests.staff import code, form_token, login, make_member, statistics


@pytest.fixture
def admin(app: Flask, network: Network) -> FlaskClient:
    make_member(app, network.brazil, network.key(network.brazil), "admin", "org_admin")
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    return client


def _code_one_act(client: FlaskClient, report_id: object) -> None:
    url = f"/staff/cases/{report_id}/acts/new"
    data = {
        "violation_type": "extortion_bribe",
        "year": "2025",
        "month": "",
        "day": "",
        "date_precision": "year",
        "country": "BR",
        "region": "",
        "location_type": "",
        "violation_status": "verified",
        "sought_protection": "",
    }
    assert client.post(url, data={"csrf_token": form_token(client, url), **data}).status_code == 302


def _age(db: Session, report_id: object, status: str, days: int) -> None:
    for case in db.scalars(select(Case).where(Case.report_id == report_id)):
        case.status = status
        case.closed_on = dt.date.today() - dt.timedelta(days=days)
    db.commit()


def _count(db: Session, model: type) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def _acts_counted(db: Session) -> list[tuple[str, int]]:
    """(violation type, acts) of every cell in the statistics."""
    return sorted(
        (cell[3], amount) for cell, amount in statistics(db).items() if cell[-1] == "acts"
    )


def test_purge_removes_closed_content_and_keeps_coding_and_statistics(
    app: Flask, network: Network, admin: FlaskClient, db: Session
) -> None:
    submit(
        app.test_client(),
        share_with_network=None,
        count_in_statistics="y",
        files=[(io.BytesIO(jpeg_with_gps()), "a.jpg")],
    )
    report = db.scalars(select(Report)).one()
    _code_one_act(admin, report.id)
    admin.post(
        f"/staff/cases/{report.id}/notes",
        data={"csrf_token": form_token(admin, f"/staff/cases/{report.id}"), "text": "n"},
    )
    stats_before = _acts_counted(db)
    assert stats_before == [("extortion_bribe", 1)]

    retention_url = "/staff/admin/retention"
    admin.post(
        retention_url,
        data={
            "csrf_token": form_token(admin, retention_url),
            "purge_spam_after_days": "30",
            "purge_closed_content_after_days": "90",
        },
    )
    db.expire_all()
    assert db.get(Organisation, network.brazil.id).purge_closed_content_after_days == 90  # type: ignore[union-attr]

    _age(db, report.id, "closed", 30)
    assert "report contents purged: 0" in app.test_cli_runner().invoke(args=["purge"]).output
    _age(db, report.id, "closed", 120)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "report contents purged: 1" in result.output

    db.expire_all()
    report = db.scalars(select(Report)).one()
    assert report.content is None
    assert (
        _count(db, Attachment) == 0
        and _count(db, AttachmentChunk) == 0
        and _count(db, Message) == 0
    )
    assert _count(db, CaseAct) == 1
    assert _acts_counted(db) == stats_before
    page = admin.get(f"/staff/cases/{report.id}").get_data(as_text=True)
    assert "removed by the retention rules" in page
    assert admin.get("/staff/queue?status=closed").status_code == 200


def test_shared_report_keeps_its_content_until_every_organisation_allows(
    app: Flask, network: Network, db: Session
) -> None:
    submit(app.test_client(), share_with_network="y")
    report = db.scalars(select(Report)).one()
    for organisation in db.scalars(select(Organisation)):
        organisation.purge_closed_content_after_days = 10
    db.commit()
    brazil_case = db.get(Case, (report.id, network.brazil.id))
    assert brazil_case is not None
    brazil_case.status, brazil_case.closed_on = "closed", dt.date(2020, 1, 1)
    db.commit()
    app.test_cli_runner().invoke(args=["purge"])
    db.expire_all()
    # The network's case is still open: kept.
    assert db.scalars(select(Report)).one().content is not None
    network_case = db.get(Case, (report.id, network.network.id))
    assert network_case is not None
    # Closed by the network too, but only two days ago (its rule says ten): kept.
    network_case.status, network_case.closed_on = "closed", dt.date.today() - dt.timedelta(days=2)
    db.commit()
    app.test_cli_runner().invoke(args=["purge"])
    db.expire_all()
    assert db.scalars(select(Report)).one().content is not None
    # Past both organisations' rules: gone.
    network_case = db.get(Case, (report.id, network.network.id))
    assert network_case is not None
    network_case.closed_on = dt.date.today() - dt.timedelta(days=10)
    db.commit()
    assert "report contents purged: 1" in app.test_cli_runner().invoke(args=["purge"]).output
    db.expire_all()
    assert db.scalars(select(Report)).one().content is None


def test_spam_is_deleted_after_its_period(app: Flask, network: Network, db: Session) -> None:
    submit(app.test_client(), share_with_network=None)
    submit(app.test_client(), share_with_network=None)
    first, second = db.scalars(select(Report)).all()
    _age(db, first.id, "spam", 31)
    _age(db, second.id, "spam", 5)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert "spam cases deleted: 1; reports deleted: 1" in result.output
    db.expire_all()
    assert [r.id for r in db.scalars(select(Report))] == [second.id]


def test_admin_deletes_a_case_after_confirming(
    app: Flask, network: Network, admin: FlaskClient, db: Session
) -> None:
    submit(app.test_client(), share_with_network=None, count_in_statistics="y")
    report = db.scalars(select(Report)).one()
    _code_one_act(admin, report.id)
    assert _count(db, StatContribution) == 1
    url = f"/staff/cases/{report.id}/delete"
    confirm = admin.get(url)
    assert confirm.status_code == 200 and "cannot be undone" in confirm.get_data(as_text=True)
    assert _count(db, Report) == 1
    assert admin.post(url, data={"csrf_token": form_token(admin, url)}).status_code == 302
    assert _count(db, Report) == 0 and _count(db, CaseAct) == 0
    assert _count(db, StatContribution) == 0 and _acts_counted(db) == []

    make_member(app, network.brazil, network.key(network.brazil), "mod", "moderator")
    submit(app.test_client(), share_with_network=None)
    moderator = app.test_client()
    login(moderator, "mod", totp=code(1))
    report = db.scalars(select(Report)).one()
    assert moderator.get(f"/staff/cases/{report.id}/delete").status_code == 403


def test_retention_values_are_checked(app: Flask, network: Network, admin: FlaskClient) -> None:
    url = "/staff/admin/retention"
    response = admin.post(
        url, data={"csrf_token": form_token(admin, url), "purge_spam_after_days": "-5"}
    )
    assert response.status_code == 400
