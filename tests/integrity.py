"""What "no half report" means, checked on a database."""

from __future__ import annotations

import sqlalchemy as sa

from reporter.reports.models import Attachment, AttachmentChunk, Case, Report


def assert_whole(database_url: str) -> None:
    """Every stored report is whole: it has its case, each file all its chunks, no chunk is
    without its file, and the database passes its own integrity check."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            if database_url.startswith("sqlite"):
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            reports_without_case = connection.execute(
                sa.select(sa.func.count())
                .select_from(Report)
                .where(~sa.exists().where(Case.report_id == Report.id))
            ).scalar_one()
            assert reports_without_case == 0
            # A report is written with empty content, filled in before its savepoint ends.
            unfilled = connection.execute(
                sa.select(sa.func.count()).select_from(Report).where(Report.content == b"")
            ).scalar_one()
            assert unfilled == 0
            chunks = (
                sa.select(AttachmentChunk.attachment_id, sa.func.count().label("stored"))
                .group_by(AttachmentChunk.attachment_id)
                .subquery()
            )
            incomplete = connection.execute(
                sa.select(Attachment.id)
                .outerjoin(chunks, chunks.c.attachment_id == Attachment.id)
                .where(sa.func.coalesce(chunks.c.stored, 0) != Attachment.chunk_count)
            ).all()
            assert incomplete == []
            orphans = connection.execute(
                sa.select(sa.func.count())
                .select_from(AttachmentChunk)
                .where(~sa.exists().where(Attachment.id == AttachmentChunk.attachment_id))
            ).scalar_one()
            assert orphans == 0
    finally:
        engine.dispose()
