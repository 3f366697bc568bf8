"""A case's search text: what it says, folded, encrypted under the organisation's search key."""

from __future__ import annotations

import uuid

from sqlalchemy import LargeBinary, Uuid, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from reporter.cases.models import belongs_to_case
from reporter.db import Base


class CaseSearchText(Base):
    """One per case once staff have indexed it; missing while it changed without them (a new
    report, a reporter's reply, a retention purge), and then read from the case itself.

    One ciphertext, padded to its size bucket: no word, token or hash of one is stored."""

    __tablename__ = "case_search_texts"
    __table_args__ = (belongs_to_case(),)

    report_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)


def forget(session: Session, report_id: uuid.UUID) -> None:
    """The report changed where no staff key is held (a reply, a purge): its cases' search texts
    go, and the search reads those cases themselves until a staff login writes them again."""
    session.execute(delete(CaseSearchText).where(CaseSearchText.report_id == report_id))
