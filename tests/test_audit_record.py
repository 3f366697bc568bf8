"""What `audit.record` writes, field by field, when the caller leaves things out: empty actor and
target, the time in UTC to the second, details as compact JSON with sorted keys (so that two
releases write the same bytes for the same action)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from flask import Flask

from reporter.audit.models import AuditHead
from reporter.audit.service import GENESIS, HEAD_MAC, audit_key, record, verify
from reporter.db import new_session


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server's clock set to Bogotá: the audit log must still say UTC."""
    monkeypatch.setenv("TZ", "America/Bogota")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_an_entry_left_without_actor_target_or_time_is_complete(
    app: Flask, far_from_utc: None
) -> None:
    key = audit_key(app.extensions["reporter.settings"].secret_key)
    session = new_session(app)
    try:
        before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        entry = record(session, key, action="retention_purge", details={"b": 1, "a": [2, 3]})
        after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        session.commit()
        assert entry.id == 1
        assert entry.actor_name == "" and entry.target == ""
        assert entry.actor_id is None and entry.organisation_id is None
        assert entry.details == '{"a":[2,3],"b":1}'
        assert entry.at.microsecond == 0
        assert before <= entry.at <= after
        second = record(session, key, action="queue_viewed")
        session.commit()
        assert second.id == 2 and second.previous_hash == entry.entry_hash
        assert second.details == "{}"
        assert verify(session, key) == []
    finally:
        session.close()


def test_a_head_set_back_to_the_start_of_the_chain_is_not_blessed_by_the_next_entry(
    app: Flask,
) -> None:
    """Someone writes the genesis hash into the head of a chain of three: the next entry keeps
    the head's stale MAC, so the check goes on naming the head."""
    key = audit_key(app.extensions["reporter.settings"].secret_key)
    session = new_session(app)
    try:
        for _ in range(3):
            record(session, key, action="queue_viewed", actor_name="moderadora")
        session.commit()
        head = session.get(AuditHead, 1)
        assert head is not None
        head.last_hash = GENESIS
        session.commit()
        record(session, key, action="queue_viewed", actor_name="moderadora")
        session.commit()
        assert HEAD_MAC in {problem.kind for problem in verify(session, key)}
    finally:
        session.close()
