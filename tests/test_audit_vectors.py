"""The audit chain written by one release verifies in the next: the audit key's derivation from
the secret key and the bytes an entry's hash covers are pinned by test vectors. (A change to
either would leave every earlier entry looking tampered with, or, if made on purpose, needs a
migration that seals the chain again.)"""

from __future__ import annotations

import datetime as dt
import uuid

from reporter.audit.models import AuditEntry
from reporter.audit.service import audit_key, entry_hash, head_mac

SECRET = "a fixed secret key, only for this test vector"


def _entry(**changes: object) -> AuditEntry:
    fields: dict[str, object] = {
        "id": 7,
        "at": dt.datetime(2026, 1, 2, 3, 4, 5),
        "actor_id": None,
        "actor_name": "reporter purge",
        "organisation_id": None,
        "action": "retention_purge",
        "target": "",
        "details": '{"contents_purged":2}',
        "previous_hash": b"\x01" * 32,
        "entry_hash": b"",
    }
    fields.update(changes)
    return AuditEntry(**fields)


def test_the_audit_key_is_derived_as_in_earlier_releases() -> None:
    assert audit_key(SECRET).hex() == (
        "9a1042e714a5db2e0f3c331d5cf952661d53ef2cee176b348db13447794ec6b6"
    )


def test_an_entry_without_actor_or_organisation_hashes_as_in_earlier_releases() -> None:
    assert entry_hash(audit_key(SECRET), b"\x01" * 32, _entry()).hex() == (
        "0bdcc6852553448e536a5ec64d3cf923116469444fa380ea473412e13b6d4a59"
    )


def test_an_entry_of_a_staff_member_hashes_as_in_earlier_releases() -> None:
    entry = _entry(
        id=8,
        actor_id=uuid.UUID(int=1),
        organisation_id=uuid.UUID(int=2),
        actor_name="moderadora",
        action="case_updated",
        target=str(uuid.UUID(int=3)),
        details="{}",
    )
    assert entry_hash(audit_key(SECRET), b"\x02" * 32, entry).hex() == (
        "25a98d82edaf75168aeebc407b309876d8218ae6f24fe31b02d5da6ee3f821c7"
    )


def test_the_heads_mac_is_computed_as_in_earlier_releases() -> None:
    assert head_mac(audit_key(SECRET), 7, b"\x03" * 32).hex() == (
        "036f2e673a2dbfe431c25067a01ecfb8f3a058f9bd9ac047b7748552cd257696"
    )
