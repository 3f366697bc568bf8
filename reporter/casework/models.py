"""Case work rows: referrals, links between related reports, the redacted advocacy story.

Referrals and stories are encrypted under the case key of the organisation; an approved story is
also published under the organisation's advocacy key, the one copy advocates can open.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, LargeBinary, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from reporter.cases.models import CaseRow, belongs_to_case
from reporter.db import Base


class Referral(CaseRow, Base):
    """A referral or intervention (legal aid, health, shelter...), its status, date and outcome."""

    __tablename__ = "referrals"

    data: Mapped[bytes] = mapped_column(LargeBinary)


class CaseLink(Base):
    """Two reports of the same organisation that belong together (same event, same person)."""

    __tablename__ = "case_links"
    __table_args__ = (belongs_to_case(),)

    report_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    linked_report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )


class AdvocacyStory(Base):
    """A redacted story for advocacy. A second staff member must approve it; any edit after that
    makes it a draft again."""

    __tablename__ = "advocacy_stories"
    __table_args__ = (belongs_to_case(),)

    report_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    updated_on: Mapped[dt.date] = mapped_column()
    # Once approved: the story with what advocates filter on (country, violation types, month of
    # approval), encrypted under the advocacy key of `published_key_version`. An edit removes it.
    published: Mapped[bytes | None] = mapped_column(LargeBinary)
    published_key_version: Mapped[int | None] = mapped_column()
    # Waiting for a second approval and not yet in a notice to staff (reporter.notices).
    announce_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
