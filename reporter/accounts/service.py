"""Staff accounts: invitations, passphrases, TOTP, login throttling and server-side sessions.

Nothing here ever logs a passphrase, a TOTP code, a token or a key.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from reporter import crypto
from reporter.accounts.models import (
    ROLES,
    ROLES_WITH_REPORT_ACCESS,
    Invitation,
    StaffMember,
    StaffSession,
)
from reporter.crypto import contexts
from reporter.db import empty_log_after_commit
from reporter.orgs.models import (
    ADVOCACY_KEY,
    INVITATION,
    ORGANISATION_KEY,
    STAFF,
    Organisation,
    OrgKeySlot,
)
from reporter.orgs.service import add_slot, open_slots
from reporter.settings import Settings

DEFAULT_INVITATION_LIFETIME = dt.timedelta(hours=72)
MIN_PASSPHRASE_CHARS = 12
MAX_PASSPHRASE_CHARS = 1024


class AccountError(Exception):
    """An account or invitation cannot be created or changed as asked."""


class InvitationInvalid(AccountError):
    """The invitation does not exist, was used, or has expired."""


class LoginFailed(Exception):
    """Wrong username, passphrase or code (deliberately not saying which).

    `member` is the account the username named, if any: the audit log records the attempt
    against it, and never keeps what was typed.
    """

    def __init__(self, member: StaffMember | None = None) -> None:
        super().__init__("login failed")
        self.member = member


class CodeRejected(Exception):
    """A TOTP code that is wrong or was already used."""


@dataclass(frozen=True)
class NewStaffMember:
    member: StaffMember
    totp_secret: str


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str


@dataclass(frozen=True)
class Unlocked:
    """What a successful passphrase check opens: the organisation keys (none for an advocate),
    the advocacy keys and the TOTP secret."""

    member: StaffMember
    org_keys: dict[int, bytes]
    totp_secret: str
    advocacy_keys: dict[int, bytes]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def totp_associated_data(member_id: uuid.UUID) -> bytes:
    return contexts.totp(member_id)


def _private_key_associated_data(member_id: uuid.UUID) -> bytes:
    return contexts.staff_key(member_id)


def passphrase_problems(passphrase: str, user_inputs: list[str]) -> list[str]:
    """Stable keys for what is wrong with a passphrase; empty when it is good enough."""
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        return ["too_short"]
    if len(passphrase) > MAX_PASSPHRASE_CHARS:
        return ["too_long"]
    # zxcvbn knows the most common and breached passwords, names, keyboard patterns and dates.
    result = zxcvbn(passphrase[:100], user_inputs=[value for value in user_inputs if value])
    return ["too_guessable"] if result["score"] < 3 else []


def token_hash(token: str) -> bytes:
    return hashlib.sha256(b"reporter/token/v1|" + token.encode("ascii", "replace")).digest()


def _set_credentials(
    member: StaffMember, passphrase: str, cost: crypto.Cost, totp_secret: str
) -> bytes:
    """Give the member a new passphrase, personal keypair and TOTP secret; return the new private key."""
    salt = crypto.new_salt()
    keys = crypto.derive_password_keys(passphrase, salt, cost)
    personal = crypto.generate_keypair()
    member.password_salt = salt
    member.password_verifier = keys.verifier
    member.public_key = personal.public_key
    member.private_key_wrapped = crypto.encrypt(
        keys.wrapping_key, personal.private_key, _private_key_associated_data(member.id)
    )
    member.totp_secret_wrapped = crypto.encrypt(
        keys.wrapping_key, totp_secret.encode("ascii"), totp_associated_data(member.id)
    )
    member.totp_last_step = 0
    return personal.private_key


def _grant_slots(
    session: Session,
    member: StaffMember,
    org_keys: dict[int, bytes],
    advocacy_keys: dict[int, bytes],
) -> None:
    """Seal the organisation's keys to the member: the private keys only to staff who read
    reports, the advocacy keys to everyone."""
    _seal_keys(
        session,
        member.organisation,
        holder=STAFF,
        holder_public_key=member.public_key,
        org_keys=org_keys if member.reads_reports else {},
        advocacy_keys=advocacy_keys,
        staff_member_id=member.id,
    )


def _seal_keys(
    session: Session,
    organisation: Organisation,
    *,
    holder: str,
    holder_public_key: bytes,
    org_keys: dict[int, bytes],
    advocacy_keys: dict[int, bytes],
    staff_member_id: uuid.UUID | None = None,
    invitation_id: uuid.UUID | None = None,
) -> None:
    """A slot for each of these keys, by purpose and version, sealed to one holder."""
    for purpose, keys in ((ADVOCACY_KEY, advocacy_keys), (ORGANISATION_KEY, org_keys)):
        for version, key in keys.items():
            add_slot(
                session,
                organisation,
                key,
                holder=holder,
                holder_public_key=holder_public_key,
                version=version,
                staff_member_id=staff_member_id,
                invitation_id=invitation_id,
                purpose=purpose,
            )


def create_staff_member(
    session: Session,
    organisation: Organisation,
    *,
    username: str,
    role: str,
    password: str,
    organisation_private_key: bytes | None,
    advocacy_key: bytes,
    cost: crypto.Cost,
    totp_secret: str | None = None,
    totp_confirmed: bool = True,
) -> NewStaffMember:
    """A staff member made directly (demo, tests): passphrase set and TOTP enrolled."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    member = StaffMember(id=uuid.uuid4(), organisation=organisation, username=username, role=role)
    secret = totp_secret or pyotp.random_base32()
    _set_credentials(member, password, cost, secret)
    member.totp_confirmed = totp_confirmed
    session.add(member)
    session.flush()
    org_keys = {}
    if member.reads_reports:
        if organisation_private_key is None:
            raise AccountError("this role needs the organisation's key")
        org_keys = {organisation.key_version: organisation_private_key}
    _grant_slots(session, member, org_keys, {organisation.advocacy_key_version: advocacy_key})
    return NewStaffMember(member, secret)


def create_invitation(
    session: Session,
    organisation: Organisation,
    *,
    username: str,
    role: str,
    organisation_keys: dict[int, bytes] | None,
    advocacy_keys: dict[int, bytes],
    now: dt.datetime | None = None,
    member: StaffMember | None = None,
    lifetime: dt.timedelta = DEFAULT_INVITATION_LIFETIME,
) -> NewInvitation:
    """A single-use, expiring invitation; its token opens the key slots it carries (the
    organisation key for staff who read reports, the advocacy key for everyone).

    It voids every earlier pending invitation for the same person, with its key slots: an old
    link must never outlive the one that replaced it.
    """
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    username = username.strip()
    if not username or len(username) > 80:
        raise AccountError("a username is 1 to 80 characters")
    existing = session.scalar(select(StaffMember).where(StaffMember.username == username))
    if existing is not None and existing is not member:
        raise AccountError("this username is taken")
    void_pending_invitations(session, username, member)
    token = crypto.new_token()
    keypair = crypto.token_keypair(token)
    invitation = Invitation(
        id=uuid.uuid4(),
        organisation_id=organisation.id,
        username=username,
        role=role,
        staff_member_id=member.id if member else None,
        token_hash=token_hash(token),
        public_key=keypair.public_key,
        expires_at=(now or utcnow()) + lifetime,
    )
    session.add(invitation)
    session.flush()
    if organisation.advocacy_key_version not in advocacy_keys:
        raise AccountError("an invitation needs the organisation's advocacy key")
    reads_reports = role in ROLES_WITH_REPORT_ACCESS
    if reads_reports and not organisation_keys:
        raise AccountError("this role needs the organisation's key")
    _seal_keys(
        session,
        organisation,
        holder=INVITATION,
        holder_public_key=keypair.public_key,
        org_keys=(organisation_keys or {}) if reads_reports else {},
        advocacy_keys=advocacy_keys,
        invitation_id=invitation.id,
    )
    return NewInvitation(invitation, token)


def revoke_invitation(session: Session, invitation: Invitation) -> None:
    """A pending invitation stops working: its row and the key slots it carried are deleted."""
    session.execute(delete(OrgKeySlot).where(OrgKeySlot.invitation_id == invitation.id))
    session.delete(invitation)
    session.flush()


def void_pending_invitations(
    session: Session, username: str, member: StaffMember | None = None
) -> int:
    """Revoke every unused invitation for this username (or this member); return how many."""
    named = Invitation.username == username
    if member is not None:
        named = named | (Invitation.staff_member_id == member.id)
    pending = session.scalars(select(Invitation).where(named, Invitation.used.is_(False))).all()
    for invitation in pending:
        revoke_invitation(session, invitation)
    return len(pending)


def pending_invitations(
    session: Session, organisation_id: uuid.UUID, now: dt.datetime | None = None
) -> list[Invitation]:
    """The organisation's invitations that can still be used, soonest to expire first."""
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.organisation_id == organisation_id,
                Invitation.used.is_(False),
                Invitation.expires_at > (now or utcnow()),
            )
            .order_by(Invitation.expires_at)
        )
    )


def find_invitation(session: Session, token: str, now: dt.datetime | None = None) -> Invitation:
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    )
    if invitation is None or invitation.used or invitation.expires_at < (now or utcnow()):
        raise InvitationInvalid
    return invitation


def accept_invitation(
    session: Session, token: str, passphrase: str, cost: crypto.Cost, now: dt.datetime | None = None
) -> StaffMember:
    """Set the passphrase; the invitation's key slots are resealed to the member's own key."""
    invitation = find_invitation(session, token, now)
    token_private = crypto.token_keypair(token).private_key
    slots = session.scalars(
        select(OrgKeySlot).where(OrgKeySlot.invitation_id == invitation.id)
    ).all()
    org_keys, advocacy_keys = open_slots(slots, token_private)

    member = (
        session.get(StaffMember, invitation.staff_member_id) if invitation.staff_member_id else None
    )
    if member is None:
        member = StaffMember(
            id=uuid.uuid4(),
            organisation_id=invitation.organisation_id,
            username=invitation.username,
            role=invitation.role,
        )
        member.organisation = invitation.organisation
        session.add(member)
    else:
        session.execute(delete(OrgKeySlot).where(OrgKeySlot.staff_member_id == member.id))
        session.execute(delete(StaffSession).where(StaffSession.staff_member_id == member.id))
        member.role = invitation.role
    _set_credentials(member, passphrase, cost, pyotp.random_base32())
    member.totp_confirmed = False
    member.active = True
    session.flush()
    _grant_slots(session, member, org_keys, advocacy_keys)
    for slot in slots:
        session.delete(slot)
    invitation.used = True
    session.flush()
    return member


def find_member(session: Session, username: str) -> StaffMember | None:
    return session.scalar(select(StaffMember).where(StaffMember.username == username.strip()))


def authenticate(
    session: Session,
    username: str,
    passphrase: str,
    code: str,
    cost: crypto.Cost,
    now: dt.datetime | None = None,
) -> Unlocked:
    """Check passphrase and (once enrolled) TOTP code; open the member's organisation keys."""
    now = now or utcnow()
    member = find_member(session, username)
    if member is None:
        # Spend the same work as a real check, so timing does not tell which usernames exist.
        crypto.derive_password_keys(passphrase, b"\x00" * crypto.kdf.SALT_BYTES, cost)
        raise LoginFailed
    keys = crypto.derive_password_keys(passphrase, member.password_salt, cost)
    if not crypto.verifier_matches(member.password_verifier, keys.verifier) or not member.active:
        raise LoginFailed(member)
    totp_secret = crypto.decrypt(
        keys.wrapping_key, member.totp_secret_wrapped, totp_associated_data(member.id)
    )
    if member.totp_confirmed:
        try:
            accept_code(member, totp_secret.decode("ascii"), code, now)
        except CodeRejected:
            raise LoginFailed(member) from None
    personal_private = crypto.decrypt(
        keys.wrapping_key, member.private_key_wrapped, _private_key_associated_data(member.id)
    )
    slots = session.scalars(select(OrgKeySlot).where(OrgKeySlot.staff_member_id == member.id)).all()
    org_keys, advocacy_keys = open_slots(slots, personal_private)
    session.flush()
    return Unlocked(member, org_keys, totp_secret.decode("ascii"), advocacy_keys)


def accept_code(member: StaffMember, totp_secret: str, code: str, now: dt.datetime) -> None:
    """Accept a TOTP code once: a code (or an older one) already used is refused."""
    code = "".join(ch for ch in code if ch.isdigit())
    totp = pyotp.TOTP(totp_secret)
    timestamp = int(now.replace(tzinfo=dt.UTC).timestamp())
    current_step = timestamp // totp.interval
    for step in (current_step - 1, current_step, current_step + 1):
        if (
            step > member.totp_last_step
            and len(code) == totp.digits
            and totp.verify(code, for_time=step * totp.interval)
        ):
            member.totp_last_step = step
            return
    raise CodeRejected


def confirm_totp(
    member: StaffMember, totp_secret: str, code: str, now: dt.datetime | None = None
) -> None:
    """Finish enrolment with a first valid code."""
    accept_code(member, totp_secret, code, now or utcnow())
    member.totp_confirmed = True


def totp_uri(member: StaffMember, totp_secret: str, issuer: str) -> str:
    return pyotp.TOTP(totp_secret).provisioning_uri(name=member.username, issuer_name=issuer)


# Sessions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionLimits:
    idle: dt.timedelta
    absolute: dt.timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionLimits:
        return cls(
            idle=dt.timedelta(minutes=settings.staff_idle_minutes),
            absolute=dt.timedelta(hours=settings.staff_absolute_hours),
        )


@dataclass(frozen=True)
class ActiveSession:
    record: StaffSession
    org_keys: dict[int, bytes]
    totp_secret: str
    advocacy_keys: dict[int, bytes]

    @property
    def member(self) -> StaffMember:
        return self.record.staff_member


def _session_key(secret: str) -> bytes:
    return crypto.derive_subkey(secret.encode("ascii"), b"staff-session")


def _encoded(keys: dict[int, bytes]) -> dict[str, str]:
    return {str(version): base64.b64encode(key).decode() for version, key in keys.items()}


def _decoded(keys: dict[str, str]) -> dict[int, bytes]:
    return {int(version): base64.b64decode(key) for version, key in keys.items()}


def start_session(session: Session, unlocked: Unlocked, now: dt.datetime | None = None) -> str:
    """Store the unlocked keys encrypted under a fresh secret; return the cookie value."""
    now = now or utcnow()
    session_id, secret = crypto.new_token(), crypto.new_token()
    id_hash = token_hash(session_id)
    payload = json.dumps(
        {
            "org_keys": _encoded(unlocked.org_keys),
            "advocacy_keys": _encoded(unlocked.advocacy_keys),
            "totp_secret": unlocked.totp_secret,
        }
    ).encode()
    session.add(
        StaffSession(
            id_hash=id_hash,
            staff_member_id=unlocked.member.id,
            stage="full" if unlocked.member.totp_confirmed else "enrol",
            created_at=now,
            last_seen_at=now,
            keys_encrypted=crypto.encrypt(_session_key(secret), payload, id_hash),
        )
    )
    session.flush()
    return f"{session_id}.{secret}"


def load_session(
    session: Session, cookie: str, limits: SessionLimits, now: dt.datetime | None = None
) -> ActiveSession | None:
    """The session the cookie opens, or None; expired sessions are deleted with their keys."""
    now = now or utcnow()
    session_id, _, secret = cookie.partition(".")
    if not session_id or not secret:
        return None
    record = session.get(StaffSession, token_hash(session_id))
    if record is None:
        return None
    expired = now - record.last_seen_at > limits.idle or now - record.created_at > limits.absolute
    if expired or not record.staff_member.active:
        session.delete(record)
        session.flush()
        return None
    try:
        payload = json.loads(
            crypto.decrypt(_session_key(secret), record.keys_encrypted, record.id_hash)
        )
    except crypto.DecryptionFailed:
        return None
    record.last_seen_at = now
    return ActiveSession(
        record,
        _decoded(payload["org_keys"]),
        payload["totp_secret"],
        # A session begun before advocacy keys existed holds none: the next login brings them.
        _decoded(payload.get("advocacy_keys", {})),
    )


def end_session(session: Session, active: ActiveSession) -> None:
    """Logout: the row, and with it the encrypted keys, is gone."""
    session.delete(active.record)
    session.flush()


def purge_expired_sessions(
    session: Session, limits: SessionLimits, now: dt.datetime | None = None
) -> int:
    now = now or utcnow()
    result = session.execute(
        delete(StaffSession).where(
            (StaffSession.last_seen_at < now - limits.idle)
            | (StaffSession.created_at < now - limits.absolute)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def disable_member(session: Session, member: StaffMember) -> None:
    """No more logins; open sessions end at once. Their email address goes too (they can no
    longer remove it themselves), with every notice they asked for."""
    member.active = False
    session.execute(delete(StaffSession).where(StaffSession.staff_member_id == member.id))
    if member.email_sealed is not None:
        member.email_sealed = None
        empty_log_after_commit(session)
    member.notice_kinds = ""
    member.notice_due_at = None
    session.flush()


def reset_access(
    session: Session,
    member: StaffMember,
    organisation_keys: dict[int, bytes] | None,
    advocacy_keys: dict[int, bytes],
    now: dt.datetime | None = None,
    lifetime: dt.timedelta = DEFAULT_INVITATION_LIFETIME,
) -> NewInvitation:
    """Re-invite a member who lost their passphrase or device: old credentials and every earlier
    reset link stop working."""
    session.execute(delete(OrgKeySlot).where(OrgKeySlot.staff_member_id == member.id))
    disable_member(session, member)
    return create_invitation(
        session,
        member.organisation,
        username=member.username,
        role=member.role,
        organisation_keys=organisation_keys,
        advocacy_keys=advocacy_keys,
        now=now,
        member=member,
        lifetime=lifetime,
    )
