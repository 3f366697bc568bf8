"""Case coding feeds the anonymised statistics; no statistic links back to a report."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Session

from reporter.coding.models import CaseAct
from reporter.reports.models import Case, Report
from reporter.statistics.models import StatContribution
from reporter.statistics.service import open_contribution
from tests.conftest import Network, csrf_token, receipt_of, submit
from tests.factories import act_form
from tests.staff import ADVOCACY_KEYS, form_token, login, make_member


@pytest.fixture
def moderator(app: Flask, network: Network) -> FlaskClient:
    make_member(app, network.brazil, network.key(network.brazil), "mod", "moderator")
    client = app.test_client()
    assert login(client, "mod").status_code == 302
    return client


def _counts(db: Session) -> list[tuple[object, ...]]:
    """The statistics as an advocate would read them: every contribution opened and added up."""
    total: Counter[tuple[str, ...]] = Counter()
    for row in db.scalars(select(StatContribution)):
        keys = {row.key_version: ADVOCACY_KEYS[row.organisation_id]}
        total.update(open_contribution(row, keys))
    cells: dict[tuple[str, ...], dict[str, int]] = {}
    for (*dimensions, column), amount in total.items():
        if column not in ("combinations", "acts"):
            continue  # the per-perpetrator and per-population pairs: see the tables' tests
        cells.setdefault(tuple(dimensions), {"combinations": 0, "acts": 0})[column] += amount
    return sorted(
        (*cell, amounts["combinations"], amounts["acts"])
        for cell, amounts in cells.items()
        if amounts["combinations"] or amounts["acts"]
    )


def _case_id(db: Session) -> str:
    return str(db.scalars(select(Report)).one().id)


def test_new_act_starts_from_the_report(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    submit(app.test_client(), violations=["denial_oat"], region="BR-RJ")
    page = moderator.get(f"/staff/cases/{_case_id(db)}/acts/new").get_data(as_text=True)
    assert re.search(
        r'<option selected value="denial_oat">|<option value="denial_oat" selected>', page
    )
    assert 'value="BR-RJ" selected' in page or 'selected value="BR-RJ"' in page


def test_coding_adds_edits_and_removes_counts(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    submit(app.test_client(), count_in_statistics="y")
    case_id = _case_id(db)
    url = f"/staff/cases/{case_id}/acts/new"
    response = moderator.post(url, data={"csrf_token": form_token(moderator, url), **act_form()})
    assert response.status_code == 302
    assert _counts(db) == [
        ("BR", "BR-SP", "2025-03", "extortion_bribe", "police", "migrant", 1, 0),
        ("BR", "BR-SP", "2025-03", "extortion_bribe", "police", "sex_worker", 1, 1),
    ]
    act_id = db.scalars(select(CaseAct.id)).one()
    edit = f"/staff/cases/{case_id}/acts/{act_id}"
    moderator.post(
        edit,
        data={
            "csrf_token": form_token(moderator, edit),
            **act_form(violation_type="illegal_search_raid", populations=[]),
        },
    )
    assert _counts(db) == [("BR", "BR-SP", "2025-03", "illegal_search_raid", "police", "", 1, 1)]

    moderator.post(f"{edit}/delete", data={"csrf_token": form_token(moderator, edit)})
    assert _counts(db) == []
    assert db.scalars(select(CaseAct)).all() == []


def test_not_a_violation_and_no_consent_are_not_counted(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    submit(app.test_client(), count_in_statistics=None, narrative="no consent")
    submit(app.test_client(), count_in_statistics="y", narrative="consent")
    for report in db.scalars(select(Report)):
        url = f"/staff/cases/{report.id}/acts/new"
        response = moderator.post(
            url, data={"csrf_token": form_token(moderator, url), **act_form()}
        )
        assert response.status_code == 302
    assert len(_counts(db)) == 2  # only the report with consent counts (two populations)
    consenting = next(
        r for r in db.scalars(select(Report)) if any(c.stats_counted for c in r.cases)
    )
    act_id = db.scalars(select(CaseAct.id).where(CaseAct.report_id == consenting.id)).one()
    edit = f"/staff/cases/{consenting.id}/acts/{act_id}"
    moderator.post(
        edit,
        data={
            "csrf_token": form_token(moderator, edit),
            **act_form(violation_status="not_a_violation"),
        },
    )
    assert _counts(db) == []


def test_spam_and_withdrawal_take_the_counts_out(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    public = app.test_client()
    receipt = receipt_of(submit(public, count_in_statistics="y"))
    case_id = _case_id(db)
    url = f"/staff/cases/{case_id}/acts/new"
    moderator.post(url, data={"csrf_token": form_token(moderator, url), **act_form(populations=[])})
    assert len(_counts(db)) == 1

    token = form_token(moderator, f"/staff/cases/{case_id}")
    moderator.post(
        f"/staff/cases/{case_id}/workflow",
        data={"csrf_token": token, "status": "spam", "priority": "normal", "assignee": ""},
    )
    assert _counts(db) == []
    moderator.post(
        f"/staff/cases/{case_id}/workflow",
        data={"csrf_token": token, "status": "documented", "priority": "normal", "assignee": ""},
    )
    assert len(_counts(db)) == 1

    token = csrf_token(public, "/en/followup")
    public.post(
        "/en/followup/withdraw", data={"csrf_token": token, "receipt": receipt, "confirm": "yes"}
    )
    assert len(_counts(db)) == 1  # nobody with the keys has logged in since
    # The queue only reads: reading it changes no count.
    assert moderator.get("/staff/queue").status_code == 200
    assert len(_counts(db)) == 1
    # The next login holds the keys, and brings the counts up to date.
    make_member(app, network.brazil, network.key(network.brazil), "next", "moderator")
    assert login(app.test_client(), "next").status_code == 302
    assert _counts(db) == []


def test_region_must_belong_to_the_country(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    submit(app.test_client())
    url = f"/staff/cases/{_case_id(db)}/acts/new"
    response = moderator.post(
        url,
        data={"csrf_token": form_token(moderator, url), **act_form(country="CO", region="BR-SP")},
    )
    assert response.status_code == 400
    assert db.scalars(select(CaseAct)).all() == []


def test_statistics_have_no_link_to_reports(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    for column in StatContribution.__table__.columns:  # type: ignore[attr-defined]
        targets = {fk.column.table.name for fk in column.foreign_keys if isinstance(fk, ForeignKey)}
        assert targets <= {"organisations"}, column.name
        assert "report" not in column.name and "case" not in column.name


def test_coding_is_encrypted_at_rest(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    from tests.dump import database_bytes

    submit(app.test_client(), count_in_statistics=None, violations=["eviction"])
    url = f"/staff/cases/{_case_id(db)}/acts/new"
    moderator.post(
        url,
        data={
            "csrf_token": form_token(moderator, url),
            **act_form(violation_type="forced_labour", region="BR-AM"),
        },
    )
    assert db.scalars(select(CaseAct)).one()
    stored = database_bytes(app)
    assert b"forced_labour" not in stored and b"BR-AM" not in stored


def test_statistics_are_encrypted_at_rest(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    from tests.dump import database_bytes

    submit(app.test_client(), count_in_statistics="y", violations=["eviction"])
    url = f"/staff/cases/{_case_id(db)}/acts/new"
    moderator.post(
        url,
        data={
            "csrf_token": form_token(moderator, url),
            **act_form(violation_type="forced_labour", region="BR-AM", populations=["migrant"]),
        },
    )
    counted = [row for row in _counts(db) if row[3] == "forced_labour"]
    assert counted == [("BR", "BR-AM", "2025-03", "forced_labour", "police", "migrant", 1, 1)]
    contribution = db.scalars(select(StatContribution)).one()
    assert not contribution.migrated
    # Whoever holds the database reads no count, no dimension, and no link to the case.
    stored = database_bytes(app)
    for value in (b"forced_labour", b"BR-AM", b"migrant", b"2025-03"):
        assert value not in stored, value
    case = db.scalars(select(Case).where(Case.organisation_id == network.brazil.id)).one()
    assert case.stats_link is not None
    assert contribution.id.bytes not in case.stats_link
