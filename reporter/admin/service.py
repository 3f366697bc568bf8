"""What the admin pages read: an organisation's people and invitations, its audit entries, and
the organisations whose keys an admin may see."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.accounts.models import NETWORK_ADMIN, Invitation, StaffMember
from reporter.audit.models import AuditEntry
from reporter.orgs.models import Organisation


def members_of(session: Session, organisation_id: uuid.UUID) -> list[StaffMember]:
    return list(
        session.scalars(
            select(StaffMember)
            .where(StaffMember.organisation_id == organisation_id)
            .order_by(StaffMember.username)
        )
    )


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def member_in(session: Session, member_id: str, organisation_id: uuid.UUID) -> StaffMember | None:
    """A member of this organisation by id; None for another organisation's or a bad id."""
    found = _as_uuid(member_id)
    member = session.get(StaffMember, found) if found else None
    return member if member is not None and member.organisation_id == organisation_id else None


def pending_invitation_in(
    session: Session, invitation_id: str, organisation_id: uuid.UUID
) -> Invitation | None:
    """An unused invitation of this organisation by id; None otherwise."""
    found = _as_uuid(invitation_id)
    invitation = session.get(Invitation, found) if found else None
    if invitation is None or invitation.used or invitation.organisation_id != organisation_id:
        return None
    return invitation


def audit_entries(session: Session, viewer: StaffMember, page: int, size: int) -> list[AuditEntry]:
    """One page of the log, newest first (one more than `size`, to tell whether there is a next
    page): all of it for a network admin, the viewer's organisation's entries for others."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if viewer.role != NETWORK_ADMIN:
        query = query.where(AuditEntry.organisation_id == viewer.organisation_id)
    return list(session.scalars(query.offset((page - 1) * size).limit(size + 1)))


def organisations_seen_by(session: Session, viewer: StaffMember) -> list[Organisation]:
    """Every organisation for a network admin; the viewer's own for others."""
    if viewer.role == NETWORK_ADMIN:
        return list(session.scalars(select(Organisation).order_by(Organisation.name)))
    return [viewer.organisation]
