"""Every encryption context in one place: the associated data that binds a ciphertext to the row
it was written for, and the labels of the MACs over stored records.

A ciphertext opens only under the context it was sealed with, so one moved to another report,
case, member or purpose refuses to open. The byte strings are part of stored data: never change
one (add a /v2 beside it instead). `tests/test_ciphertext_binding.py` checks that no two contexts
can produce the same bytes.
"""

from __future__ import annotations

import uuid

REPORT_CONTENT = b"reporter/report/v1|"
THREAD_KEY = b"reporter/thread-key/v1|"
SEALED_KEY = b"reporter/sealed/v1|"
MESSAGE = b"reporter/message/v1|"
NOTE = b"reporter/note/v1|"
ACT = b"reporter/act/v1|"
ORG_SLOT = b"reporter/org-slot/v1|"
INDEX_KEY = b"reporter/index-key/v1|"
TOTP = b"reporter/totp/v1|"
STAFF_KEY = b"reporter/staff-key/v1|"
AUDIT_HEAD = b"reporter/audit-head/v1|"
AUDIT_CHECKPOINT = b"reporter/audit-checkpoint/v1|"
ADVOCACY_SLOT = b"reporter/advocacy-slot/v1|"
STAT_CONTRIBUTION = b"reporter/stat-contribution/v1|"
STAT_LINK = b"reporter/stat-link/v1|"
PUBLISHED_STORY = b"reporter/published-story/v1|"
STATISTICS_RELEASE = b"reporter/statistics-release/v1|"
SEARCH_TEXT = b"reporter/search-text/v1|"
STAFF_EMAIL = b"reporter/staff-email/v1|"
# Casework records (referrals, advocacy stories) carry their kind in the label.
CASEWORK_KINDS: tuple[bytes, ...] = (b"referral", b"story")


def report_content(report_id: uuid.UUID) -> bytes:
    return REPORT_CONTENT + report_id.bytes


def thread_key(report_id: uuid.UUID) -> bytes:
    return THREAD_KEY + report_id.bytes


def sealed_key(report_id: uuid.UUID, organisation_id: uuid.UUID, purpose: str) -> bytes:
    return SEALED_KEY + report_id.bytes + organisation_id.bytes + purpose.encode()


def message(report_id: uuid.UUID, author: str) -> bytes:
    return MESSAGE + report_id.bytes + b"|" + author.encode()


def note(report_id: uuid.UUID, organisation_id: uuid.UUID) -> bytes:
    return NOTE + report_id.bytes + organisation_id.bytes


def act(report_id: uuid.UUID, organisation_id: uuid.UUID) -> bytes:
    return ACT + report_id.bytes + organisation_id.bytes


def casework(kind: bytes, report_id: uuid.UUID, organisation_id: uuid.UUID) -> bytes:
    return b"reporter/" + kind + b"/v1|" + report_id.bytes + organisation_id.bytes


def org_slot(organisation_id: uuid.UUID, holder: str, version: int) -> bytes:
    return ORG_SLOT + organisation_id.bytes + b"|" + holder.encode() + b"|" + str(version).encode()


def index_key(organisation_id: uuid.UUID, version: int) -> bytes:
    return INDEX_KEY + organisation_id.bytes + str(version).encode()


def totp(member_id: uuid.UUID) -> bytes:
    return TOTP + member_id.bytes


def staff_key(member_id: uuid.UUID) -> bytes:
    return STAFF_KEY + member_id.bytes


def advocacy_slot(organisation_id: uuid.UUID, holder: str, version: int) -> bytes:
    """The organisation's advocacy key sealed to one holder (a member, an invitation, recovery)."""
    return (
        ADVOCACY_SLOT
        + organisation_id.bytes
        + b"|"
        + holder.encode()
        + b"|"
        + str(version).encode()
    )


def stat_contribution(organisation_id: uuid.UUID, contribution_id: uuid.UUID) -> bytes:
    """One contribution to the statistics, under the advocacy key: bound to its own row only."""
    return STAT_CONTRIBUTION + organisation_id.bytes + contribution_id.bytes


def stat_link(report_id: uuid.UUID, organisation_id: uuid.UUID) -> bytes:
    """The case's own record of which contribution is its own, under the case key."""
    return STAT_LINK + report_id.bytes + organisation_id.bytes


def published_story(report_id: uuid.UUID, organisation_id: uuid.UUID) -> bytes:
    """An approved story as advocates read it, under the advocacy key."""
    return PUBLISHED_STORY + report_id.bytes + organisation_id.bytes


def statistics_release(organisation_id: uuid.UUID, release_id: uuid.UUID) -> bytes:
    """What one export of the statistics covered and hid, under the advocacy key."""
    return STATISTICS_RELEASE + organisation_id.bytes + release_id.bytes


def search_text(report_id: uuid.UUID, organisation_id: uuid.UUID) -> bytes:
    """What the queue's search reads of a case, under the organisation's search key."""
    return SEARCH_TEXT + report_id.bytes + organisation_id.bytes


def staff_email(member_id: uuid.UUID) -> bytes:
    """A staff member's email address, under the instance's contact key."""
    return STAFF_EMAIL + member_id.bytes
