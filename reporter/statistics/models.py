"""The statistics at rest: each counted case's contribution, encrypted, with no link to a report."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, LargeBinary, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from reporter.db import Base


class StatContribution(Base):
    """What one counted case adds to the statistics, encrypted under the organisation's advocacy
    key (`statistics/service.py`). The row's id is random and nothing in the clear names the case:
    the case keeps, under its own case key, the id of its contribution.

    `migrated` marks the totals moved over from the clear-text table of earlier versions; the
    next login of a member who reads reports replaces them with one contribution per case.
    """

    __tablename__ = "stat_contributions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    key_version: Mapped[int] = mapped_column(default=1)
    migrated: Mapped[bool] = mapped_column(default=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class StatisticsRelease(Base):
    """One export of the statistics that left the platform (a file downloaded, a brief opened to
    print, an export on the command line): its scope and the cells it hid, encrypted under the
    organisation's advocacy key. A later export of overlapping scope is checked together with it
    (`statistics/ledger.py`). Nothing in the clear says what it covered or when it was made."""

    __tablename__ = "statistics_releases"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    key_version: Mapped[int] = mapped_column(default=1)
    data: Mapped[bytes] = mapped_column(LargeBinary)
