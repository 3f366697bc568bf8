"""Every report is sealed under its own random keys, and a ciphertext opens only where it was
written: moved to another report's row (or relabelled), it refuses to open."""

from __future__ import annotations

import uuid
from io import BytesIO

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.accounts.models import MODERATOR, StaffMember
from reporter.attachments import storage
from reporter.cases.models import CaseNote
from reporter.cases.service import add_note
from reporter.coding import service as coding
from reporter.coding.models import CaseAct
from reporter.followup.service import (
    add_staff_message,
    decrypt_messages,
    message_associated_data,
)
from reporter.reports.models import AttachmentChunk, Case, Message, Report
from reporter.reports.service import (
    content_associated_data,
    decrypt_content,
    open_case_key,
    open_thread_key,
    thread_key_associated_data,
)
from tests.conftest import Network, submit
from tests.media import png_with_text
from tests.staff import keyring_of, make_member


def _two_reports(app: Flask, network: Network, db: Session) -> tuple[Case, Case]:
    client = app.test_client()
    for story in ("first story", "second story"):
        submit(
            client,
            narrative=story,
            share_with_network=None,
            files=[(BytesIO(png_with_text()), "p.png")],
        )
    db.expire_all()
    cases = db.scalars(select(Case).where(Case.organisation_id == network.brazil.id)).all()
    assert len(cases) == 2
    first, second = sorted(
        cases,
        key=lambda case: decrypt_content(case, case.report, network.key(network.brazil)).narrative,
    )
    return first, second


def test_every_report_has_its_own_random_keys(app: Flask, network: Network, db: Session) -> None:
    first, second = _two_reports(app, network, db)
    private_key = network.key(network.brazil)
    for purpose in ("content", "thread", "case"):
        keys = [open_case_key(case, private_key, purpose) for case in (first, second)]
        assert keys[0] != keys[1], purpose
        for key in keys:
            assert len(key) == 32 and key != bytes(32), purpose
            # Not a key derived from something public about the report.
            assert key not in (first.report_id.bytes * 2, second.report_id.bytes * 2)


def test_the_same_story_twice_gives_different_ciphertexts(
    app: Flask, network: Network, db: Session
) -> None:
    client = app.test_client()
    submit(client, narrative="the very same words", share_with_network=None)
    submit(client, narrative="the very same words", share_with_network=None)
    db.expire_all()
    contents = [report.content for report in db.scalars(select(Report))]
    assert len(contents) == 2 and contents[0] != contents[1]


def test_content_and_thread_key_are_bound_to_their_report(
    app: Flask, network: Network, db: Session
) -> None:
    first, second = _two_reports(app, network, db)
    private_key = network.key(network.brazil)
    content_key = open_case_key(first, private_key, "content")
    report = first.report
    assert crypto.decrypt_text(content_key, report.content, content_associated_data(report.id))
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_text(content_key, report.content, content_associated_data(second.report_id))
    assert thread_key_associated_data(first.report_id) != thread_key_associated_data(
        second.report_id
    )


def test_content_moved_to_another_report_with_its_sealed_key_refuses_to_open(
    app: Flask, network: Network, db: Session
) -> None:
    first, second = _two_reports(app, network, db)
    second.report.content = first.report.content
    second.sealed_content_key = first.sealed_content_key
    db.flush()
    with pytest.raises(crypto.DecryptionFailed):
        decrypt_content(second, second.report, network.key(network.brazil))


@pytest.mark.parametrize("purpose", ["content", "thread", "case"])
def test_a_sealed_key_moved_to_another_case_refuses_to_open(
    app: Flask, network: Network, db: Session, purpose: str
) -> None:
    first, second = _two_reports(app, network, db)
    column = f"sealed_{purpose}_key"
    setattr(second, column, getattr(first, column))
    db.flush()
    with pytest.raises(crypto.DecryptionFailed):
        open_case_key(second, network.key(network.brazil), purpose)


def test_notes_and_acts_moved_to_another_case_refuse_to_open(
    app: Flask, network: Network, db: Session
) -> None:
    first, second = _two_reports(app, network, db)
    private_key = network.key(network.brazil)
    make_member(app, network.brazil, private_key, "mod", MODERATOR)
    author = db.scalars(select(StaffMember).where(StaffMember.username == "mod")).one()
    note = add_note(db, first, private_key, author, "a note about the first")
    coding.save_act(
        db,
        first,
        keyring_of(network.brazil, private_key),
        coding.Act(violation_type="extortion_bribe", country="BR"),
    )
    act = db.scalars(select(CaseAct).where(CaseAct.report_id == first.report_id)).one()
    # Moved to the second report's case, each refuses to open there.
    moved_note = CaseNote(
        report_id=second.report_id,
        organisation_id=second.organisation_id,
        author_id=author.id,
        created_on=note.created_on,
        body=note.body,
    )
    db.add(moved_note)
    db.add(
        CaseAct(report_id=second.report_id, organisation_id=second.organisation_id, data=act.data)
    )
    db.flush()
    with pytest.raises(crypto.DecryptionFailed):
        coding.list_acts(db, second, private_key)
    from reporter.cases.service import _note_associated_data

    case_key = open_case_key(second, private_key, "case")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_text(case_key, moved_note.body, _note_associated_data(second))


def test_messages_are_bound_to_their_report_and_their_author(
    app: Flask, network: Network, db: Session
) -> None:
    first, second = _two_reports(app, network, db)
    private_key = network.key(network.brazil)
    message = add_staff_message(
        db, first.report, network.brazil, private_key, "Can you tell us more?"
    )
    thread_key = open_thread_key(db, first.report, network.brazil, private_key)
    assert [m.text for m in decrypt_messages(first.report, thread_key)] == ["Can you tell us more?"]
    # Relabelled as the reporter's own words: refused.
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_text(
            thread_key, message.body, message_associated_data(first.report, "reporter")
        )
    # Moved to another report's thread: refused, even under this thread's key.
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_text(
            thread_key, message.body, message_associated_data(second.report, message.author)
        )
    db.add(
        Message(
            report_id=second.report_id,
            author=message.author,
            created_on=message.created_on,
            body=message.body,
        )
    )
    db.flush()
    db.refresh(second.report, ["messages"])
    second_key = open_thread_key(db, second.report, network.brazil, private_key)
    with pytest.raises(crypto.DecryptionFailed):
        decrypt_messages(second.report, second_key)


def test_a_file_moved_to_another_report_refuses_to_open(
    app: Flask, network: Network, db: Session
) -> None:
    first, second = _two_reports(app, network, db)
    private_key = network.key(network.brazil)
    ref = decrypt_content(first, first.report, private_key).attachments[0]
    other = decrypt_content(second, second.report, private_key).attachments[0]
    assert b"".join(storage.read(db, ref))  # opens where it belongs
    # The second report's file replaced, chunk for chunk, by the first report's.
    chunks = {
        row.index: row.data
        for row in db.scalars(
            select(AttachmentChunk).where(AttachmentChunk.attachment_id == uuid.UUID(ref["id"]))
        )
    }
    for row in db.scalars(
        select(AttachmentChunk).where(AttachmentChunk.attachment_id == uuid.UUID(other["id"]))
    ):
        row.data = chunks.get(row.index, row.data)
    db.flush()
    with pytest.raises(crypto.DecryptionFailed):
        b"".join(storage.read(db, other))
    # Even with the first report's file key, its chunks do not open under another file's id.
    with pytest.raises(crypto.DecryptionFailed):
        b"".join(storage.read(db, {**other, "key": ref["key"]}))


def test_no_two_encryption_contexts_can_give_the_same_bytes() -> None:
    from reporter.crypto import contexts

    labels = [
        value
        for name, value in vars(contexts).items()
        if name.isupper() and isinstance(value, bytes)
    ] + [b"reporter/" + kind + b"/v1|" for kind in contexts.CASEWORK_KINDS]
    assert len(labels) == len(set(labels)) > 12
    for label in labels:
        assert label.startswith(b"reporter/") and label.endswith(b"|")
        # None is the start of another: a context's bytes can never be read as another's.
        assert not any(other != label and other.startswith(label) for other in labels), label


def test_the_contexts_of_stored_data_never_change() -> None:
    """They are part of every stored ciphertext: a changed byte would lock away all of it."""
    from reporter.crypto import contexts

    one, two = uuid.UUID(int=1), uuid.UUID(int=2)
    assert contexts.report_content(one) == b"reporter/report/v1|" + one.bytes
    assert contexts.thread_key(one) == b"reporter/thread-key/v1|" + one.bytes
    assert (
        contexts.sealed_key(one, two, "case")
        == b"reporter/sealed/v1|" + one.bytes + two.bytes + b"case"
    )
    assert contexts.message(one, "staff") == b"reporter/message/v1|" + one.bytes + b"|staff"
    assert contexts.note(one, two) == b"reporter/note/v1|" + one.bytes + two.bytes
    assert contexts.act(one, two) == b"reporter/act/v1|" + one.bytes + two.bytes
    assert contexts.casework(b"story", one, two) == b"reporter/story/v1|" + one.bytes + two.bytes
    assert contexts.org_slot(one, "staff", 2) == b"reporter/org-slot/v1|" + one.bytes + b"|staff|2"
    assert contexts.index_key(one, 2) == b"reporter/index-key/v1|" + one.bytes + b"2"
    assert contexts.totp(one) == b"reporter/totp/v1|" + one.bytes
    assert contexts.staff_key(one) == b"reporter/staff-key/v1|" + one.bytes
    assert contexts.AUDIT_HEAD == b"reporter/audit-head/v1|"
    assert (
        contexts.advocacy_slot(one, "staff", 2)
        == b"reporter/advocacy-slot/v1|" + one.bytes + b"|staff|2"
    )
    assert (
        contexts.stat_contribution(one, two)
        == b"reporter/stat-contribution/v1|" + one.bytes + two.bytes
    )
    assert (
        contexts.statistics_release(one, two)
        == b"reporter/statistics-release/v1|" + one.bytes + two.bytes
    )
    assert contexts.stat_link(one, two) == b"reporter/stat-link/v1|" + one.bytes + two.bytes
    assert contexts.search_text(one, two) == b"reporter/search-text/v1|" + one.bytes + two.bytes
    assert contexts.staff_email(one) == b"reporter/staff-email/v1|" + one.bytes
