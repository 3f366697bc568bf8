"""The audit chain detects any edited, deleted, inserted or reordered entry."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from reporter.audit.models import AuditEntry
from reporter.audit.service import audit_key, record, verify

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
