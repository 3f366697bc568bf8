"""What staff write about a case, encrypted under the case key of their organisation."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, ForeignKeyConstraint, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from reporter.db import Base


def _belongs_to_case() -> ForeignKeyConstraint:
    """Rows owned by one organisation's case go when the case goes."""
    return ForeignKeyConstraint(
        ["report_id", "organisation_id"],
        ["cases.report_id", "cases.organisation_id"],
        ondelete="CASCADE",
    )


class CaseNote(Base):
    """An internal note: never shown to the reporter, nor to other organisations."""

    __tablename__ = "case_notes"
    __table_args__ = (_belongs_to_case(),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    report_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    created_on: Mapped[dt.date] = mapped_column()
    body: Mapped[bytes] = mapped_column(LargeBinary)


class CaseAct(Base):
    """One coded act of a case (HURIDOCS-style): what, when, where, by whom, to whom, how verified."""

    __tablename__ = "case_acts"
    __table_args__ = (_belongs_to_case(),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    report_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class StatCount(Base):
    """Anonymised counts for advocacy, with no link to any report.

    Each coded act adds one to `combinations` for every (perpetrator type, population) pair it
    names, and one to `acts` for exactly one of those pairs, so totals of acts are exact while
    a breakdown by perpetrator counts an act under each perpetrator it names.
    """

    __tablename__ = "stat_counts"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    region: Mapped[str] = mapped_column(String(8), primary_key=True)
    year_month: Mapped[str] = mapped_column(String(7), primary_key=True)
    violation_type: Mapped[str] = mapped_column(String(48), primary_key=True)
    perpetrator_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    population: Mapped[str] = mapped_column(String(32), primary_key=True)
    combinations: Mapped[int] = mapped_column(default=0)
    acts: Mapped[int] = mapped_column(default=0)


class Referral(Base):
    """A referral or intervention (legal aid, health, shelter...), its status, date and outcome."""

    __tablename__ = "referrals"
    __table_args__ = (_belongs_to_case(),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    report_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class CaseLink(Base):
    """Two reports of the same organisation that belong together (same event, same person)."""

    __tablename__ = "case_links"
    __table_args__ = (_belongs_to_case(),)

    report_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    linked_report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )


class AdvocacyStory(Base):
    """A redacted story for advocacy. A second staff member must approve it; any edit after that
    makes it a draft again."""

    __tablename__ = "advocacy_stories"
    __table_args__ = (_belongs_to_case(),)

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
