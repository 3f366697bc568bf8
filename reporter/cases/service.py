"""A case and its workflow: finding and opening it, status, priority, assignment, internal notes."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.accounts.models import ROLES_WITH_REPORT_ACCESS, StaffMember
from reporter.attachments.storage import AttachmentRef
from reporter.cases.models import CaseNote
from reporter.casework import service as casework
from reporter.coding.service import StoredAct, list_acts
from reporter.crypto import contexts
from reporter.followup.service import ThreadMessage, decrypt_messages
from reporter.orgs.keyring import Keyring
from reporter.orgs.models import Organisation
from reporter.reports.models import STAFF_STATUSES, WITHDRAWN, Case, Report
from reporter.reports.service import (
    ContentPurged,
    NotARecipient,
    ReportContent,
    case_of,
    decrypt_content,
    open_case_key,
)

PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


class CaseNotFound(Exception):
    """No such report was routed to this organisation."""


class InvalidChange(Exception):
    """A status, priority or assignee that is not allowed."""


def colleagues(session: Session, organisation: Organisation) -> list[StaffMember]:
    """Who a case may be assigned to: active members of the organisation who read reports."""
    return list(
        session.scalars(
            select(StaffMember)
            .where(
                StaffMember.organisation_id == organisation.id,
                StaffMember.active.is_(True),
                StaffMember.role.in_(ROLES_WITH_REPORT_ACCESS),
            )
            .order_by(StaffMember.username)
        )
    )


@dataclass(frozen=True)
class NoteView:
    author: str
    day: dt.date
    text: str


@dataclass
class CaseView:
    report: Report
    case: Case
    content: ReportContent | None
    messages: list[ThreadMessage]
    notes: list[NoteView]
    acts: list[StoredAct] = field(default_factory=list)
    files: list[AttachmentRef] = field(default_factory=list)
    referrals: list[casework.StoredReferral] = field(default_factory=list)
    links: list[Report] = field(default_factory=list)
    story: casework.StoryView | None = None


def find_case(session: Session, report_id: uuid.UUID, organisation: Organisation) -> Case:
    report = session.get(Report, report_id)
    if report is None:
        raise CaseNotFound
    try:
        return case_of(session, report, organisation)
    except NotARecipient as exc:
        # Only "this organisation was not sent it" is a 404; any other error is a bug to see.
        raise CaseNotFound from exc


def _note_associated_data(case: Case) -> bytes:
    return contexts.note(case.report_id, case.organisation_id)


def open_case(session: Session, case: Case, keyring: Keyring) -> CaseView:
    """Everything about a case, decrypted for staff of its organisation."""
    report = case.report
    private_key = keyring.for_case(case)
    try:
        content: ReportContent | None = decrypt_content(case, report, private_key)
    except ContentPurged:
        content = None
    messages = decrypt_messages(report, open_case_key(case, private_key, "thread"))
    notes = read_notes(session, case, open_case_key(case, private_key, "case"))
    files = list(content.attachments) if content else []
    for thread_message in messages:
        files.extend(thread_message.attachments)
    return CaseView(
        report,
        case,
        content,
        messages,
        notes,
        list_acts(session, case, private_key),
        files,
        casework.list_referrals(session, case, private_key),
        casework.linked_reports(session, case),
        casework.read_story(session, case, private_key),
    )


def read_notes(session: Session, case: Case, case_key: bytes) -> list[NoteView]:
    """The case's internal notes, oldest first, opened with its case key."""
    notes = []
    rows = session.execute(
        select(CaseNote, StaffMember.username)
        .outerjoin(StaffMember, StaffMember.id == CaseNote.author_id)
        .where(
            CaseNote.report_id == case.report_id, CaseNote.organisation_id == case.organisation_id
        )
        .order_by(CaseNote.id)
    ).all()
    for note, username in rows:
        text = crypto.decrypt_text(case_key, note.body, _note_associated_data(case)).decode("utf-8")
        notes.append(NoteView(username or "—", note.created_on, text))
    return notes


def mark_replies_read(case: Case) -> None:
    case.unread_replies = 0


def set_status(case: Case, status: str, today: dt.date | None = None) -> None:
    if status not in STAFF_STATUSES or case.status == WITHDRAWN:
        raise InvalidChange(status)
    case.status = status
    case.closed_on = (today or dt.date.today()) if status in ("closed", "spam") else None


def set_priority(case: Case, priority: str) -> None:
    if priority not in PRIORITIES:
        raise InvalidChange(priority)
    case.priority = priority
    case.priority_rank = PRIORITY_RANK[priority]


def set_assignee(
    session: Session, case: Case, organisation: Organisation, assignee_id: str
) -> None:
    if not assignee_id:
        case.assignee_id = None
        return
    allowed = {str(member.id): member for member in colleagues(session, organisation)}
    if assignee_id not in allowed:
        raise InvalidChange(assignee_id)
    case.assignee_id = allowed[assignee_id].id


def add_note(
    session: Session,
    case: Case,
    private_key: bytes,
    author: StaffMember,
    text: str,
    today: dt.date | None = None,
) -> CaseNote:
    case_key = open_case_key(case, private_key, "case")
    note = CaseNote(
        report_id=case.report_id,
        organisation_id=case.organisation_id,
        author_id=author.id,
        created_on=today or dt.date.today(),
        body=crypto.encrypt_text(case_key, text.encode("utf-8"), _note_associated_data(case)),
    )
    session.add(note)
    session.flush()
    return note
