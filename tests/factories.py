"""Factories: a test states its situation in one line.

    report = make_report(db, network, status="closed", closed_on=day, files=1, messages=2, notes=1)

Reports are made through the real services (sealed to their recipients, files stored encrypted,
messages and notes encrypted), only faster than through the web pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.accounts.models import MODERATOR, StaffMember
from reporter.accounts.service import create_staff_member
from reporter.attachments.sanitize import CleanFile
from reporter.cases.service import add_note
from reporter.casework import service as casework
from reporter.coding import service as coding
from reporter.followup.service import Thread, add_reporter_message, add_staff_message, open_thread
from reporter.orgs.models import Organisation
from reporter.reports.models import Case, Report
from reporter.reports.service import ReceiptSecrets, ReportContent, submit_report
from tests.staff import ADVOCACY_KEYS, keyring_of

FAST = crypto.Cost(1, 1024)
SECRETS = ReceiptSecrets(b"factory pepper", FAST)


@dataclass
class Made:
    report: Report
    case: Case
    receipt: str


def content(**changes: object) -> ReportContent:
    values: dict[str, object] = {
        "violations": ["extortion_bribe"],
        "violation_other": "",
        "incident_year": 2025,
        "incident_month": None,
        "incident_day": None,
        "date_precision": "year",
        "country": "BR",
        "region": "",
        "city": "",
        "location_type": "",
        "perpetrators": ["police"],
        "relation": "self",
        "populations": [],
        "narrative": "A story told by a factory.",
        "sought_protection": "",
        "reasons_not": [],
        "share_with_network": False,
        "count_in_statistics": False,
        "allow_replies": True,
        "contact": "",
        "language": "en",
    }
    values.update(changes)
    return ReportContent(**values)  # type: ignore[arg-type]


def clean_file(number: int = 1) -> CleanFile:
    return CleanFile(kind="image", mime="image/png", extension="png", data=b"png %d " % number * 50)


def staff_author(
    session: Session, organisation: Organisation, private_key: bytes, username: str = "factory"
) -> StaffMember:
    found = session.scalars(
        select(StaffMember).where(
            StaffMember.organisation_id == organisation.id, StaffMember.username == username
        )
    ).first()
    if found is not None:
        return found
    return create_staff_member(
        session,
        organisation,
        username=username,
        role=MODERATOR,
        password="correct horse battery staple orbit",
        organisation_private_key=private_key,
        advocacy_key=ADVOCACY_KEYS[organisation.id],
        cost=FAST,
        totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    ).member


def make_report(
    session: Session,
    organisation: Organisation,
    private_key: bytes,
    *,
    status: str = "new",
    received_on: dt.date | None = None,
    closed_on: dt.date | None = None,
    files: int = 0,
    messages: int = 0,
    notes: int = 0,
    acts: int = 0,
    **content_changes: object,
) -> Made:
    """A report received by one organisation, with what the test asks for around it."""
    received_on = received_on or dt.date.today()
    submitted = submit_report(
        session,
        content(**content_changes),
        [clean_file(n) for n in range(1, files + 1)],
        SECRETS,
        today=received_on,
    )
    report = submitted.report
    case = session.get(Case, (report.id, organisation.id))
    assert case is not None, "the organisation did not receive the report"
    author = staff_author(session, organisation, private_key) if notes else None
    for number in range(notes):
        assert author is not None
        add_note(session, case, private_key, author, f"note {number}", today=received_on)
    thread: Thread | None = None
    for number in range(messages):
        if number % 2 == 0:
            add_staff_message(session, report, organisation, private_key, f"question {number}")
        else:
            thread = thread or open_thread(session, submitted.receipt, SECRETS)
            add_reporter_message(session, thread, f"answer {number}", [clean_file(number)])
    for _ in range(acts):
        coding.save_act(
            session,
            case,
            keyring_of(organisation, private_key),
            coding.Act(violation_type="extortion_bribe", country="BR"),
        )
    case.status = status
    case.closed_on = closed_on
    session.flush()
    return Made(report=report, case=case, receipt=submitted.receipt)


def make_story(
    session: Session,
    organisation: Organisation,
    private_key: bytes,
    text: str,
    *,
    approved_on: dt.date | None = None,
    approved: bool = True,
    acts: Sequence[coding.Act] = (),
    **content_changes: object,
) -> Made:
    """A report with a redacted story for advocacy, written by one moderator and, unless
    `approved` is False, approved (so published under the advocacy key) by a second one in the
    month of `approved_on`. The story's country and violation types are those of the `acts`
    coded first, or without any, the report's."""
    made = make_report(session, organisation, private_key, **content_changes)
    for act in acts:
        coding.save_act(session, made.case, keyring_of(organisation, private_key), act)
    author = staff_author(session, organisation, private_key, f"story-author-{organisation.slug}")
    casework.save_story(session, made.case, private_key, author, text)
    if approved:
        approver = staff_author(
            session, organisation, private_key, f"story-approver-{organisation.slug}"
        )
        casework.approve_story(
            session, made.case, keyring_of(organisation, private_key), approver, approved_on
        )
    session.flush()
    return made


def code_statistics(db: Session, network: Any) -> None:
    """Statistics worth a page: 24 acts of extortion by the police, in Brazil (São Paulo) and
    Colombia (no region said) over March and April 2025, and one act of forced labour in Brazil
    (too few to show). Commits."""
    key = network.key(network.brazil)
    keyring = keyring_of(network.brazil, key)
    for number in range(24):
        made = make_report(db, network.brazil, key, count_in_statistics=True)
        act = coding.Act(
            violation_type="extortion_bribe",
            year=2025,
            month=3 + number % 2,
            date_precision="month",
            country="BR" if number % 2 else "CO",
            region="BR-SP" if number % 2 else "",
            perpetrators=["police"],
        )
        coding.save_act(db, made.case, keyring, act)
    made = make_report(db, network.brazil, key, count_in_statistics=True)
    lone = coding.Act(
        violation_type="forced_labour", year=2025, month=3, date_precision="month", country="BR"
    )
    coding.save_act(db, made.case, keyring, lone)
    db.commit()


def act_form(**overrides: object) -> dict[str, object]:
    """The fields of the coding form for one act, as a moderator fills them in."""
    fields: dict[str, object] = {
        "violation_type": "extortion_bribe",
        "year": "2025",
        "month": "3",
        "day": "",
        "date_precision": "month",
        "country": "BR",
        "region": "BR-SP",
        "location_type": "street_public",
        "perpetrators": ["police"],
        "populations": ["sex_worker", "migrant"],
        "violation_status": "verified",
        "sought_protection": "no",
        "reasons_not": ["fear_of_reprisal"],
    }
    fields.update(overrides)
    return fields
