"""The audit log: append-only, each entry chained to the one before by a keyed hash."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from reporter.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column()
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    actor_name: Mapped[str] = mapped_column(String(80))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(48), index=True)
    target: Mapped[str] = mapped_column(String(64), default="")
    # Never content: only what was done (field names, new status, counts).
    details: Mapped[str] = mapped_column(Text, default="{}")
    previous_hash: Mapped[bytes] = mapped_column(LargeBinary)
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary)


class AuditHead(Base):
    """The newest entry's number and hash; locked while appending so entries form one chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[bytes] = mapped_column(LargeBinary)
    # MAC(audit key, last_id, last_hash): the key is derived from the instance secret, which the
    # database does not hold, so a rewound or truncated head is detected.
    head_mac: Mapped[bytes | None] = mapped_column(LargeBinary)
