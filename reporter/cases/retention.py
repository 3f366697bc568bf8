"""Retention: spam purged after a while; the raw content of closed cases purged, coding kept.

Runs without any key (it only deletes): `reporter purge`, scheduled daily (see README).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from reporter.cases.models import CaseNote
from reporter.db import empty_log_after_commit
from reporter.orgs.models import Organisation
from reporter.reports.models import (
    FINISHED_STATUSES,
    Attachment,
    Case,
    IndexToken,
    Message,
    Report,
    SentDraft,
)
from reporter.reports.service import SENT_DRAFT_KEEP_DAYS
from reporter.search.models import forget as forget_search_texts


@dataclass
class PurgeResult:
    spam_cases_deleted: int = 0
    reports_deleted: int = 0
    contents_purged: int = 0
    sent_marks_deleted: int = 0


def delete_case(session: Session, case: Case) -> bool:
    """Remove one organisation's case (its notes and coding go with it); the report itself goes
    when no organisation has it any more. Returns whether the report was deleted."""
    report = case.report
    empty_log_after_commit(session)
    session.execute(
        delete(IndexToken).where(
            IndexToken.report_id == case.report_id,
            IndexToken.organisation_id == case.organisation_id,
        )
    )
    session.delete(case)
    session.flush()
    session.refresh(report, ["cases"])
    if not report.cases:
        session.delete(report)
        session.flush()
        return True
    return False


def purge_content(session: Session, report: Report) -> None:
    """Drop what the reporter sent (content, files, messages) and staff notes; keep case coding."""
    empty_log_after_commit(session)
    session.execute(delete(Attachment).where(Attachment.report_id == report.id))
    session.execute(delete(Message).where(Message.report_id == report.id))
    session.execute(delete(CaseNote).where(CaseNote.report_id == report.id))
    forget_search_texts(session, report.id)
    report.content = None
    report.attachment_count = 0
    session.flush()


def purge(session: Session, today: dt.date | None = None) -> PurgeResult:
    """Apply every organisation's retention rules."""
    today = today or dt.date.today()
    result = PurgeResult()
    organisations = {org.id: org for org in session.scalars(select(Organisation))}
    for organisation in organisations.values():
        if organisation.purge_spam_after_days is None:
            continue
        cutoff = today - dt.timedelta(days=organisation.purge_spam_after_days)
        spam = session.scalars(
            select(Case).where(
                Case.organisation_id == organisation.id,
                Case.status == "spam",
                Case.closed_on <= cutoff,
            )
        ).all()
        for case in spam:
            result.spam_cases_deleted += 1
            result.reports_deleted += int(delete_case(session, case))

    candidates = session.scalars(select(Report).where(Report.content.is_not(None))).all()
    for report in candidates:
        if report.cases and all(
            _content_may_go(case, organisations[case.organisation_id], today)
            for case in report.cases
        ):
            purge_content(session, report)
            result.contents_purged += 1
    old_marks = today - dt.timedelta(days=SENT_DRAFT_KEEP_DAYS)
    deleted = session.execute(delete(SentDraft).where(SentDraft.sent_on < old_marks))
    result.sent_marks_deleted = int(getattr(deleted, "rowcount", 0) or 0)
    return result


def _content_may_go(case: Case, organisation: Organisation, today: dt.date) -> bool:
    days = organisation.purge_closed_content_after_days
    if days is None or case.status not in FINISHED_STATUSES:
        return False
    finished_on = case.closed_on or case.received_on
    return finished_on <= today - dt.timedelta(days=days)
