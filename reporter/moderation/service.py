"""The moderation queue and case work: status, priority, assignment, notes, messages.

Country and violation type are encrypted, so the queue filters on a blind index: keyed hashes
made with a key derived from the organisation's private key, which only logged-in staff hold.
Someone holding the server at rest cannot compute them; reports arriving while nobody is logged
in are indexed on the next queue visit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import QueryableAttribute, Session, aliased, selectinload

from reporter import crypto
from reporter.accounts.models import ROLES_WITH_REPORT_ACCESS, StaffMember
from reporter.attachments.storage import AttachmentRef
from reporter.followup.service import ThreadMessage, decrypt_messages
from reporter.moderation import casework
from reporter.moderation.coding import StoredAct, list_acts, reconcile_dirty_cases
from reporter.moderation.models import CaseNote
from reporter.orgs.keyring import Keyring
from reporter.orgs.models import Organisation
from reporter.reports.models import Case, IndexToken, Report
from reporter.reports.service import (
    ContentPurged,
    ReportContent,
    case_of,
    decrypt_content,
    open_case_key,
)

STAFF_STATUSES: tuple[str, ...] = ("new", "in_review", "documented", "referred", "closed", "spam")
ALL_STATUSES: tuple[str, ...] = (*STAFF_STATUSES, "withdrawn")
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
INDEX_BATCH = 500


class CaseNotFound(Exception):
    """No such report was routed to this organisation."""


class InvalidChange(Exception):
    """A status, priority or assignee that is not allowed."""


def index_token(key: bytes, field_name: str, value: str) -> bytes:
    return crypto.mac(key, f"{field_name}:{value}".encode())[:16]


def index_new_cases(session: Session, keyring: Keyring) -> int:
    """Add blind-index tokens for up to INDEX_BATCH cases not indexed yet."""
    organisation = keyring.organisation
    key = keyring.index_key
    cases = session.scalars(
        select(Case)
        .where(Case.organisation_id == organisation.id, Case.indexed.is_(False))
        .limit(INDEX_BATCH)
    ).all()
    for case in cases:
        try:
            content = decrypt_content(case, case.report, keyring.for_case(case))
        except ContentPurged:
            case.indexed = True
            continue
        values = {("country", content.country), *(("violation", v) for v in content.violations)}
        for field_name, value in values:
            session.add(
                IndexToken(
                    report_id=case.report_id,
                    organisation_id=organisation.id,
                    token=index_token(key, field_name, value),
                    received_on=case.received_on,
                )
            )
        case.indexed = True
    session.flush()
    return len(cases)


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    priority: str = ""
    assignee: str = ""  # "", "me", "none" or a staff member id
    country: str = ""
    violation: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    language: str = ""
    sort: str = "newest"
    page: int = 1


@dataclass(frozen=True)
class QueueRow:
    case: Case
    reference: str
    country: str
    attachment_count: int


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    page: int
    has_next: bool


def _filtered(
    organisation: Organisation, member: StaffMember, filters: QueueFilters, key: bytes
) -> tuple[Select[Case], QueryableAttribute[dt.date]]:
    """The filtered query, and the column its date order should use: the first blind-index filter
    drives the query through its (organisation, token, day) index when there is one."""
    query = select(Case).where(Case.organisation_id == organisation.id)
    received: QueryableAttribute[dt.date] = Case.received_on
    blind = [
        (name, value)
        for name, value in (("violation", filters.violation), ("country", filters.country))
        if value
    ]
    for position, (field_name, value) in enumerate(blind):
        token = index_token(key, field_name, value)
        if position == 0:
            driver = aliased(IndexToken)
            query = query.join(
                driver,
                and_(
                    driver.report_id == Case.report_id,
                    driver.organisation_id == organisation.id,
                    driver.token == token,
                ),
            )
            received = driver.received_on
        else:
            query = query.where(
                exists().where(
                    IndexToken.report_id == Case.report_id,
                    IndexToken.organisation_id == organisation.id,
                    IndexToken.token == token,
                )
            )
    if filters.status:
        query = query.where(Case.status == filters.status)
    else:
        # Closed, spam and withdrawn reports leave the default view; a filter brings them back.
        query = query.where(Case.status.not_in(("spam", "withdrawn", "closed")))
    if filters.priority:
        query = query.where(Case.priority == filters.priority)
    if filters.assignee == "me":
        query = query.where(Case.assignee_id == member.id)
    elif filters.assignee == "none":
        query = query.where(Case.assignee_id.is_(None))
    elif filters.assignee:
        query = query.where(Case.assignee_id == uuid.UUID(filters.assignee))
    if filters.language:
        query = query.where(Case.language == filters.language)
    if filters.received_from:
        query = query.where(received >= filters.received_from)
    if filters.received_to:
        query = query.where(received <= filters.received_to)
    return query, received


def _ordered(query: Select[Case], received: QueryableAttribute[dt.date], sort: str) -> Select[Case]:
    if sort == "oldest":
        return query.order_by(received.asc(), Case.report_id)
    if sort == "priority":
        return query.order_by(Case.priority_rank, received.desc(), Case.report_id)
    return query.order_by(received.desc(), Case.report_id)


def queue(
    session: Session,
    keyring: Keyring,
    member: StaffMember,
    filters: QueueFilters,
    page_size: int,
) -> QueuePage:
    """One page of the organisation's cases, newest first unless asked otherwise."""
    organisation = keyring.organisation
    index_new_cases(session, keyring)
    reconcile_dirty_cases(session, keyring)
    key = keyring.index_key
    page = max(1, filters.page)
    filtered, received = _filtered(organisation, member, filters, key)
    query = _ordered(filtered, received, filters.sort)
    page_query = (
        query.options(selectinload(Case.report)).offset((page - 1) * page_size).limit(page_size + 1)
    )
    cases = session.scalars(page_query).all()
    rows = []
    for case in cases[:page_size]:
        report = case.report
        try:
            country = decrypt_content(case, report, keyring.for_case(case)).country
        except ContentPurged:
            country = ""
        rows.append(QueueRow(case, report.reference, country, report.attachment_count))
    return QueuePage(rows, page, len(cases) > page_size)


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
    except Exception as exc:
        raise CaseNotFound from exc


def _note_associated_data(case: Case) -> bytes:
    return b"reporter/note/v1|" + case.report_id.bytes + case.organisation_id.bytes


def open_case(session: Session, case: Case, keyring: Keyring) -> CaseView:
    """Everything about a case, decrypted for staff of its organisation."""
    report = case.report
    private_key = keyring.for_case(case)
    try:
        content: ReportContent | None = decrypt_content(case, report, private_key)
    except ContentPurged:
        content = None
    messages = decrypt_messages(report, open_case_key(case, private_key, "thread"))
    case_key = open_case_key(case, private_key, "case")
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


def mark_replies_read(case: Case) -> None:
    case.unread_replies = 0


def set_status(case: Case, status: str, today: dt.date | None = None) -> None:
    if status not in STAFF_STATUSES or case.status == "withdrawn":
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
