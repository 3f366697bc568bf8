"""Staff accounts and invitations. Login secrets exist here only as verifiers and wrapped keys."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reporter.db import Base
from reporter.orgs.models import Organisation

NETWORK_ADMIN = "network_admin"
ORG_ADMIN = "org_admin"
MODERATOR = "moderator"
ADVOCATE = "advocate"
ROLES: tuple[str, ...] = (NETWORK_ADMIN, ORG_ADMIN, MODERATOR, ADVOCATE)
# Advocates publish statistics; they never hold a key that opens a report.
ROLES_WITH_REPORT_ACCESS: frozenset[str] = frozenset({NETWORK_ADMIN, ORG_ADMIN, MODERATOR})


class StaffMember(Base):
    __tablename__ = "staff_members"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(24))
    password_salt: Mapped[bytes] = mapped_column(LargeBinary)
    password_verifier: Mapped[bytes] = mapped_column(LargeBinary)
    # The TOTP secret, encrypted under the password-derived wrapping key.
    totp_secret_wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(default=True)
    created_on: Mapped[dt.date] = mapped_column(default=dt.date.today)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(24))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column()
    used: Mapped[bool] = mapped_column(default=False)
