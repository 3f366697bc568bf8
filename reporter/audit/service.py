"""Append to and verify the audit log. The chain is keyed (HMAC) with a key derived from the
instance secret, so someone who can write to the database alone cannot forge a consistent chain."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.audit.models import AuditEntry, AuditHead

GENESIS = b"\x00" * 32


def audit_key(secret_key: str) -> bytes:
    return crypto.derive_subkey(secret_key.encode("utf-8"), b"audit-chain")


def _entry_bytes(entry: AuditEntry) -> bytes:
    fields = [
        str(entry.id),
        entry.at.isoformat(),
        str(entry.actor_id or ""),
        entry.actor_name,
        str(entry.organisation_id or ""),
        entry.action,
        entry.target,
        entry.details,
    ]
    return json.dumps(fields, separators=(",", ":")).encode("utf-8")


def entry_hash(key: bytes, previous_hash: bytes, entry: AuditEntry) -> bytes:
    return crypto.mac(key, previous_hash + _entry_bytes(entry))


def record(
    session: Session,
    key: bytes,
    *,
    action: str,
    actor_id: uuid.UUID | None = None,
    actor_name: str = "",
    organisation_id: uuid.UUID | None = None,
    target: str = "",
    details: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry, in the caller's transaction."""
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
    entry = AuditEntry(
        id=head.last_id + 1,
        at=(now or dt.datetime.now(dt.UTC).replace(tzinfo=None)).replace(microsecond=0),
        actor_id=actor_id,
        actor_name=actor_name,
        organisation_id=organisation_id,
        action=action,
        target=target,
        details=json.dumps(details or {}, sort_keys=True, separators=(",", ":")),
        previous_hash=head.last_hash,
        entry_hash=b"",
    )
    entry.entry_hash = entry_hash(key, head.last_hash, entry)
    session.add(entry)
    head.last_id = entry.id
    head.last_hash = entry.entry_hash
    session.flush()
    return entry


@dataclass(frozen=True)
class Problem:
    entry_id: int
    what: str


def verify(session: Session, key: bytes) -> list[Problem]:
    """Every edited, deleted, inserted or reordered entry breaks the chain somewhere."""
    problems: list[Problem] = []
    previous_hash = GENESIS
    expected_id = 1
    for entry in session.scalars(
        select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=1000)
    ):
        if entry.id != expected_id:
            problems.append(
                Problem(entry.id, f"entries missing before this one (expected {expected_id})")
            )
        if entry.previous_hash != previous_hash:
            problems.append(Problem(entry.id, "does not follow the entry before it"))
        if entry.entry_hash != entry_hash(key, entry.previous_hash, entry):
            problems.append(Problem(entry.id, "was changed after it was written"))
        previous_hash = entry.entry_hash
        expected_id = entry.id + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id != expected_id - 1 or head.last_hash != previous_hash):
        problems.append(Problem(expected_id - 1, "the newest entries were removed"))
    return problems
