"""Organisations: creation with keys, routing of reports, and opening their keys.

Each organisation has two kinds of key, each sealed in a slot per holder (`OrgKeySlot.purpose`):
its X25519 private key, which opens reports, held by the staff who read reports and by the
recovery key; and its advocacy key, a symmetric key that opens only the statistics and the
approved stories, held by every member (advocates included) and by the recovery key.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from reporter import crypto
from reporter.crypto import contexts
from reporter.orgs.models import (
    ADVOCACY_KEY,
    NATIONAL,
    NETWORK,
    ORGANISATION_KEY,
    RECOVERY,
    Organisation,
    OrganisationCountry,
    OrgKeySlot,
)
from reporter.vocabulary.places import is_country


class OrganisationError(Exception):
    """An organisation cannot be created or opened as asked."""


class NetworkExists(OrganisationError):
    """The instance already has its network organisation."""


class NoRecipient(OrganisationError):
    """No organisation receives reports from the chosen country."""


@dataclass(frozen=True)
class NewOrganisation:
    organisation: Organisation
    private_key: bytes
    recovery_key: str
    advocacy_key: bytes


def slot_associated_data(
    organisation_id: uuid.UUID, kind: str, version: int, purpose: str = ORGANISATION_KEY
) -> bytes:
    if purpose == ADVOCACY_KEY:
        return contexts.advocacy_slot(organisation_id, kind, version)
    return contexts.org_slot(organisation_id, kind, version)


def index_key_associated_data(organisation_id: uuid.UUID, version: int) -> bytes:
    return contexts.index_key(organisation_id, version)


def add_slot(
    session: Session,
    organisation: Organisation,
    private_key: bytes,
    *,
    holder: str,
    holder_public_key: bytes,
    version: int | None = None,
    staff_member_id: uuid.UUID | None = None,
    invitation_id: uuid.UUID | None = None,
    purpose: str = ORGANISATION_KEY,
) -> OrgKeySlot:
    """Seal one of the organisation's keys (`purpose`, of the given version) to a holder."""
    if version is None:
        version = (
            organisation.advocacy_key_version
            if purpose == ADVOCACY_KEY
            else organisation.key_version
        )
    slot = OrgKeySlot(
        organisation_id=organisation.id,
        holder=holder,
        staff_member_id=staff_member_id,
        invitation_id=invitation_id,
        key_version=version,
        purpose=purpose,
        sealed_key=crypto.seal(
            holder_public_key,
            private_key,
            slot_associated_data(organisation.id, holder, version, purpose),
        ),
    )
    session.add(slot)
    session.flush()
    return slot


def open_slot(slot: OrgKeySlot, holder_private_key: bytes) -> bytes:
    """The key a slot holds, with the holder's private key."""
    return crypto.unseal(
        holder_private_key,
        slot.sealed_key,
        slot_associated_data(slot.organisation_id, slot.holder, slot.key_version, slot.purpose),
    )


def open_slots(
    slots: Sequence[OrgKeySlot], holder_private_key: bytes
) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """The organisation private keys and the advocacy keys the slots hold, each by version."""
    organisation_keys: dict[int, bytes] = {}
    advocacy_keys: dict[int, bytes] = {}
    for slot in slots:
        kept = advocacy_keys if slot.purpose == ADVOCACY_KEY else organisation_keys
        kept[slot.key_version] = open_slot(slot, holder_private_key)
    return organisation_keys, advocacy_keys


def create_organisation(
    session: Session, *, name: str, slug: str, kind: str, countries: list[str]
) -> NewOrganisation:
    """Create an organisation with its X25519 keypair and its recovery-key slot."""
    if kind not in (NETWORK, NATIONAL):
        raise OrganisationError(f"unknown organisation kind {kind!r}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", slug):
        raise OrganisationError("a slug is 2-63 lower-case letters, digits and dashes")
    codes = sorted({code.strip().upper() for code in countries if code.strip()})
    unknown = [code for code in codes if not is_country(code)]
    if unknown:
        raise OrganisationError(f"unknown country codes: {', '.join(unknown)}")
    if kind == NETWORK and session.scalar(select(Organisation).where(Organisation.kind == NETWORK)):
        raise NetworkExists("the network organisation exists already")
    if session.scalar(select(Organisation).where(Organisation.slug == slug)):
        raise OrganisationError(f"an organisation called {slug!r} exists already")

    keypair = crypto.generate_keypair()
    recovery_key = crypto.new_recovery_key()
    recovery = crypto.recovery_keypair(recovery_key)
    organisation_id = uuid.uuid4()
    organisation = Organisation(
        id=organisation_id,
        name=name,
        slug=slug,
        kind=kind,
        public_key=keypair.public_key,
        recovery_public_key=recovery.public_key,
        index_key_sealed=crypto.seal(
            keypair.public_key, crypto.new_key(), index_key_associated_data(organisation_id, 1)
        ),
    )
    organisation.countries = [OrganisationCountry(country_code=code) for code in codes]
    session.add(organisation)
    session.flush()
    add_slot(
        session,
        organisation,
        keypair.private_key,
        holder=RECOVERY,
        holder_public_key=recovery.public_key,
    )
    advocacy_key = crypto.new_key()
    add_slot(
        session,
        organisation,
        advocacy_key,
        holder=RECOVERY,
        holder_public_key=recovery.public_key,
        purpose=ADVOCACY_KEY,
    )
    return NewOrganisation(organisation, keypair.private_key, recovery_key, advocacy_key)


def open_with_recovery_key(
    session: Session, organisation: Organisation, recovery_key: str
) -> bytes:
    """The organisation's private key, unwrapped with its recovery key."""
    return _open_recovery_slot(
        session, organisation, recovery_key, ORGANISATION_KEY, organisation.key_version
    )


def open_next_with_recovery_key(
    session: Session, organisation: Organisation, recovery_key: str
) -> bytes:
    """The private key of a rotation under way, unwrapped with the recovery key."""
    return _open_recovery_slot(
        session, organisation, recovery_key, ORGANISATION_KEY, organisation.key_version + 1
    )


def open_advocacy_key_with_recovery_key(
    session: Session, organisation: Organisation, recovery_key: str
) -> bytes:
    """The organisation's current advocacy key, unwrapped with its recovery key."""
    return _open_recovery_slot(
        session, organisation, recovery_key, ADVOCACY_KEY, organisation.advocacy_key_version
    )


def confirm_recovery_key(
    session: Session, organisation: Organisation, recovery_key: str, today: dt.date
) -> None:
    """Record that an administrator typed the recovery key back: it opens both of the
    organisation's keys, so it was written down right. Raises what opening raises otherwise."""
    open_with_recovery_key(session, organisation, recovery_key)
    open_advocacy_key_with_recovery_key(session, organisation, recovery_key)
    organisation.recovery_key_confirmed_on = today
    session.flush()


def _open_recovery_slot(
    session: Session, organisation: Organisation, recovery_key: str, purpose: str, version: int
) -> bytes:
    slot = session.scalar(
        select(OrgKeySlot).where(
            OrgKeySlot.organisation_id == organisation.id,
            OrgKeySlot.holder == RECOVERY,
            OrgKeySlot.purpose == purpose,
            OrgKeySlot.key_version == version,
        )
    )
    if slot is None:
        raise OrganisationError("the organisation has no recovery slot")
    return open_slot(slot, crypto.recovery_keypair(recovery_key).private_key)


def network(session: Session) -> Organisation | None:
    # Its countries are not needed to route a report: not loaded unless asked for.
    return session.scalar(
        select(Organisation)
        .where(Organisation.kind == NETWORK)
        .options(lazyload(Organisation.countries))
    )


def covered_countries(session: Session) -> list[str]:
    """Every country some organisation receives reports from."""
    codes = session.scalars(select(OrganisationCountry.country_code).distinct())
    return sorted(set(codes))


def national_recipients(session: Session, country: str) -> list[Organisation]:
    """National member organisations that cover the country."""
    return list(
        session.scalars(
            select(Organisation)
            .join(OrganisationCountry)
            .where(Organisation.kind == NATIONAL, OrganisationCountry.country_code == country)
            .order_by(Organisation.name)
            .options(lazyload(Organisation.countries))
        )
    )


def recipients_for(session: Session, country: str, share_with_network: bool) -> list[Organisation]:
    """Who receives a report: the national organisations for the country, plus the network when
    the reporter consents, or the network alone where no national organisation covers the country."""
    national = national_recipients(session, country)
    regional = network(session)
    recipients = list(national)
    if regional is not None and (share_with_network or not national):
        recipients.append(regional)
    if not recipients:
        raise NoRecipient(country)
    return recipients


def public_directory(session: Session) -> list[Organisation]:
    """Organisations that read reports, network first, for the landing page."""
    organisations = session.scalars(
        select(Organisation).order_by(Organisation.kind.desc(), Organisation.name)
    )
    return list(organisations)
