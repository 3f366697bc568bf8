"""Referrals, related reports and the advocacy story with its second-person approval."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.casework.models import AdvocacyStory
from reporter.casework.service import published_stories
from reporter.reports.models import Report
from tests.conftest import Network, submit
from tests.dump import database_bytes
from tests.staff import advocacy_keys_of, code, form_token, login, make_member


@pytest.fixture
def two_moderators(app: Flask, network: Network) -> tuple[FlaskClient, FlaskClient]:
    make_member(app, network.brazil, network.key(network.brazil), "ana", "moderator")
    make_member(app, network.brazil, network.key(network.brazil), "bia", "moderator")
    ana, bia = app.test_client(), app.test_client()
    assert login(ana, "ana").status_code == 302
    assert login(bia, "bia", totp=code(1)).status_code == 302
    return ana, bia


def test_referral_is_recorded_updated_and_encrypted(
    app: Flask, network: Network, two_moderators, db: Session
) -> None:  # type: ignore[no-untyped-def]
    ana, _ = two_moderators
    submit(app.test_client(), share_with_network=None)
    report = db.scalars(select(Report)).one()
    page_url = f"/staff/cases/{report.id}"
    token = form_token(ana, page_url)
    response = ana.post(
        f"{page_url}/referrals",
        data={
            "csrf_token": token,
            "intervention_type": "legal_aid",
            "status": "planned",
            "date": "2026-11-02",
            "outcome": "",
            "note": "REFERRALCANARY lawyer at the defensoria",
        },
    )
    assert response.status_code == 302
    page = ana.get(page_url).get_data(as_text=True)
    assert "Legal aid" in page and "REFERRALCANARY" in page
    import re

    referral_url = re.search(r'action="(/staff/cases/[^"]+/referrals/\d+)"', page).group(1)  # type: ignore[union-attr]
    ana.post(
        referral_url,
        data={
            "csrf_token": token,
            "intervention_type": "legal_aid",
            "status": "done",
            "date": "2026-11-20",
            "outcome": "resolved",
            "note": "REFERRALCANARY lawyer at the defensoria",
        },
    )
    page = ana.get(page_url).get_data(as_text=True)
    assert '<option value="done" selected>' in page and '<option value="resolved" selected>' in page
    bad = ana.post(
        f"{page_url}/referrals",
        data={"csrf_token": token, "intervention_type": "bribery", "status": "planned"},
    )
    assert bad.status_code == 400
    assert b"REFERRALCANARY" not in database_bytes(app)


def test_related_reports_are_linked_both_ways_within_the_organisation(
    app: Flask, network: Network, two_moderators, db: Session
) -> None:  # type: ignore[no-untyped-def]
    ana, _ = two_moderators
    submit(app.test_client(), share_with_network=None, narrative="first")
    submit(app.test_client(), share_with_network=None, narrative="second")
    submit(
        app.test_client(),
        country="CO",
        region="CO-ANT",
        share_with_network=None,
        narrative="colombia",
    )
    reports = {
        r.cases[0].organisation_id == network.colombia.id: r for r in db.scalars(select(Report))
    }
    brazil_reports = [
        r for r in db.scalars(select(Report)) if r.cases[0].organisation_id == network.brazil.id
    ]
    first, second = brazil_reports
    colombian = reports[True]
    url = f"/staff/cases/{first.id}"
    token = form_token(ana, url)
    assert (
        ana.post(
            f"{url}/links", data={"csrf_token": token, "reference": second.reference.lower()}
        ).status_code
        == 302
    )
    assert second.reference in ana.get(url).get_data(as_text=True)
    assert first.reference in ana.get(f"/staff/cases/{second.id}").get_data(as_text=True)
    refused = ana.post(f"{url}/links", data={"csrf_token": token, "reference": colombian.reference})
    assert refused.status_code == 400 and "No report of your organisation" in refused.get_data(
        as_text=True
    )


def test_story_needs_a_second_person_and_any_edit_needs_approval_again(
    app: Flask, network: Network, two_moderators, db: Session
) -> None:  # type: ignore[no-untyped-def]
    ana, bia = two_moderators
    submit(app.test_client(), share_with_network=None)
    report = db.scalars(select(Report)).one()
    url = f"/staff/cases/{report.id}"
    ana.post(
        f"{url}/story",
        data={
            "csrf_token": form_token(ana, url),
            "text": "STORYCANARY A woman in a city was stopped.",
        },
    )
    own = ana.post(f"{url}/story/approve", data={"csrf_token": form_token(ana, url)})
    assert own.status_code == 409 and "Someone other than the author" in own.get_data(as_text=True)
    assert (
        bia.post(f"{url}/story/approve", data={"csrf_token": form_token(bia, url)}).status_code
        == 302
    )
    db.expire_all()
    story = db.scalars(select(AdvocacyStory)).one()
    assert story.approved_by_id is not None
    assert "Approved by bia" in ana.get(url).get_data(as_text=True)
    # Approved, the story is published under the advocacy key: what an advocate opens.
    advocacy = advocacy_keys_of(network.brazil)
    published = published_stories(db, network.brazil.id, advocacy)
    assert [(p.text, p.country, p.violations) for p in published] == [
        (
            "STORYCANARY A woman in a city was stopped.",
            "BR",
            ["confiscation_supplies", "extortion_bribe"],
        )
    ]
    assert published[0].approved_on == f"{dt.date.today():%Y-%m}"

    bia.post(
        f"{url}/story", data={"csrf_token": form_token(bia, url), "text": "STORYCANARY edited"}
    )
    db.expire_all()
    assert db.scalars(select(AdvocacyStory)).one().approved_by_id is None
    # An edit withdraws the approval: the story leaves what advocates can read.
    assert published_stories(db, network.brazil.id, advocacy) == []
    assert b"STORYCANARY" not in database_bytes(app)
