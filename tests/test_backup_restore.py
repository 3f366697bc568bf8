"""`reporter backup` and `reporter restore`: a backup made while the app runs comes back whole in
an empty instance, on SQLite and on PostgreSQL (and from one to the other); it holds nothing in
the clear that the database does not; a damaged backup, other secrets or a database that holds
data are refused before anything is written."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import tarfile
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from reporter.accounts.models import MODERATOR
from reporter.attachments import storage
from reporter.audit.service import audit_key, record, verify
from reporter.cases.service import open_case
from reporter.db import Base, engine_of, new_session
from reporter.reports.models import Case
from tests.conftest import Network, csrf_token, receipt_of, submit
from tests.factories import make_report, make_story
from tests.media import jpeg_with_gps
from tests.staff import keyring_of, login, make_member

CANARIES = ["NARRATIVECANARY officer 4471", "CITYCANARY", "NOTECANARY", "STORYCANARY"]


def _fill(app: Flask, network: Network) -> str:
    """Reports, files, cases, coding, notes, messages, a story and staff. Returns a receipt."""
    client = app.test_client()
    response = submit(
        client,
        narrative=CANARIES[0],
        city=CANARIES[1],
        files=[(io.BytesIO(jpeg_with_gps(description="ATTACHCANARY")), "photo.jpg")],
    )
    receipt = receipt_of(response)
    make_member(app, network.brazil, network.key(network.brazil), "moderator.br", MODERATOR)
    session = new_session(app)
    try:
        key = network.key(network.brazil)
        make_report(session, network.brazil, key, files=2, messages=3, notes=1, acts=2)
        make_report(
            session, network.colombia, network.key(network.colombia), country="CO", messages=1
        )
        make_story(session, network.brazil, key, CANARIES[3])
        session.commit()
    finally:
        session.close()
    return receipt


def _rows(app: Flask) -> dict[str, int]:
    with engine_of(app).connect() as connection:
        return {
            table.name: connection.scalar(select(sa.func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
            if table.name != "staff_sessions"
        }


def _opened_cases(app: Flask, network: Network) -> list[Any]:
    """Every case of both national organisations, opened whole, with every file read."""
    session = new_session(app)
    try:
        views = []
        for organisation in (network.brazil, network.colombia):
            keyring = keyring_of(organisation, network.key(organisation))
            for case in session.scalars(
                select(Case).where(Case.organisation_id == organisation.id).order_by(Case.report_id)
            ):
                view = open_case(session, case, keyring)
                for ref in view.files:
                    assert b"".join(storage.read(session, ref))
                views.append(view)
        return views
    finally:
        session.close()


def _what_staff_read(views: list[Any]) -> list[tuple[Any, ...]]:
    return [(v.content, v.notes, v.messages, v.acts, v.story) for v in views]


def _receipt_opens(app: Flask, receipt: str) -> bool:
    client = app.test_client()
    opened = client.post(
        "/en/followup", data={"csrf_token": csrf_token(client, "/en/followup"), "receipt": receipt}
    )
    return opened.status_code == 200


def _backed_up(app_factory: Any, network: Network, tmp_path: Path) -> tuple[Flask, str, Path]:
    """An instance filled by `_fill`, its receipt, and a backup of it."""
    source = app_factory()
    receipt = _fill(source, network)
    archive = tmp_path / "reporter.tar"
    assert source.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    return source, receipt, archive


def _decoded(archive: Path) -> bytes:
    """Every value in the backup as the database held it (binary values decoded)."""
    values: list[bytes] = []
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member)
            assert handle is not None
            data = handle.read()
            values.append(data)
            if member.name.startswith("tables/"):
                for line in data.splitlines():
                    for value in json.loads(line):
                        if isinstance(value, str):
                            with contextlib.suppress(ValueError):
                                values.append(base64.b64decode(value, validate=True))
    return b"\x00".join(values)


def test_a_backup_comes_back_whole_in_an_empty_instance(
    app_factory: Any, network: Network, tmp_path: Path, empty_database: str
) -> None:
    source = app_factory()
    receipt = _fill(source, network)
    before = _opened_cases(source, network)
    expected = _rows(source)
    archive = tmp_path / "reporter.tar"
    made = source.test_cli_runner().invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert archive.stat().st_mode & 0o077 == 0
    assert not list(tmp_path.glob(".reporter-backup-*")), "the scratch folder is left behind"

    stored = _decoded(archive)
    for canary in [*CANARIES, "ATTACHCANARY"]:
        assert canary.encode() not in stored, canary
    assert receipt.replace(" ", "").encode() not in stored

    target = app_factory(database_url=empty_database)
    restored = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "checksums, row counts and the audit chain verified" in restored.output

    # One entry more, "restored a backup", and the chain's head it made (the backup's own entry
    # came after the copy).
    expected["audit_entries"] += 1
    expected["audit_head"] = 1
    assert _rows(target) == expected
    after = _opened_cases(target, network)
    assert _what_staff_read(after) == _what_staff_read(before)
    assert any(v.content and v.content.narrative == CANARIES[0] for v in after)

    # The reporter's receipt still opens the report; the moderator still logs in; numbered rows
    # go on after the restored ones.
    assert _receipt_opens(target, receipt)
    staff = target.test_client()
    assert login(staff, "moderator.br").headers["Location"].endswith("/staff/")
    session = new_session(target)
    try:
        make_report(session, network.brazil, network.key(network.brazil), notes=1, messages=1)
        session.commit()
        assert verify(session, audit_key(target.extensions["reporter.settings"].secret_key)) == []
    finally:
        session.close()


def test_a_damaged_backup_is_refused_before_anything_is_written(
    app_factory: Any, network: Network, tmp_path: Path, empty_database: str
) -> None:
    _source, _receipt, archive = _backed_up(app_factory, network, tmp_path)
    data = bytearray(archive.read_bytes())
    # Change one character inside the reports' table file.
    with tarfile.open(archive) as tar:
        member = tar.getmember("tables/reports.jsonl")
    position = member.offset_data + 10
    data[position] = ord("A") if data[position] != ord("A") else ord("B")
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(data))
    target = app_factory(database_url=empty_database)
    result = target.test_cli_runner().invoke(args=["restore", str(damaged)])
    assert result.exit_code != 0
    assert (
        "tables/reports.jsonl does not match its checksum: the backup is damaged" in result.output
    )
    assert sa.inspect(engine_of(target)).get_table_names() == []

    not_a_backup = tmp_path / "notes.tar"
    not_a_backup.write_bytes(b"just some bytes")
    result = target.test_cli_runner().invoke(args=["restore", str(not_a_backup)])
    assert result.exit_code != 0 and "cannot be read as a backup" in result.output


def test_other_secrets_or_a_database_with_data_are_refused(
    app_factory: Any, network: Network, tmp_path: Path, empty_database: str
) -> None:
    source, _receipt, archive = _backed_up(app_factory, network, tmp_path)
    again = source.test_cli_runner().invoke(args=["backup", str(archive)])
    assert again.exit_code != 0 and "exists already" in again.output

    stranger = app_factory(database_url=empty_database, secret_key="z" * 64)
    result = stranger.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code != 0
    assert "secret_key or receipt_pepper is not the one the backup was made with" in result.output

    # The source itself holds data: nothing is overwritten.
    rows = _rows(source)
    result = source.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code != 0 and "holds data already" in result.output
    assert _rows(source) == rows


def test_a_backup_made_while_staff_work_is_consistent(
    app_factory: Any, network: Network, tmp_path: Path, empty_database: str
) -> None:
    """Audit entries written during the backup: the copy holds a chain whose head matches its
    last entry (a torn copy would not verify)."""
    source = app_factory()
    _fill(source, network)
    key = audit_key(source.extensions["reporter.settings"].secret_key)
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            session = new_session(source)
            try:
                record(session, key, action="queue_viewed", actor_name="moderator.br")
                session.commit()
            finally:
                session.close()

    worker = threading.Thread(target=work)
    worker.start()
    try:
        archives = [tmp_path / f"during-{n}.tar" for n in range(3)]
        for archive in archives:
            result = source.test_cli_runner().invoke(args=["backup", str(archive)])
            assert result.exit_code == 0, result.output
    finally:
        stop.set()
        worker.join()
    target = app_factory(database_url=empty_database)
    result = target.test_cli_runner().invoke(args=["restore", str(archives[-1])])
    assert result.exit_code == 0, result.output


def test_staff_acting_at_once_each_get_their_own_audit_entry(app: Flask) -> None:
    """Two app threads (or workers) record at the same moment: neither fails, the chain holds."""
    key = audit_key(app.extensions["reporter.settings"].secret_key)
    failures: list[BaseException] = []

    def act(name: str) -> None:
        for _ in range(40):
            session = new_session(app)
            try:
                record(session, key, action="queue_viewed", actor_name=name)
                session.commit()
            except BaseException as error:
                failures.append(error)
            finally:
                session.close()

    threads = [threading.Thread(target=act, args=(f"moderator{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    session = new_session(app)
    try:
        assert verify(session, key) == []
        assert (
            session.scalar(
                select(sa.func.count()).select_from(Base.metadata.tables["audit_entries"])
            )
            == 80
        )
    finally:
        session.close()


def test_a_backup_restores_into_the_other_kind_of_database(
    app_factory: Any, network: Network, tmp_path: Path, other_kind_of_database: str
) -> None:
    """A network that starts on SQLite moves to PostgreSQL through a backup (and back)."""
    source, receipt, archive = _backed_up(app_factory, network, tmp_path)
    before = _opened_cases(source, network)
    target = app_factory(database_url=other_kind_of_database)
    assert engine_of(target).dialect.name != engine_of(source).dialect.name
    result = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    after = _opened_cases(target, network)
    assert _what_staff_read(after) == _what_staff_read(before)
    assert _receipt_opens(target, receipt)
    engine_of(target).dispose()
