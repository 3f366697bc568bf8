"""Internal notes on a case, and the foreign key every row owned by one organisation's case uses.

What staff write about a case is encrypted under the case key of their organisation.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, ForeignKeyConstraint, LargeBinary, Uuid
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from reporter.db import Base


def belongs_to_case() -> ForeignKeyConstraint:
    """Rows owned by one organisation's case go when the case goes."""
    return ForeignKeyConstraint(
        ["report_id", "organisation_id"],
        ["cases.report_id", "cases.organisation_id"],
        ondelete="CASCADE",
    )


class CaseRow:
    """A numbered row of one organisation's case (a note, an act, a referral)."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple[ForeignKeyConstraint]:
        return (belongs_to_case(),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    report_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class CaseNote(CaseRow, Base):
    """An internal note: never shown to the reporter, nor to other organisations."""

    __tablename__ = "case_notes"

    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    created_on: Mapped[dt.date] = mapped_column()
    body: Mapped[bytes] = mapped_column(LargeBinary)
