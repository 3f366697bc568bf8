"""Append to and verify the audit log. The chain is keyed (HMAC) with a key derived from the
instance secret, so someone who can write to the database alone cannot forge a consistent chain.

The head (the newest entry's number and hash) carries a MAC under the same key, so deleting the
newest entries and rewinding the head to the last one kept is detected. What a MAC cannot catch is
the replay of an older, genuine head (with the entries after it deleted), or anything done by
someone who also holds the secret key: for that the operator keeps an anchor outside the server
(`reporter audit anchor`) and checks against it (`reporter audit verify --anchor`)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.audit.models import AuditEntry, AuditHead
from reporter.crypto import contexts
from reporter.reports.models import InstanceValue

GENESIS = b"\x00" * 32
HEAD_MAC_CONTEXT = contexts.AUDIT_HEAD
ANCHOR_PREFIX = "AUDIT-ANCHOR"


def audit_key(secret_key: str) -> bytes:
    return crypto.derive_subkey(secret_key.encode("utf-8"), b"audit-chain")


def _entry_bytes(entry: AuditEntry) -> bytes:
    # Every column but the hashes; previous_hash is prefixed by entry_hash (fixed length, so the
    # concatenation is unambiguous). A new column must be added here, or it is not protected.
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


def head_mac(key: bytes, last_id: int, last_hash: bytes) -> bytes:
    """The head's MAC: its entry number (8 bytes, big-endian) and that entry's hash."""
    return crypto.mac(key, HEAD_MAC_CONTEXT + last_id.to_bytes(8, "big") + last_hash)


def _head_is_authentic(key: bytes, head: AuditHead) -> bool:
    if head.head_mac is None:
        return False
    return crypto.verifier_matches(head_mac(key, head.last_id, head.last_hash), head.head_mac)


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
    # Take the write lock before reading the head: SQLite ignores FOR UPDATE, so two writers
    # could both read the same head and then collide on the next entry's number.
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(last_id=AuditHead.last_id),
        execution_options={"synchronize_session": False},
    )
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        # The very first entry: another writer may be making the head at this moment too.
        try:
            with session.begin_nested():
                session.add(AuditHead(id=1, last_id=0, last_hash=GENESIS))
        except IntegrityError:
            pass  # it did; its head is read below, once its transaction ends
        head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
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
    # A head that does not authenticate (rewound, edited, or without a MAC) is not blessed by the
    # next entry: its stale MAC is kept, so `verify` goes on reporting it after later entries.
    # `seal_head` is the operator's deliberate way to accept the current head.
    authentic = (head.last_id == 0 and head.last_hash == GENESIS) or _head_is_authentic(key, head)
    head.last_id = entry.id
    head.last_hash = entry.entry_hash
    if authentic:
        head.head_mac = head_mac(key, head.last_id, head.last_hash)
    session.flush()
    return entry


# Kinds of problem: an entry, the head's place, the head's MAC, the operator's anchor.
ENTRY, HEAD, HEAD_MAC, ANCHOR = "entry", "head", "head_mac", "anchor"


@dataclass(frozen=True)
class Problem:
    entry_id: int
    what: str
    kind: str = ENTRY


@dataclass(frozen=True)
class Anchor:
    """An entry's number and hash, kept by the operator outside the server."""

    entry_id: int
    entry_hash: bytes

    def __str__(self) -> str:
        return f"{ANCHOR_PREFIX} {self.entry_id} {self.entry_hash.hex()}"


class InvalidAnchor(ValueError):
    """The text is not an anchor printed by `reporter audit anchor`."""


def parse_anchor(text: str) -> Anchor:
    """Read "1234 <hex>" or the whole printed line "AUDIT-ANCHOR 1234 <hex>"."""
    parts = text.split()
    if parts and parts[0].upper() == ANCHOR_PREFIX:
        parts = parts[1:]
    if len(parts) != 2 or not parts[0].isascii() or not parts[0].isdigit():
        raise InvalidAnchor("expected an entry number and a hash, e.g. 1234 5f3a…")
    try:
        digest = bytes.fromhex(parts[1])
    except ValueError as error:
        raise InvalidAnchor("the hash is not hexadecimal") from error
    if len(digest) != len(GENESIS):
        raise InvalidAnchor(f"the hash must be {2 * len(GENESIS)} hexadecimal digits")
    number = int(parts[0])
    if number < 1:
        raise InvalidAnchor("entry numbers start at 1")
    return Anchor(number, digest)


def current_anchor(session: Session) -> Anchor | None:
    """The newest entry as an anchor (None while the log is empty). Run `verify` first: this
    reads the newest entry as it is."""
    newest = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    return Anchor(newest.id, newest.entry_hash) if newest is not None else None


def verify(session: Session, key: bytes, anchor: Anchor | None = None) -> list[Problem]:
    """Every edited, deleted, inserted or reordered entry breaks the chain somewhere; a head
    rewound to an earlier entry fails its MAC; with an anchor, a log cut below it or rewritten
    before it (even with the key) no longer holds the anchored entry with that hash."""
    return _verify_after(session, key, 0, GENESIS, anchor)


CHECKPOINT = "audit_verified_through"
CHECKPOINT_CONTEXT = contexts.AUDIT_CHECKPOINT


def _checkpoint_mac(key: bytes, entry_id: int, entry_hash_: bytes) -> bytes:
    return crypto.mac(key, CHECKPOINT_CONTEXT + entry_id.to_bytes(8, "big") + entry_hash_)


def verify_since_last_check(session: Session, key: bytes) -> list[Problem]:
    """What the audit page shows: the entries written since the last check that found nothing,
    continued from that entry's hash, and the head. The point of that check is kept under a MAC
    (it cannot be moved forward without the key); `reporter audit verify` reads the whole log."""
    after_id, previous_hash = 0, GENESIS
    row = session.get(InstanceValue, CHECKPOINT)
    if row is not None and len(row.value) == 8 + 32 + 32:
        entry_id = int.from_bytes(row.value[:8], "big")
        checked_hash, tag = row.value[8:40], row.value[40:]
        entry = session.get(AuditEntry, entry_id)
        if (
            crypto.verifier_matches(_checkpoint_mac(key, entry_id, checked_hash), tag)
            and entry is not None
            and crypto.verifier_matches(entry.entry_hash, checked_hash)
        ):
            after_id, previous_hash = entry_id, checked_hash
    problems = _verify_after(session, key, after_id, previous_hash, None)
    newest = current_anchor(session)
    if not problems and newest is not None:
        value = (
            newest.entry_id.to_bytes(8, "big")
            + newest.entry_hash
            + _checkpoint_mac(key, newest.entry_id, newest.entry_hash)
        )
        if row is None:
            session.add(InstanceValue(name=CHECKPOINT, value=value))
        else:
            row.value = value
        session.flush()
    return problems


def _verify_after(
    session: Session, key: bytes, after_id: int, previous_hash: bytes, anchor: Anchor | None
) -> list[Problem]:
    problems: list[Problem] = []
    expected_id = after_id + 1
    anchored: AuditEntry | None = None
    for entry in session.scalars(
        select(AuditEntry)
        .where(AuditEntry.id > after_id)
        .order_by(AuditEntry.id)
        .execution_options(yield_per=1000)
    ):
        if entry.id != expected_id:
            problems.append(
                Problem(entry.id, f"entries missing before this one (expected {expected_id})")
            )
        if entry.previous_hash != previous_hash:
            problems.append(Problem(entry.id, "does not follow the entry before it"))
        if entry.entry_hash != entry_hash(key, entry.previous_hash, entry):
            problems.append(Problem(entry.id, "was changed after it was written"))
        if anchor is not None and entry.id == anchor.entry_id:
            anchored = entry
        previous_hash = entry.entry_hash
        expected_id = entry.id + 1
    last_id = expected_id - 1
    problems.extend(_head_problems(session, key, last_id, previous_hash))
    if anchor is not None:
        if anchored is None:
            problems.append(
                Problem(
                    anchor.entry_id,
                    "the anchored entry is missing: the log was cut below the anchor",
                    ANCHOR,
                )
            )
        elif not crypto.verifier_matches(anchor.entry_hash, anchored.entry_hash):
            problems.append(
                Problem(
                    anchor.entry_id,
                    "does not match the anchor: the log was rewritten up to this entry",
                    ANCHOR,
                )
            )
    return problems


def _head_problems(session: Session, key: bytes, last_id: int, last_hash: bytes) -> list[Problem]:
    head = session.get(AuditHead, 1)
    if head is None:
        if last_id:
            return [Problem(last_id, "the audit head is missing", HEAD)]
        return []
    problems: list[Problem] = []
    if head.last_id > last_id:
        problems.append(
            Problem(
                head.last_id,
                f"the newest entries were removed (the log ends at {last_id})",
                HEAD,
            )
        )
    elif head.last_id < last_id:
        problems.append(
            Problem(
                head.last_id,
                f"the head points before the newest entry ({last_id}): it was rewound",
                HEAD,
            )
        )
    elif head.last_hash != last_hash:
        problems.append(Problem(head.last_id, "the head does not match the newest entry", HEAD))
    if head.head_mac is None:
        if head.last_id or last_id:
            problems.append(
                Problem(
                    head.last_id,
                    "the head has no MAC (written before it was added, or removed): "
                    "check the log, then run `reporter audit seal`",
                    HEAD_MAC,
                )
            )
    elif not _head_is_authentic(key, head):
        problems.append(
            Problem(
                head.last_id,
                "the head's MAC is wrong: the head was edited or rewound "
                "(or the secret key is not the one that wrote it)",
                HEAD_MAC,
            )
        )
    return problems


class CannotSeal(Exception):
    """The log has problems besides the head's MAC; sealing would hide them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("the audit log has problems; the head was not sealed")
        self.problems = problems


def seal_head(session: Session, key: bytes, anchor: Anchor | None = None) -> bool:
    """Write the MAC of a head that has none (a log from before head MACs) or a wrong one (after
    an investigation), only when every entry verifies and the head is the newest entry. Returns
    whether anything changed; the caller should then record that it sealed the head."""
    problems = verify(session, key, anchor)
    serious = [p for p in problems if p.kind != HEAD_MAC]
    if serious:
        raise CannotSeal(serious)
    head = session.get(AuditHead, 1)
    if not problems or head is None:
        return False
    head.head_mac = head_mac(key, head.last_id, head.last_hash)
    session.flush()
    return True
