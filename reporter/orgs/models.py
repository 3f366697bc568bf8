"""Organisations of the network, the countries they cover, their keys and retention rules."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reporter.db import Base

NETWORK = "network"
NATIONAL = "national"

# Who holds a key slot.
RECOVERY = "recovery"
STAFF = "staff"
INVITATION = "invitation"

# What a key slot holds: the organisation's private key (opens reports; staff who read reports,
# invitations for them, recovery) or its advocacy key (opens the statistics and approved stories
# only; every member, advocates included, invitations and recovery).
ORGANISATION_KEY = "organisation"
ADVOCACY_KEY = "advocacy"
SLOT_PURPOSES: tuple[str, ...] = (ORGANISATION_KEY, ADVOCACY_KEY)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int] = mapped_column(default=1)
    # Set while `reporter keys rotate` runs: new reports are sealed to the next key already.
    next_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    recovery_public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # The blind-index key, sealed to the current organisation key (and to the next during a
    # rotation), so filter tokens stay valid when the organisation key changes.
    index_key_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    next_index_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The version of the advocacy key the statistics are encrypted under now.
    advocacy_key_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The smallest count the statistics publish; smaller ones are hidden (statistics/disclosure).
    statistics_threshold: Mapped[int] = mapped_column(default=10, server_default="10")
    # Retention, in days; None keeps forever.
    purge_spam_after_days: Mapped[int | None] = mapped_column(default=30)
    purge_closed_content_after_days: Mapped[int | None] = mapped_column(default=None)
    created_on: Mapped[dt.date] = mapped_column(default=dt.date.today)
    # The day an administrator typed the recovery key back (`reporter keys confirm`): until then
    # nobody has shown that it was written down, and `reporter check` says so.
    recovery_key_confirmed_on: Mapped[dt.date | None] = mapped_column(default=None)

    countries: Mapped[list[OrganisationCountry]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def country_codes(self) -> list[str]:
        return sorted(c.country_code for c in self.countries)

    @property
    def intake_key(self) -> tuple[bytes, int]:
        """The public key new reports are sealed to, and its version."""
        if self.next_public_key is not None:
            return self.next_public_key, self.key_version + 1
        return self.public_key, self.key_version


class OrganisationCountry(Base):
    __tablename__ = "organisation_countries"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)

    organisation: Mapped[Organisation] = relationship(back_populates="countries")


class OrgKeySlot(Base):
    """One of the organisation's keys (its private key or its advocacy key: `purpose`) sealed to
    one holder's public key: a staff member, the recovery key or an invitation. Sealing to public
    keys lets rotation rewrap every slot."""

    __tablename__ = "org_key_slots"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    holder: Mapped[str] = mapped_column(String(16))
    staff_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    key_version: Mapped[int] = mapped_column(default=1)
    purpose: Mapped[str] = mapped_column(
        String(16), default=ORGANISATION_KEY, server_default=ORGANISATION_KEY
    )
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
