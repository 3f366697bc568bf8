"""What staff write about a case, encrypted under the case key of their organisation."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, ForeignKeyConstraint, LargeBinary, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from reporter.db import Base


class CaseNote(Base):
    """An internal note: never shown to the reporter, nor to other organisations."""

    __tablename__ = "case_notes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["report_id", "organisation_id"],
            ["cases.report_id", "cases.organisation_id"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    report_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    created_on: Mapped[dt.date] = mapped_column()
    body: Mapped[bytes] = mapped_column(LargeBinary)
