"""What the operator is told about a damaged audit log, entry by entry and head by head; anchors
they type back in; sealing that respects the anchor; and the audit page's checkpoint, which must
never move past a problem."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from reporter.audit.models import AuditEntry, AuditHead
from reporter.audit.service import (
    CHECKPOINT,
    HEAD,
    HEAD_MAC,
    audit_key,
    current_anchor,
    record,
    verify,
    verify_since_last_check,
)
from reporter.reports.models import InstanceValue

MAC_WRONG = (
    "the head's MAC is wrong: the head was edited or rewound "
    "(or the secret key is not the one that wrote it)"
)
NO_MAC = (
    "the head has no MAC (written before it was added, or removed): "
    "check the log, then run `reporter audit seal`"
)


def _key(app: Flask) -> bytes:
    return audit_key(app.extensions["reporter.settings"].secret_key)


def _log(app: Flask, db: Session, count: int = 5) -> None:
    """`count` more entries, written with the instance's own key (as the app writes them)."""
    for number in range(count):
        record(db, _key(app), action="login", actor_name=f"user{number}")
    db.commit()


def _cli(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", *args])
    return result.exit_code, result.output


# --- `reporter audit verify` names each problem and the entry it is on. ---


def _delete_entry_2(db: Session) -> None:
    db.execute(delete(AuditEntry).where(AuditEntry.id == 2))


def _edit_entry_2(db: Session) -> None:
    db.execute(update(AuditEntry).where(AuditEntry.id == 2).values(actor_name="someone else"))


def _delete_head(db: Session) -> None:
    db.execute(delete(AuditHead))


def _delete_newest_two(db: Session) -> None:
    db.execute(delete(AuditEntry).where(AuditEntry.id > 3))


def _head_points_before(db: Session) -> None:
    db.execute(update(AuditHead).values(last_id=4))


def _head_other_hash(db: Session) -> None:
    db.execute(update(AuditHead).values(last_hash=b"\x01" * 32))


def _head_mac_removed(db: Session) -> None:
    db.execute(update(AuditHead).values(head_mac=None))


def _everything_wiped(db: Session) -> None:
    db.execute(delete(AuditEntry))
    db.execute(update(AuditHead).values(head_mac=None))


@pytest.mark.parametrize(
    ("tamper", "report"),
    [
        (
            _delete_entry_2,
            [
                "entry 3: entries missing before this one (expected 2)",
                "entry 3: does not follow the entry before it",
            ],
        ),
        (_edit_entry_2, ["entry 2: was changed after it was written"]),
        (_delete_head, ["entry 5: the audit head is missing"]),
        (_delete_newest_two, ["entry 5: the newest entries were removed (the log ends at 3)"]),
        (
            _head_points_before,
            [
                "entry 4: the head points before the newest entry (5): it was rewound",
                f"entry 4: {MAC_WRONG}",
            ],
        ),
        (
            _head_other_hash,
            ["entry 5: the head does not match the newest entry", f"entry 5: {MAC_WRONG}"],
        ),
        (_head_mac_removed, [f"entry 5: {NO_MAC}"]),
        (
            _everything_wiped,
            ["entry 5: the newest entries were removed (the log ends at 0)", f"entry 5: {NO_MAC}"],
        ),
    ],
    ids=[
        "entry-deleted",
        "entry-edited",
        "head-deleted",
        "newest-deleted",
        "head-rewound",
        "head-hash-edited",
        "head-mac-removed",
        "log-wiped",
    ],
)
def test_verify_tells_the_operator_what_is_wrong_and_where(
    app: Flask, db: Session, tamper: Callable[[Session], None], report: list[str]
) -> None:
    """Each kind of damage is reported on the entry it concerns, in words an operator can act
    on, and nothing else is reported alongside it."""
    _log(app, db)
    assert _cli(app, "verify") == (0, "audit log intact\n")
    tamper(db)
    db.commit()
    exit_code, output = _cli(app, "verify")
    assert exit_code == 1
    assert output.splitlines() == report


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_delete_head, [(5, HEAD)]),
        (_delete_newest_two, [(5, HEAD)]),
        (_head_points_before, [(4, HEAD), (4, HEAD_MAC)]),
        (_head_other_hash, [(5, HEAD), (5, HEAD_MAC)]),
    ],
    ids=["head-deleted", "newest-deleted", "head-rewound", "head-hash-edited"],
)
def test_problems_of_the_head_are_put_on_the_head(
    app: Flask, db: Session, tamper: Callable[[Session], None], expected: list[tuple[int, str]]
) -> None:
    """A misplaced or edited head is a head problem, not an entry problem (the entries are
    intact; the operator investigates the head)."""
    _log(app, db)
    tamper(db)
    db.commit()
    assert [(p.entry_id, p.kind) for p in verify(db, _key(app))] == expected


# --- Anchors: what `reporter audit anchor` prints is read back, anything else is refused. ---


def test_the_anchor_of_a_one_entry_log_is_accepted_back(app: Flask, db: Session) -> None:
    """Entry 1 is a real entry: a log anchored on its first day can be checked against it."""
    _log(app, db, 1)
    exit_code, printed = _cli(app, "anchor")
    assert exit_code == 0 and printed.startswith("AUDIT-ANCHOR 1 ")
    assert _cli(app, "verify", "--anchor", printed.strip()) == (
        0,
        "audit log intact and matches the anchor at entry 1\n",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12", "expected an entry number and a hash, e.g. 1234 5f3a…"),
        (f"１２ {'ab' * 32}", "expected an entry number and a hash, e.g. 1234 5f3a…"),
        (f"١٢ {'ab' * 32}", "expected an entry number and a hash, e.g. 1234 5f3a…"),
        (f"12 {'zz' * 32}", "the hash is not hexadecimal"),
        (f"12 {'ab' * 31}", "the hash must be 64 hexadecimal digits"),
        (f"AUDIT-ANCHOR 0 {'ab' * 32}", "entry numbers start at 1"),
    ],
    ids=["no-hash", "fullwidth-digits", "arabic-indic-digits", "not-hex", "short", "zero"],
)
def test_a_mistyped_anchor_is_refused_with_the_reason(
    app: Flask, db: Session, text: str, message: str
) -> None:
    """The operator learns what is wrong with the anchor they typed, and the log is not
    declared intact against an anchor that was misread (entry numbers are ASCII digits only,
    as printed)."""
    _log(app, db, 1)
    exit_code, output = _cli(app, "verify", "--anchor", text)
    assert exit_code == 2
    assert output.rstrip().endswith(f"'--anchor': {message}")


# --- Sealing. ---


def test_seal_refuses_a_log_cut_below_the_anchor(app: Flask, db: Session) -> None:
    """After an investigation the operator seals with their anchor: a log whose newest entries
    were deleted (and head rewound) must not be blessed, whatever the MAC alone says."""
    _log(app, db)
    anchor = current_anchor(db)
    assert anchor is not None
    kept = db.get(AuditEntry, 3)
    assert kept is not None
    db.execute(delete(AuditEntry).where(AuditEntry.id > 3))
    db.execute(update(AuditHead).values(last_id=3, last_hash=kept.entry_hash))
    db.commit()
    exit_code, output = _cli(app, "seal", "--anchor", str(anchor))
    assert exit_code == 1
    assert output.splitlines() == [
        "entry 5: the anchored entry is missing: the log was cut below the anchor",
        "the audit log has problems; the head was not sealed",
    ]
    db.expire_all()
    assert [p.kind for p in verify(db, _key(app))] == [HEAD_MAC]


def test_seal_refuses_edited_entries_and_says_why(app: Flask, db: Session) -> None:
    _log(app, db)
    _edit_entry_2(db)
    db.execute(update(AuditHead).values(head_mac=None))
    db.commit()
    exit_code, output = _cli(app, "seal")
    assert exit_code == 1
    assert output.splitlines() == [
        "entry 2: was changed after it was written",
        "the audit log has problems; the head was not sealed",
    ]


# --- The audit page's checkpoint. ---


def test_a_problem_stays_on_the_audit_page_until_it_is_dealt_with(app: Flask, db: Session) -> None:
    """A check that found a problem does not move the checkpoint: the next visit (and every one
    after) still reports it."""
    key = _key(app)
    _log(app, db, 5)
    assert verify_since_last_check(db, key) == []
    db.commit()
    _log(app, db, 3)
    db.execute(update(AuditEntry).where(AuditEntry.id == 7).values(target="elsewhere"))
    db.commit()
    for _visit in range(3):
        assert [p.entry_id for p in verify_since_last_check(db, key)] == [7]
        db.commit()


def test_the_checkpoint_cannot_be_moved_past_a_tampered_entry(app: Flask, db: Session) -> None:
    """Someone with the database but not the key moves the page's checkpoint (keeping its tag)
    beyond the entry they edited: the page no longer trusts it and reads the whole log."""
    key = _key(app)
    _log(app, db, 5)
    assert verify_since_last_check(db, key) == []
    db.commit()
    _log(app, db, 3)
    db.execute(update(AuditEntry).where(AuditEntry.id == 7).values(target="elsewhere"))
    newest = db.scalar(select(AuditEntry).where(AuditEntry.id == 8))
    row = db.get(InstanceValue, CHECKPOINT)
    assert newest is not None and row is not None
    row.value = (8).to_bytes(8, "big") + newest.entry_hash + row.value[40:]
    db.commit()
    assert [p.entry_id for p in verify_since_last_check(db, key)] == [7]
