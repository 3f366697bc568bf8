"""Retention, exactly: a closed case's story, files, messages and notes go on the boundary day,
not a day before, and an open case is never touched, however old."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reporter.cases.models import CaseNote
from reporter.cases.retention import purge
from reporter.coding.models import CaseAct
from reporter.orgs.models import Organisation
from reporter.reports.models import Attachment, AttachmentChunk, Message, Report
from tests.conftest import Network
from tests.factories import make_report

TODAY = dt.date(2026, 6, 30)
DAYS = 90


def _rows(db: Session, report: Report) -> dict[str, int]:
    def count(model: type, column: object) -> int:
        return int(
            db.scalar(select(func.count()).select_from(model).where(column == report.id)) or 0
        )

    files = db.scalars(select(Attachment.id).where(Attachment.report_id == report.id)).all()
    return {
        "files": len(files),
        "chunks": int(
            db.scalar(
                select(func.count())
                .select_from(AttachmentChunk)
                .where(AttachmentChunk.attachment_id.in_(files))
            )
            or 0
        ),
        "messages": count(Message, Message.report_id),
        "notes": count(CaseNote, CaseNote.report_id),
        "acts": count(CaseAct, CaseAct.report_id),
    }


def test_closed_content_goes_on_the_boundary_day_and_open_cases_stay(
    db: Session, network: Network
) -> None:
    brazil = db.get(Organisation, network.brazil.id)
    assert brazil is not None
    brazil.purge_closed_content_after_days = DAYS
    key = network.key(network.brazil)
    boundary = TODAY - dt.timedelta(days=DAYS)
    situation: dict[str, object] = {
        "files": 1,
        "messages": 2,
        "notes": 1,
        "acts": 1,
        "share_with_network": False,
    }
    due = make_report(db, brazil, key, status="closed", closed_on=boundary, **situation)
    a_day_early = make_report(
        db, brazil, key, status="closed", closed_on=boundary + dt.timedelta(days=1), **situation
    )
    still_open = make_report(
        db, brazil, key, status="in_review", received_on=TODAY - dt.timedelta(days=900), **situation
    )
    untouched_before = {
        made.report.id: _rows(db, made.report) for made in (a_day_early, still_open)
    }
    assert _rows(db, due.report) == {"files": 2, "chunks": 2, "messages": 2, "notes": 1, "acts": 1}

    result = purge(db, today=TODAY)
    db.expire_all()

    assert result.contents_purged == 1
    assert db.get(Report, due.report.id).content is None  # type: ignore[union-attr]
    # The story, the files (also those sent with a message), the messages and the notes go;
    # the coding stays.
    assert _rows(db, due.report) == {"files": 0, "chunks": 0, "messages": 0, "notes": 0, "acts": 1}
    for made in (a_day_early, still_open):
        assert db.get(Report, made.report.id).content is not None  # type: ignore[union-attr]
        assert _rows(db, made.report) == untouched_before[made.report.id]


def test_without_a_rule_nothing_is_purged(db: Session, network: Network) -> None:
    brazil = db.get(Organisation, network.brazil.id)
    assert brazil is not None
    brazil.purge_closed_content_after_days = None
    made = make_report(
        db,
        brazil,
        network.key(network.brazil),
        status="closed",
        closed_on=dt.date(2000, 1, 1),
        files=1,
        notes=1,
        share_with_network=False,
    )
    assert purge(db, today=TODAY).contents_purged == 0
    db.expire_all()
    assert db.get(Report, made.report.id).content is not None  # type: ignore[union-attr]
    assert _rows(db, made.report)["notes"] == 1
