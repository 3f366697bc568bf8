"""Staff accounts, invitations and sessions. Secrets exist here only as verifiers and sealed keys."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, LargeBinary, String, Uuid, false
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
ADMIN_ROLES: frozenset[str] = frozenset({NETWORK_ADMIN, ORG_ADMIN})


class StaffMember(Base):
    __tablename__ = "staff_members"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(24))
    # None until the person chooses: their pages follow the browser's language till then.
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    password_salt: Mapped[bytes] = mapped_column(LargeBinary)
    password_verifier: Mapped[bytes] = mapped_column(LargeBinary)
    # The member's own X25519 key: the public half receives org-key slots, the private half is
    # stored wrapped under the password-derived key.
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_key_wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    totp_secret_wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    totp_confirmed: Mapped[bool] = mapped_column(default=False)
    # The last accepted TOTP time step: a code is never accepted twice.
    totp_last_step: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_on: Mapped[dt.date] = mapped_column(default=dt.date.today)
    # Notices (reporter.notices): the address, encrypted under the instance's contact key (never
    # in the database), the kinds of activity asked for, and when the next digest is due.
    email_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    notice_kinds: Mapped[str] = mapped_column(String(64), default="", server_default="")
    notice_due_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def reads_reports(self) -> bool:
        return self.role in ROLES_WITH_REPORT_ACCESS

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(24))
    # Set when the invitation resets the access of an existing account.
    staff_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE")
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[dt.datetime] = mapped_column()
    used: Mapped[bool] = mapped_column(default=False)
    # Its admins were told it is about to expire (reporter.notices).
    expiry_announced: Mapped[bool] = mapped_column(default=False, server_default=false())

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class StaffSession(Base):
    """A logged-in session. The unwrapped keys are stored encrypted under a secret that only the
    staff member's cookie holds; the row keeps a hash of the session id."""

    __tablename__ = "staff_sessions"

    id_hash: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    staff_member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    # "enrol" until TOTP is set up, then "full".
    stage: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column()
    last_seen_at: Mapped[dt.datetime] = mapped_column()
    keys_encrypted: Mapped[bytes] = mapped_column(LargeBinary)

    staff_member: Mapped[StaffMember] = relationship(lazy="joined")
