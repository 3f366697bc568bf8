"""Who is told that there is new activity, and when.

A report's arrival, a reporter's reply, a story waiting for its second approval and an
invitation about to expire each leave a mark where they happen (`announce_*` on the case, the
story, `expiry_announced` on the invitation), at no cost to the reporter's request. `reporter
notify`, run by a timer, turns those marks into a due time on each member concerned who asked to
be told (`collect`), then sends each member whose digest is due one email that says only that
there is new activity (`send_due`). Due times fall on the schedule's fixed boundaries, never at
the moment something arrived: an email's time says no more than its digest interval. A failed
send leaves the due time in place, so the next run tries again and nothing waiting is forgotten.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.accounts.models import (
    ADMIN_ROLES,
    MODERATOR,
    ROLES_WITH_REPORT_ACCESS,
    Invitation,
    StaffMember,
)
from reporter.casework.models import AdvocacyStory
from reporter.crypto import contexts
from reporter.db import empty_log_after_commit, take_write_lock
from reporter.reports.models import Case
from reporter.settings import Settings

# Each kind of notice, and the roles that may ask for it.
KINDS: dict[str, frozenset[str]] = {
    "reports": frozenset({MODERATOR, *ADMIN_ROLES}),
    "replies": ROLES_WITH_REPORT_ACCESS,
    "approvals": ROLES_WITH_REPORT_ACCESS,
    "invitations": ADMIN_ROLES,
}
# The longest address a notice goes to (RFC 5321's limit on a path).
EMAIL_MAX_CHARS = 254


class NoticeError(ValueError):
    """A kind of notice this member's role may not ask for."""


class MailServerUnavailable(OSError):
    """The mail server could not be reached, or refused the connection, TLS or the login: no
    digest can go out in this run."""


def kinds_open_to(member: StaffMember) -> tuple[str, ...]:
    return tuple(kind for kind, roles in KINDS.items() if member.role in roles)


def chosen_kinds(member: StaffMember) -> frozenset[str]:
    return frozenset(member.notice_kinds.split()) & set(kinds_open_to(member))


def choose(member: StaffMember, kinds: Iterable[str]) -> None:
    """What the member asks to be told of; nothing asked, nothing waiting."""
    wanted = set(kinds)
    if not wanted <= set(kinds_open_to(member)):
        raise NoticeError(", ".join(sorted(wanted - set(kinds_open_to(member)))))
    member.notice_kinds = " ".join(kind for kind in KINDS if kind in wanted)
    if not wanted:
        member.notice_due_at = None


def set_email(session: Session, member: StaffMember, address: str, secret_key: str) -> None:
    """Keep the member's address, encrypted under the instance's contact key. An address it
    replaces leaves nothing behind either."""
    if member.email_sealed is not None:
        empty_log_after_commit(session)
    member.email_sealed = crypto.encrypt_record(
        crypto.contact_key(secret_key), address.encode("utf-8"), contexts.staff_email(member.id)
    )


def email_of(member: StaffMember, secret_key: str) -> str | None:
    """The member's address; None if there is none, or if it was sealed under another secret
    key (a database moved without its instance folder): the person enters it again."""
    if member.email_sealed is None:
        return None
    try:
        opened = crypto.decrypt_text(
            crypto.contact_key(secret_key), member.email_sealed, contexts.staff_email(member.id)
        )
    except crypto.DecryptionFailed:
        return None
    return opened.decode("utf-8")


def remove_email(session: Session, member: StaffMember) -> None:
    """Forget the address: nothing of it stays in the database (SQLite's log is emptied too)."""
    member.email_sealed = None
    member.notice_due_at = None
    empty_log_after_commit(session)


def next_boundary(now: dt.datetime, minutes: int) -> dt.datetime:
    """The first time after `now` that is a whole multiple of `minutes` since the epoch (UTC):
    with 30, the next :00 or :30."""
    epoch = dt.datetime(1970, 1, 1)
    elapsed = int((now - epoch).total_seconds()) // 60
    return epoch + dt.timedelta(minutes=(elapsed // minutes + 1) * minutes)


@dataclass
class Collected:
    """What one run found waiting: members given a due time, and the marks it cleared."""

    members: int = 0
    marks: int = 0


def _listeners(session: Session, organisation_id: uuid.UUID, kind: str) -> list[StaffMember]:
    """Active members of the organisation with an address who asked for this kind."""
    return [
        member
        for member in session.scalars(
            select(StaffMember).where(
                StaffMember.organisation_id == organisation_id,
                StaffMember.active.is_(True),
                StaffMember.email_sealed.is_not(None),
                StaffMember.role.in_(KINDS[kind]),
            )
        )
        if kind in chosen_kinds(member)
    ]


def collect(session: Session, settings: Settings, now: dt.datetime) -> Collected:
    """Turn every mark of new activity into a due time on the members concerned, and clear the
    marks. The due time is the next boundary of the schedule (of the urgent schedule when the
    case is urgent); an earlier due time already set stays."""
    # One writer at a time, from the start: a reply committed while this runs must not have
    # its mark cleared unseen (SQLite: the write lock; PostgreSQL: the rows' locks below).
    take_write_lock(session)
    due: dict[uuid.UUID, tuple[StaffMember, bool]] = {}
    collected = Collected()
    # Many marks of one organisation ask the same question: read its members once per kind.
    asked: dict[tuple[uuid.UUID, str], list[StaffMember]] = {}

    def listeners(organisation_id: uuid.UUID, kind: str) -> list[StaffMember]:
        if (organisation_id, kind) not in asked:
            asked[organisation_id, kind] = _listeners(session, organisation_id, kind)
        return asked[organisation_id, kind]

    def tell(members: Iterable[StaffMember], urgent: bool) -> None:
        for member in members:
            _, was_urgent = due.get(member.id, (member, False))
            due[member.id] = (member, was_urgent or urgent)

    # Cleared and read in one statement: an arrival committed after it keeps its mark.
    arrivals = session.execute(
        update(Case)
        .where(Case.announce_arrival.is_(True))
        .values(announce_arrival=False)
        .returning(Case.organisation_id, Case.priority)
    ).all()
    for organisation_id, urgent in {(o, p == "urgent") for o, p in arrivals}:
        tell(listeners(organisation_id, "reports"), urgent)
    collected.marks += len(arrivals)

    replies = session.scalars(
        select(Case).where(Case.announce_reply.is_(True)).with_for_update(of=Case)
    ).all()
    for case in replies:
        urgent = case.priority == "urgent"
        assignee = session.get(StaffMember, case.assignee_id) if case.assignee_id else None
        if assignee is not None and assignee.active:
            tell(
                (
                    member
                    for member in listeners(case.organisation_id, "replies")
                    if member.id == assignee.id
                ),
                urgent,
            )
        else:
            # Nobody works on the case: news for those who asked to hear of new reports.
            tell(listeners(case.organisation_id, "reports"), urgent)
        case.announce_reply = False
    collected.marks += len(replies)

    stories = session.scalars(
        select(AdvocacyStory)
        .where(AdvocacyStory.announce_approval.is_(True))
        .with_for_update(of=AdvocacyStory)
    ).all()
    for story in stories:
        if story.approved_by_id is None:
            tell(
                (
                    member
                    for member in listeners(story.organisation_id, "approvals")
                    if member.id != story.author_id
                ),
                False,
            )
        story.announce_approval = False
    collected.marks += len(stories)

    # Never more than half an invitation's life: a short-lived one is not "expiring" when made.
    hours = min(settings.notice_invitation_hours, settings.invitation_hours / 2)
    warn_before = now + dt.timedelta(hours=hours)
    expiring = session.scalars(
        select(Invitation)
        .where(
            Invitation.expiry_announced.is_(False),
            Invitation.used.is_(False),
            Invitation.expires_at > now,
            Invitation.expires_at <= warn_before,
        )
        .with_for_update(of=Invitation)
    ).all()
    for invitation in expiring:
        tell(listeners(invitation.organisation_id, "invitations"), False)
        invitation.expiry_announced = True
    collected.marks += len(expiring)

    for member, urgent in due.values():
        minutes = settings.notice_urgent_minutes if urgent else settings.notice_minutes
        when = next_boundary(now, minutes)
        if member.notice_due_at is None or when < member.notice_due_at:
            member.notice_due_at = when
        collected.members += 1
    session.flush()
    return collected


@dataclass
class Sent:
    sent: int = 0
    failed: int = 0


# Sends one digest: (address, language, time of the digest). Raises MailServerUnavailable when
# no digest can go now, another OSError (smtplib's errors are OSErrors) when this one was refused.
Send = Callable[[str, str, dt.datetime], None]


def send_due(session: Session, settings: Settings, now: dt.datetime, send: Send) -> Sent:
    """Send every digest due by `now`, committing after each: a member told is not told again,
    one not reached keeps the due time and is tried on the next run."""
    result = Sent()
    members = session.scalars(
        select(StaffMember)
        .where(StaffMember.notice_due_at.is_not(None), StaffMember.notice_due_at <= now)
        .order_by(StaffMember.notice_due_at, StaffMember.id)
    ).all()
    for position, member in enumerate(members):
        address = email_of(member, settings.secret_key)
        if address is None or not member.active or not chosen_kinds(member):
            member.notice_due_at = None
            session.commit()
            continue
        assert member.notice_due_at is not None
        try:
            send(address, member.language or settings.default_language, member.notice_due_at)
        except MailServerUnavailable:
            # Each would wait for the same timeout: all of them are for the next run.
            result.failed += len(members) - position
            break
        except (OSError, ValueError):
            # This address only (refused, or not one the server takes): tried again next run.
            result.failed += 1
            continue
        member.notice_due_at = None
        session.commit()
        result.sent += 1
    return result
