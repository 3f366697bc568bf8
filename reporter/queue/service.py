"""The moderation queue: one page of an organisation's cases, filtered, ordered and paged.

Only a logged-in member holds the keys that index new cases (reporter.queue.blind_index) and
bring up to date the statistics of cases changed without keys. That work is a write, so it runs
when the member logs in (a POST, `bring_up_to_date`), never on a visit to the queue: a GET only
reads, and finds cases that arrived since then by opening them in memory (`_unindexed_matches`).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import QueryableAttribute, Session, aliased, selectinload

from reporter import crypto
from reporter.accounts.models import StaffMember
from reporter.casework.service import publish_approved_stories
from reporter.coding.service import coded_acts
from reporter.crypto import contexts
from reporter.orgs.keyring import Keyring
from reporter.orgs.models import Organisation
from reporter.queue.blind_index import INDEX_BATCH, index_new_cases, index_token
from reporter.reports.models import FINISHED_STATUSES, Case, IndexToken
from reporter.reports.service import ContentPurged, decrypt_content
from reporter.search import service as search_texts
from reporter.search.models import CaseSearchText
from reporter.search.text import Term, matches, readable
from reporter.statistics.service import (
    RECONCILE_BATCH,
    reconcile_dirty_cases,
    replace_migrated_totals,
)


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


@dataclass(frozen=True)
class SearchCursor:
    """Where a search goes on from: the last case it showed or read, in its order."""

    received_on: dt.date
    report_id: uuid.UUID

    def encode(self) -> str:
        return f"{self.received_on.isoformat()}.{self.report_id.hex}"

    @classmethod
    def decode(cls, text: str) -> SearchCursor | None:
        day, _, report = text.partition(".")
        try:
            return cls(dt.date.fromisoformat(day), uuid.UUID(hex=report))
        except ValueError:
            return None


@dataclass(frozen=True)
class SearchPage:
    """One page of what a search found. `more` is where the next page starts; `stopped_on`,
    set when the time budget ran out first, is the day of the last case read."""

    rows: list[QueueRow]
    read: int
    more: SearchCursor | None
    stopped_on: dt.date | None


def bring_up_to_date(session: Session, keyring: Keyring, search_seconds: float) -> None:
    """Index every case not indexed yet, reconcile every case whose statistics are stale, and
    write search texts for up to `search_seconds`.

    Runs at login, the one POST that holds the keys before the member reads the queue."""
    replace_migrated_totals(session, keyring, coded_acts)
    publish_approved_stories(session, keyring)
    while index_new_cases(session, keyring) == INDEX_BATCH:
        pass
    while reconcile_dirty_cases(session, keyring, coded_acts) == RECONCILE_BATCH:
        pass
    search_texts.index_missing(session, keyring, search_seconds)


def _unindexed_matches(
    session: Session, keyring: Keyring, filters: QueueFilters
) -> list[uuid.UUID]:
    """Cases that arrived since the last login carry no index token yet: open them in memory
    and keep those that match the encrypted filters. Reads only."""
    if not (filters.country or filters.violation):
        return []
    cases = session.scalars(
        select(Case)
        .where(Case.organisation_id == keyring.organisation.id, Case.indexed.is_(False))
        .options(selectinload(Case.report))
    ).all()
    matches = []
    for case in cases:
        try:
            content = decrypt_content(case, case.report, keyring.for_case(case))
        except ContentPurged:
            continue
        if filters.country and content.country != filters.country:
            continue
        if filters.violation and filters.violation not in content.violations:
            continue
        matches.append(case.report_id)
    return matches


def _filtered(
    organisation: Organisation,
    member: StaffMember,
    filters: QueueFilters,
    key: bytes,
    unindexed: list[uuid.UUID],
) -> tuple[Select[Case], QueryableAttribute[dt.date]]:
    """The filtered query, and the column its date order should use: the first blind-index filter
    drives the query through its (organisation, token, day) index when every case is indexed."""
    query = select(Case).where(Case.organisation_id == organisation.id)
    received: QueryableAttribute[dt.date] = Case.received_on
    blind = [
        (name, value)
        for name, value in (("violation", filters.violation), ("country", filters.country))
        if value
    ]
    if blind and unindexed:
        indexed_match: list[ColumnElement[bool]] = [
            exists().where(
                IndexToken.report_id == Case.report_id,
                IndexToken.organisation_id == organisation.id,
                IndexToken.token == index_token(key, field_name, value),
            )
            for field_name, value in blind
        ]
        query = query.where(or_(and_(*indexed_match), Case.report_id.in_(unindexed)))
        blind = []
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
        query = query.where(Case.status.not_in(FINISHED_STATUSES))
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


def _rows(keyring: Keyring, cases: Sequence[Case]) -> list[QueueRow]:
    rows = []
    for case in cases:
        report = case.report
        try:
            country = decrypt_content(case, report, keyring.for_case(case)).country
        except ContentPurged:
            country = ""
        rows.append(QueueRow(case, report.reference, country, report.attachment_count))
    return rows


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
    key = keyring.index_key
    page = max(1, filters.page)
    unindexed = _unindexed_matches(session, keyring, filters)
    filtered, received = _filtered(organisation, member, filters, key, unindexed)
    query = _ordered(filtered, received, filters.sort)
    page_query = (
        query.options(selectinload(Case.report)).offset((page - 1) * page_size).limit(page_size + 1)
    )
    cases = session.scalars(page_query).all()
    return QueuePage(_rows(keyring, cases[:page_size]), page, len(cases) > page_size)


def search(
    session: Session,
    keyring: Keyring,
    member: StaffMember,
    filters: QueueFilters,
    terms: Sequence[Term],
    page_size: int,
    seconds: float,
    after: SearchCursor | None = None,
) -> SearchPage:
    """The organisation's cases that pass the filters and say every term, by date of arrival
    (newest first, or oldest with that order), a page at a time.

    Each case's search text is opened in memory with the search key; a case without one is read
    from the case itself. Nothing is written. The search stops after `seconds`, saying how far
    it got."""
    organisation_id = keyring.organisation.id
    unindexed = _unindexed_matches(session, keyring, filters)
    filtered, received = _filtered(
        keyring.organisation, member, filters, keyring.index_key, unindexed
    )
    oldest_first = filters.sort == "oldest"
    if after is not None:
        later = received > after.received_on if oldest_first else received < after.received_on
        filtered = filtered.where(
            or_(later, and_(received == after.received_on, Case.report_id > after.report_id))
        )
    query = (
        filtered.outerjoin(
            CaseSearchText,
            and_(
                CaseSearchText.report_id == Case.report_id,
                CaseSearchText.organisation_id == Case.organisation_id,
            ),
        )
        .with_only_columns(Case.report_id, received, Case.key_version, CaseSearchText.body)
        .order_by(received.asc() if oldest_first else received.desc(), Case.report_id)
    )
    keys = search_texts.SearchKeys(keyring)
    openers: dict[int, crypto.RecordOpener] = {}
    deadline = time.monotonic() + seconds
    found: list[SearchCursor] = []
    read = 0
    last: SearchCursor | None = None
    stopped = False
    result = session.execute(query.execution_options(yield_per=1000))
    for report_id, received_on, version, body in result:
        read += 1
        last = SearchCursor(received_on, report_id)
        text = None
        if body is not None:
            opener = openers.get(version)
            if opener is None:
                opener = openers[version] = crypto.RecordOpener(keys(version))
            try:
                text = opener(body, contexts.search_text(report_id, organisation_id))
            except crypto.DecryptionFailed:
                text = None
            if text is not None and not readable(text):
                text = None
        if text is None:
            case = session.get_one(Case, (report_id, organisation_id))
            text = search_texts.plain_text(session, case, keyring)
        if matches(text, terms):
            found.append(last)
            if len(found) > page_size:
                break
        if time.monotonic() > deadline:
            stopped = True
            break
    result.close()
    shown = found[:page_size]
    cases = {
        case.report_id: case
        for case in session.scalars(
            select(Case)
            .where(
                Case.organisation_id == organisation_id,
                Case.report_id.in_([cursor.report_id for cursor in shown]),
            )
            .options(selectinload(Case.report))
        )
    }
    # A case deleted while the search ran is left out.
    rows = _rows(keyring, [cases[c.report_id] for c in shown if c.report_id in cases])
    if len(found) > page_size:
        return SearchPage(rows, read, shown[-1], None)
    if stopped and last is not None:
        return SearchPage(rows, read, last, last.received_on)
    return SearchPage(rows, read, None, None)
