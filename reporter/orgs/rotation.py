"""Rotation of an organisation's keypair, safe to interrupt and resume.

1. start: a new keypair; the new private key is sealed to every holder of the current one (staff
   members, the recovery key, open invitations) and the blind-index key to the new public key.
   From then on new reports are sealed to the new key.
2. batches: each case still on the old version has its keys unsealed and sealed again to the new
   key, a batch per transaction: an interruption loses nothing, a new run carries on.
3. finish: when no case is left on the old version, the old slots are deleted, the new key becomes
   the current one, and staff sessions end (they hold the old key only).
4. the advocacy key is replaced in the same transaction as the finish (`rotate_advocacy_key`): a
   new key sealed to every holder of the current one, every statistics contribution, remembered
   export and published story encrypted again under it, the old slots deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.accounts.models import Invitation, StaffMember, StaffSession
from reporter.casework.models import AdvocacyStory
from reporter.crypto import contexts
from reporter.orgs.models import (
    ADVOCACY_KEY,
    INVITATION,
    ORGANISATION_KEY,
    RECOVERY,
    STAFF,
    Organisation,
    OrgKeySlot,
)
from reporter.orgs.service import add_slot, index_key_associated_data
from reporter.reports.models import KEY_PURPOSES, Case
from reporter.reports.service import sealed_key_associated_data
from reporter.search.models import CaseSearchText
from reporter.statistics.models import StatContribution, StatisticsRelease


class RotationError(Exception):
    """The rotation cannot go on as asked."""


def _holder_public_key(
    session: Session, organisation: Organisation, slot: OrgKeySlot
) -> bytes | None:
    if slot.holder == RECOVERY:
        return organisation.recovery_public_key
    if slot.holder == STAFF and slot.staff_member_id is not None:
        member = session.get(StaffMember, slot.staff_member_id)
        return member.public_key if member is not None else None
    if slot.holder == INVITATION and slot.invitation_id is not None:
        invitation = session.get(Invitation, slot.invitation_id)
        return invitation.public_key if invitation is not None and not invitation.used else None
    return None


def _reseal_to_holders(
    session: Session, organisation: Organisation, purpose: str, version: int, new_key: bytes
) -> None:
    """Seal `new_key` (version + 1) to every holder of the `purpose` key of `version`."""
    slots = session.scalars(
        select(OrgKeySlot).where(
            OrgKeySlot.organisation_id == organisation.id,
            OrgKeySlot.purpose == purpose,
            OrgKeySlot.key_version == version,
        )
    ).all()
    for slot in slots:
        public_key = _holder_public_key(session, organisation, slot)
        if public_key is not None:
            add_slot(
                session,
                organisation,
                new_key,
                holder=slot.holder,
                holder_public_key=public_key,
                version=version + 1,
                staff_member_id=slot.staff_member_id,
                invitation_id=slot.invitation_id,
                purpose=purpose,
            )


def start(session: Session, organisation: Organisation, current_private_key: bytes) -> bool:
    """Begin a rotation (once); return False if one was already under way."""
    if organisation.next_public_key is not None:
        return False
    new = crypto.generate_keypair()
    version = organisation.key_version + 1
    _reseal_to_holders(
        session, organisation, ORGANISATION_KEY, organisation.key_version, new.private_key
    )
    index_key = crypto.unseal(
        current_private_key,
        organisation.index_key_sealed,
        index_key_associated_data(organisation.id, organisation.key_version),
    )
    organisation.next_index_key_sealed = crypto.seal(
        new.public_key, index_key, index_key_associated_data(organisation.id, version)
    )
    organisation.next_public_key = new.public_key
    session.flush()
    return True


def remaining(session: Session, organisation: Organisation) -> int:
    """Cases still sealed to the old key."""
    count = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(
            Case.organisation_id == organisation.id, Case.key_version == organisation.key_version
        )
    )
    return int(count or 0)


def reseal_batch(
    session: Session,
    organisation: Organisation,
    current_private_key: bytes,
    size: int = 200,
    next_private_key: bytes | None = None,
) -> int:
    """Move up to `size` cases to the new key; the caller commits. Each case's search text goes
    with it: encrypted again under the new version's search key, or, without the new private
    key, dropped (the next staff login writes it again)."""
    if organisation.next_public_key is None:
        raise RotationError("no rotation under way")
    version = organisation.key_version + 1
    cases = session.scalars(
        select(Case)
        .where(
            Case.organisation_id == organisation.id, Case.key_version == organisation.key_version
        )
        .limit(size)
    ).all()
    # Each case's search text goes under the new version's search key, or is dropped.
    search_keys = (
        (crypto.search_key(current_private_key), crypto.search_key(next_private_key))
        if next_private_key is not None
        else None
    )
    for case in cases:
        for purpose in KEY_PURPOSES:
            aad = sealed_key_associated_data(case.report_id, case.organisation_id, purpose)
            key = crypto.unseal(current_private_key, case.sealed_key(purpose), aad)
            case.reseal(purpose, crypto.seal(organisation.next_public_key, key, aad))
        case.key_version = version
        _move_search_text(session, case, search_keys)
    session.flush()
    return len(cases)


def _move_search_text(
    session: Session, case: Case, search_keys: tuple[bytes, bytes] | None
) -> None:
    """The case's search text from the old search key to the new (old, new); without them,
    dropped."""
    row = session.get(CaseSearchText, (case.report_id, case.organisation_id))
    if row is None:
        return
    if search_keys is None:
        session.delete(row)
        return
    old_key, new_key = search_keys
    context = contexts.search_text(case.report_id, case.organisation_id)
    row.body = _encrypt_again(row.body, old_key, new_key, context)


def finish(session: Session, organisation: Organisation) -> None:
    """Make the new key current once every case moved."""
    if organisation.next_public_key is None or organisation.next_index_key_sealed is None:
        raise RotationError("no rotation under way")
    if remaining(session, organisation):
        raise RotationError("cases are still sealed to the old key")
    old_version = organisation.key_version
    session.execute(
        delete(OrgKeySlot).where(
            OrgKeySlot.organisation_id == organisation.id,
            OrgKeySlot.purpose == ORGANISATION_KEY,
            OrgKeySlot.key_version == old_version,
        )
    )
    members = select(StaffMember.id).where(StaffMember.organisation_id == organisation.id)
    session.execute(delete(StaffSession).where(StaffSession.staff_member_id.in_(members)))
    organisation.public_key = organisation.next_public_key
    organisation.index_key_sealed = organisation.next_index_key_sealed
    organisation.key_version = old_version + 1
    organisation.next_public_key = None
    organisation.next_index_key_sealed = None
    session.flush()


def rotate_advocacy_key(
    session: Session, organisation: Organisation, current_advocacy_key: bytes
) -> None:
    """Replace the advocacy key: sealed to every holder of the current one, every statistics
    contribution, remembered export and published story encrypted again under it, the old slots
    gone. One transaction (the caller's)."""
    old_version = organisation.advocacy_key_version
    new_key = crypto.new_key()
    _reseal_to_holders(session, organisation, ADVOCACY_KEY, old_version, new_key)
    organisation_id = organisation.id
    contributions = session.scalars(
        select(StatContribution).where(StatContribution.organisation_id == organisation_id)
    )
    releases = session.scalars(
        select(StatisticsRelease).where(StatisticsRelease.organisation_id == organisation_id)
    )
    for rows, context_of, what in (
        (contributions, contexts.stat_contribution, "a statistics record"),
        (releases, contexts.statistics_release, "a remembered export"),
    ):
        _encrypt_rows_again(
            rows, context_of, what, old_version, current_advocacy_key, new_key, organisation_id
        )
    stories = session.scalars(
        select(AdvocacyStory).where(
            AdvocacyStory.organisation_id == organisation.id, AdvocacyStory.published.is_not(None)
        )
    )
    for story in stories:
        assert story.published is not None
        if story.published_key_version != old_version:
            raise RotationError("a published story is under an unknown advocacy key")
        context = contexts.published_story(story.report_id, story.organisation_id)
        story.published = _encrypt_again(story.published, current_advocacy_key, new_key, context)
        story.published_key_version = old_version + 1
    session.execute(
        delete(OrgKeySlot).where(
            OrgKeySlot.organisation_id == organisation.id,
            OrgKeySlot.purpose == ADVOCACY_KEY,
            OrgKeySlot.key_version == old_version,
        )
    )
    organisation.advocacy_key_version = old_version + 1
    session.flush()


def _encrypt_rows_again(
    rows: Iterable[StatContribution | StatisticsRelease],
    context_of: Callable[[uuid.UUID, uuid.UUID], bytes],
    what: str,
    old_version: int,
    old_key: bytes,
    new_key: bytes,
    organisation_id: uuid.UUID,
) -> None:
    """Records under the advocacy key, each bound to its row: under the new key, one version on."""
    for row in rows:
        if row.key_version != old_version:
            raise RotationError(f"{what} is under an unknown advocacy key")
        context = context_of(organisation_id, row.id)
        row.data = _encrypt_again(row.data, old_key, new_key, context)
        row.key_version = old_version + 1


def _encrypt_again(ciphertext: bytes, old_key: bytes, new_key: bytes, context: bytes) -> bytes:
    """The same (padded) plaintext under the new key, bound to the same context."""
    return crypto.encrypt(new_key, crypto.decrypt(old_key, ciphertext, context), context)
