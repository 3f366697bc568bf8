"""The coded acts of a case, encrypted under the case key of its organisation."""

from __future__ import annotations

from sqlalchemy import LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from reporter.cases.models import CaseRow
from reporter.db import Base


class CaseAct(CaseRow, Base):
    """One coded act of a case (HURIDOCS-style): what, when, where, by whom, to whom, how verified."""

    __tablename__ = "case_acts"

    data: Mapped[bytes] = mapped_column(LargeBinary)
