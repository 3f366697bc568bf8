"""Organisations of the network, the countries they cover, and their wrapped private keys."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reporter.db import Base

NETWORK = "network"
NATIONAL = "national"


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int] = mapped_column(default=1)
    created_on: Mapped[dt.date] = mapped_column(default=dt.date.today)

    countries: Mapped[list[OrganisationCountry]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def country_codes(self) -> list[str]:
        return sorted(c.country_code for c in self.countries)


class OrganisationCountry(Base):
    __tablename__ = "organisation_countries"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)

    organisation: Mapped[Organisation] = relationship(back_populates="countries")


class OrgKeySlot(Base):
    """The organisation private key wrapped under one staff password, the recovery key or an invitation."""

    __tablename__ = "org_key_slots"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    staff_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    key_version: Mapped[int] = mapped_column(default=1)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
