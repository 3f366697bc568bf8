"""The anonymised statistics table: counts for advocacy, with no link to any report."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from reporter.db import Base


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
