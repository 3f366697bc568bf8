"""Staff accounts: creation with key slots, and invitations that carry a single-use key slot."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

import pyotp
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.accounts.models import ROLES, ROLES_WITH_REPORT_ACCESS, Invitation, StaffMember
from reporter.orgs.models import Organisation, OrgKeySlot
from reporter.orgs.service import INVITATION, STAFF, slot_associated_data

INVITATION_DAYS = 7


class AccountError(Exception):
    """An account or invitation cannot be created as asked."""


@dataclass(frozen=True)
class NewStaffMember:
    member: StaffMember
    totp_secret: str


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str


def totp_associated_data(member_id: uuid.UUID) -> bytes:
    return b"reporter/totp/v1|" + member_id.bytes


def create_staff_member(
    session: Session,
    organisation: Organisation,
    *,
    username: str,
    role: str,
    password: str,
    organisation_private_key: bytes | None,
    cost: crypto.Cost,
    totp_secret: str | None = None,
) -> NewStaffMember:
    """A staff member with a password, TOTP enrolled, and a key slot if the role reads reports."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    salt = crypto.new_salt()
    password_keys = crypto.derive_password_keys(password, salt, cost)
    member = StaffMember(
        id=uuid.uuid4(),
        organisation_id=organisation.id,
        username=username,
        role=role,
        password_salt=salt,
        password_verifier=password_keys.verifier,
    )
    totp_secret = totp_secret or pyotp.random_base32()
    member.totp_secret_wrapped = crypto.encrypt(
        password_keys.wrapping_key, totp_secret.encode("ascii"), totp_associated_data(member.id)
    )
    session.add(member)
    session.flush()
    if role in ROLES_WITH_REPORT_ACCESS:
        if organisation_private_key is None:
            raise AccountError("this role needs the organisation's key")
        session.add(
            OrgKeySlot(
                organisation_id=organisation.id,
                kind=STAFF,
                staff_member_id=member.id,
                key_version=organisation.key_version,
                wrapped_key=crypto.encrypt(
                    password_keys.wrapping_key,
                    organisation_private_key,
                    slot_associated_data(organisation.id, STAFF, organisation.key_version),
                ),
            )
        )
        session.flush()
    return NewStaffMember(member, totp_secret)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(b"reporter/invitation-token/v1|" + token.encode("ascii")).digest()


def create_invitation(
    session: Session,
    organisation: Organisation,
    *,
    role: str,
    organisation_private_key: bytes | None,
    now: dt.datetime | None = None,
) -> NewInvitation:
    """A single-use, expiring invitation; the token in its link unwraps the organisation key."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    token = secrets.token_urlsafe(32)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    invitation = Invitation(
        id=uuid.uuid4(),
        organisation_id=organisation.id,
        role=role,
        token_hash=token_hash(token),
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.flush()
    if role in ROLES_WITH_REPORT_ACCESS:
        if organisation_private_key is None:
            raise AccountError("this role needs the organisation's key")
        session.add(
            OrgKeySlot(
                organisation_id=organisation.id,
                kind=INVITATION,
                invitation_id=invitation.id,
                key_version=organisation.key_version,
                wrapped_key=crypto.encrypt(
                    crypto.token_wrapping_key(token),
                    organisation_private_key,
                    slot_associated_data(organisation.id, INVITATION, organisation.key_version),
                ),
            )
        )
        session.flush()
    return NewInvitation(invitation, token)
