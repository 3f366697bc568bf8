"""The audit chain detects any edited, deleted, inserted or reordered entry, a rewound head, and
(with an anchor kept elsewhere) a log cut or rewritten by someone holding the key."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from reporter.audit.models import AuditEntry, AuditHead
from reporter.audit.service import (
    ANCHOR,
    ENTRY,
    HEAD,
    HEAD_MAC,
    Anchor,
    CannotSeal,
    InvalidAnchor,
    audit_key,
    current_anchor,
    entry_hash,
    head_mac,
    parse_anchor,
    record,
    seal_head,
    verify,
)
from reporter.orgs.models import Organisation
from tests.conftest import Network

KEY = audit_key("test secret")


def _chain(db: Session, count: int = 5) -> None:
    for number in range(count):
        record(
            db,
            KEY,
            action="case_updated",
            actor_name="mod",
            target=f"r{number}",
            details={"n": number},
            now=dt.datetime(2026, 1, 1, 12, number),
        )
    db.commit()


def test_intact_chain_verifies(db: Session) -> None:
    _chain(db)
    assert verify(db, KEY) == []
    assert verify(db, audit_key("another secret")) != []


def test_edited_entry_is_detected(db: Session) -> None:
    _chain(db)
    db.execute(update(AuditEntry).where(AuditEntry.id == 3).values(details='{"n":99}'))
    db.commit()
    assert [p.entry_id for p in verify(db, KEY)] == [3]


def test_deleted_entry_is_detected(db: Session) -> None:
    _chain(db)
    db.execute(delete(AuditEntry).where(AuditEntry.id == 2))
    db.commit()
    assert any(p.entry_id == 3 for p in verify(db, KEY))


def test_deleted_newest_entry_is_detected(db: Session) -> None:
    _chain(db)
    db.execute(delete(AuditEntry).where(AuditEntry.id == 5))
    db.commit()
    assert verify(db, KEY)


def test_reordered_entries_are_detected(db: Session) -> None:
    _chain(db)
    first, second = db.scalars(
        select(AuditEntry).where(AuditEntry.id.in_([2, 4])).order_by(AuditEntry.id)
    ).all()
    first_values = (first.target, first.details, first.at)
    first.target, first.details, first.at = second.target, second.details, second.at
    second.target, second.details, second.at = first_values
    db.commit()
    assert {p.entry_id for p in verify(db, KEY)} >= {2, 4}


def test_cli_verify_exits_non_zero_on_tampering(app: Flask, db: Session) -> None:
    secret = app.extensions["reporter.settings"].secret_key
    for number in range(3):
        record(db, audit_key(secret), action="login", actor_name=f"user{number}")
    db.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    db.execute(update(AuditEntry).where(AuditEntry.id == 2).values(actor_name="someone else"))
    db.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "entry 2" in result.output


# --- The head is authenticated; an anchor kept elsewhere pins the history. ---


def _head(db: Session) -> AuditHead:
    head = db.get(AuditHead, 1)
    assert head is not None
    return head


def _rewind_to(db: Session, kept: int) -> None:
    """The attack: delete the entries after `kept`, point the head at the last one kept."""
    last = db.get(AuditEntry, kept)
    assert last is not None
    last_hash = last.entry_hash
    db.execute(delete(AuditEntry).where(AuditEntry.id > kept))
    db.execute(update(AuditHead).values(last_id=kept, last_hash=last_hash))
    db.commit()


def test_record_writes_a_head_mac(db: Session) -> None:
    _chain(db, 3)
    head = _head(db)
    assert head.last_id == 3
    assert head.head_mac == head_mac(KEY, 3, head.last_hash)


def test_truncation_with_a_rewound_head_is_detected(db: Session) -> None:
    _chain(db)
    _rewind_to(db, 3)
    problems = verify(db, KEY)
    assert [(p.entry_id, p.kind) for p in problems] == [(3, HEAD_MAC)]


def test_a_rewound_head_is_not_blessed_by_the_next_entry(db: Session) -> None:
    _chain(db)
    _rewind_to(db, 3)
    _chain(db, 2)
    assert _head(db).last_id == 5
    assert [p.kind for p in verify(db, KEY)] == [HEAD_MAC]


def test_a_head_without_mac_is_reported_and_stays_so(db: Session) -> None:
    _chain(db)
    db.execute(update(AuditHead).values(head_mac=None))
    db.commit()
    assert [p.kind for p in verify(db, KEY)] == [HEAD_MAC]
    _chain(db, 1)
    assert [p.kind for p in verify(db, KEY)] == [HEAD_MAC]


def test_a_deleted_head_is_detected(db: Session) -> None:
    _chain(db)
    db.execute(delete(AuditHead))
    db.commit()
    assert [p.kind for p in verify(db, KEY)] == [HEAD]


@pytest.mark.parametrize(
    "change",
    [
        {"last_id": 4},
        {"last_id": 9},
        {"last_hash": b"\x01" * 32},
        {"head_mac": b"\x02" * 32},
    ],
    ids=["points-before", "points-past", "other-hash", "other-mac"],
)
def test_a_head_edited_in_place_is_detected(db: Session, change: dict[str, object]) -> None:
    _chain(db)
    db.execute(update(AuditHead).values(**change))
    db.commit()
    assert verify(db, KEY)


def test_a_head_pointing_past_the_newest_entry_is_detected(db: Session) -> None:
    """Entries deleted and the head left alone (the attacker cannot compute the MAC)."""
    _chain(db)
    db.execute(delete(AuditEntry).where(AuditEntry.id > 3))
    db.commit()
    problems = verify(db, KEY)
    assert any(p.kind == HEAD and "removed" in p.what for p in problems)


def test_replay_of_an_old_head_is_detected_with_the_anchor(db: Session) -> None:
    """A genuine older head row, copied earlier, restored after deleting the newer entries:
    its MAC is valid, so only an anchor kept outside the database tells."""
    _chain(db, 3)
    old = _head(db)
    copied = {"last_id": old.last_id, "last_hash": old.last_hash, "head_mac": old.head_mac}
    _chain(db, 3)
    anchor = current_anchor(db)
    assert anchor is not None and anchor.entry_id == 6
    db.execute(delete(AuditEntry).where(AuditEntry.id > 3))
    db.execute(update(AuditHead).values(**copied))
    db.commit()
    assert verify(db, KEY) == []
    problems = verify(db, KEY, anchor)
    assert [(p.entry_id, p.kind) for p in problems] == [(6, ANCHOR)]


def test_truncation_below_the_anchor_is_detected_even_with_the_key(db: Session) -> None:
    """Someone with the database and the secret key cuts the log and re-MACs the head."""
    _chain(db)
    anchor = current_anchor(db)
    assert anchor is not None
    _rewind_to(db, 2)
    head = _head(db)
    head.head_mac = head_mac(KEY, head.last_id, head.last_hash)
    db.commit()
    assert verify(db, KEY) == []
    assert [p.kind for p in verify(db, KEY, anchor)] == [ANCHOR]


def test_history_rewritten_with_the_key_does_not_match_the_anchor(db: Session) -> None:
    """Someone with the key edits entry 2 and recomputes every hash and the head after it."""
    _chain(db)
    anchor = current_anchor(db)
    assert anchor is not None
    entries = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    entries[1].details = '{"n":99}'
    previous = entries[0].entry_hash
    for entry in entries[1:]:
        entry.previous_hash = previous
        entry.entry_hash = entry_hash(KEY, previous, entry)
        previous = entry.entry_hash
    head = _head(db)
    head.last_hash = previous
    head.head_mac = head_mac(KEY, head.last_id, previous)
    db.commit()
    assert verify(db, KEY) == []
    assert [(p.entry_id, p.kind) for p in verify(db, KEY, anchor)] == [(5, ANCHOR)]


def test_an_older_anchor_still_matches_a_log_that_grew(db: Session) -> None:
    _chain(db, 2)
    anchor = current_anchor(db)
    _chain(db, 3)
    assert verify(db, KEY, anchor) == []


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        (f"AUDIT-ANCHOR 12 {'ab' * 32}", True),
        (f"  12   {'AB' * 32} ", True),
        (f"audit-anchor 12 {'ab' * 32}", True),
        (f"0 {'ab' * 32}", False),
        (f"12 {'ab' * 31}", False),
        (f"12 {'zz' * 32}", False),
        (f"-1 {'ab' * 32}", False),
        ("12", False),
        ("", False),
    ],
)
def test_anchor_text_is_parsed_strictly(text: str, valid: bool) -> None:
    if valid:
        anchor = parse_anchor(text)
        assert anchor == Anchor(12, bytes.fromhex("ab" * 32))
        assert parse_anchor(str(anchor)) == anchor
    else:
        with pytest.raises(InvalidAnchor):
            parse_anchor(text)


def test_seal_accepts_a_head_without_mac_only_when_the_entries_verify(db: Session) -> None:
    _chain(db)
    db.execute(update(AuditHead).values(head_mac=None))
    db.commit()
    assert seal_head(db, KEY) is True
    db.commit()
    assert verify(db, KEY) == []
    assert seal_head(db, KEY) is False
    _rewind_to(db, 3)
    db.execute(update(AuditEntry).where(AuditEntry.id == 2).values(target="edited"))
    db.commit()
    with pytest.raises(CannotSeal) as refused:
        seal_head(db, KEY)
    assert {p.kind for p in refused.value.problems} == {ENTRY}


def _tamper(db: Session, field: str) -> None:
    """Change one column of entry 3 and nothing else."""
    entry = db.get(AuditEntry, 3)
    assert entry is not None
    other = db.scalars(select(Organisation).where(Organisation.id != entry.organisation_id)).first()
    new_values: dict[str, object] = {
        "at": entry.at + dt.timedelta(seconds=1),
        "actor_id": uuid.uuid4(),
        "actor_name": "someone else",
        "organisation_id": other.id if other else None,
        "action": "login",
        "target": "another",
        "details": '{"n":99}',
        "previous_hash": b"\x03" * 32,
        "entry_hash": b"\x04" * 32,
    }
    db.execute(update(AuditEntry).where(AuditEntry.id == 3).values({field: new_values[field]}))
    db.commit()


@pytest.mark.parametrize(
    "field",
    [
        "at",
        "actor_id",
        "actor_name",
        "organisation_id",
        "action",
        "target",
        "details",
        "previous_hash",
        "entry_hash",
    ],
)
def test_tampering_with_any_field_is_detected(db: Session, network: Network, field: str) -> None:
    for number in range(5):
        record(
            db,
            KEY,
            action="case_updated",
            actor_id=uuid.uuid4(),
            actor_name="mod",
            organisation_id=network.brazil.id,
            target=f"r{number}",
            details={"n": number},
            now=dt.datetime(2026, 1, 1, 12, number),
        )
    db.commit()
    assert verify(db, KEY) == []
    _tamper(db, field)
    assert any(p.entry_id == 3 and p.kind == ENTRY for p in verify(db, KEY))


def test_the_entry_number_is_covered_by_the_hash(db: Session) -> None:
    """Renumbering is the one edit that the number check also sees: check the hash alone."""
    _chain(db)
    entry = db.get(AuditEntry, 3)
    assert entry is not None
    genuine = entry_hash(KEY, entry.previous_hash, entry)
    entry.id = 33
    assert entry_hash(KEY, entry.previous_hash, entry) != genuine
    db.rollback()


def test_every_column_of_an_entry_is_hashed() -> None:
    """A column added later must be added to _entry_bytes (and to the test above)."""
    hashed = {
        "id",
        "at",
        "actor_id",
        "actor_name",
        "organisation_id",
        "action",
        "target",
        "details",
        "previous_hash",
    }
    assert {column.name for column in AuditEntry.__table__.columns} == hashed | {"entry_hash"}


def test_cli_detects_a_rewound_head(app: Flask, db: Session) -> None:
    secret = app.extensions["reporter.settings"].secret_key
    for number in range(5):
        record(db, audit_key(secret), action="login", actor_name=f"user{number}")
    db.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).output == "audit log intact\n"
    _rewind_to(db, 3)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "entry 3: the head's MAC is wrong" in result.output


def test_the_audit_page_checks_only_what_was_written_since_its_last_clean_check(
    db: Session,
) -> None:
    from reporter.audit.service import CHECKPOINT, verify_since_last_check
    from reporter.reports.models import InstanceValue

    _chain(db, 5)
    assert verify_since_last_check(db, KEY) == []
    db.commit()
    _chain(db, 3)  # entries 6 to 8, written after that check
    # An edit after the checkpoint is found by the page.
    original = db.scalar(select(AuditEntry.details).where(AuditEntry.id == 7))
    db.execute(update(AuditEntry).where(AuditEntry.id == 7).values(details='{"n":99}'))
    db.commit()
    assert [p.entry_id for p in verify_since_last_check(db, KEY)] == [7]
    # The checkpoint did not move past the problem, and the full check agrees.
    assert [p.entry_id for p in verify(db, KEY)] == [7]
    db.execute(update(AuditEntry).where(AuditEntry.id == 7).values(details=original))
    db.commit()
    assert verify_since_last_check(db, KEY) == []
    db.commit()
    # An edit before the checkpoint is left to the full check (`reporter audit verify`)...
    db.execute(update(AuditEntry).where(AuditEntry.id == 2).values(details='{"n":99}'))
    db.commit()
    assert verify_since_last_check(db, KEY) == []
    assert [p.entry_id for p in verify(db, KEY)] == [2]
    # ...unless the checkpoint itself was forged: then the page reads the whole log again.
    row = db.get(InstanceValue, CHECKPOINT)
    assert row is not None
    row.value = row.value[:40] + bytes(32)
    db.commit()
    assert [p.entry_id for p in verify_since_last_check(db, KEY)] == [2]
