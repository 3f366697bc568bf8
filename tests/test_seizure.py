"""A seizure after real use. Reporters send reports whose every field, file name, file content
and metadata slot (EXIF with GPS, PDF metadata, audio tags) carries a distinctive canary, from
distinctive user agents and forwarded addresses, to the app under gunicorn with the shipped
settings; staff code, annotate, message, write and approve a story, export; an administrator
deletes a report; the purge and a backup run. Then everything a thief would take (the database
files or a dump of it, the instance folder, the backup, the servers' logs, their temporary folder)
holds no canary, no address and no user agent, and the deleted report left nothing behind in the
database's free pages."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from reporter.reports.models import Attachment, AttachmentChunk, Report
from tests.conftest import report_fields
from tests.factories import act_form
from tests.media import CANARIES as FILE_CANARIES
from tests.media import CANARY_GPS_BYTES, hostile_jpeg, hostile_mp3, hostile_pdf
from tests.servers import DRAFT, Served, csrf_of, form_data, receipt_on, served

TEXT_CANARIES = {
    "narrative": "SEIZURENARRATIVE the officer with badge 5521 took my kit",
    "violation_other": "SEIZUREOTHER they burned my papers",
    "city": "SEIZURECITY",
    "contact": "SEIZURECONTACT +57 300 5550199",
}
DELETED_CANARY = "SEIZUREDELETED the report an administrator deletes"
FILE_NAME_CANARY = "SEIZUREFILENAME"
STAFF_CANARIES = {
    "reply": "SEIZUREREPLY I am safe now",
    "note": "SEIZURENOTE the lawyer called back",
    "message": "SEIZUREMESSAGE are you safe?",
    "story": "SEIZURESTORY A woman was stopped in a city.",
    # What staff type that is not about a case: a search and an email address for notices.
    "search": "SEIZURESEARCH",
    "email": "seizure-email-canary@example.org",
}
# Reporters and staff each come from their own address, behind the trusted proxy, and browser.
ADDRESSES = ["198.51.100.173", "203.0.113.58", "2001:db8:5e12::77", "192.0.2.199"]
AGENTS = [
    "SeizureAgent/9.1 (SEIZUREUA-ONE; Android 4.4)",
    "Mozilla/5.0 (SEIZUREUA-TWO; KaiOS 2.5)",
    "Opera/9.80 (SEIZUREUA-THREE; J2ME/MIDP)",
    "Mozilla/5.0 (SEIZUREUA-STAFF; X11; Linux x86_64)",
]


def _address_forms(address: str) -> list[bytes]:
    """An address as text and as the bytes a database or a log could keep it in."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return [address.encode(), socket.inet_pton(family, address)]


class Seized(Served):
    """The app under gunicorn, and what a thief would take from its machine."""

    def client_number(self, number: int) -> httpx.Client:
        """Reporter or staff member `number`, with their own browser and forwarded address."""
        return self.client({"User-Agent": AGENTS[number], "X-Forwarded-For": ADDRESSES[number]})


@pytest.fixture
def seized(tmp_path: Path) -> Iterator[Seized]:
    with served(tmp_path, Seized, "seizure") as machine:
        machine.start()
        yield machine


def _send_report(machine: Seized, number: int, **answers: Any) -> str:
    """A whole report with three hostile files, from reporter `number`; its receipt."""
    with machine.client_number(number) as reporter:
        fields = {
            **report_fields(country="CO", region="CO-ANT", **answers),
            "csrf_token": csrf_of(reporter.get("/es/followup").text),
        }
        check = reporter.post(
            "/es/report", data=form_data({**fields, "page": "more", "action": "check"})
        )
        assert check.status_code == 200, check.text
        fields.update(dict(DRAFT.findall(check.text)))
        files = [
            ("attachments", (f"IMG_{FILE_NAME_CANARY}.jpg", hostile_jpeg(), "image/jpeg")),
            ("attachments", (f"{FILE_NAME_CANARY}.pdf", hostile_pdf(), "application/pdf")),
            ("attachments", (f"{FILE_NAME_CANARY}.mp3", hostile_mp3(), "audio/mpeg")),
        ]
        sent = reporter.post(
            "/es/report",
            data=form_data({**fields, "page": "check", "action": "send"}),
            files=files,
        )
        assert sent.status_code == 200, sent.text
        return receipt_on(sent.text)


def _log_in(machine: Seized, name: str) -> httpx.Client:
    return machine.log_in(name, {"User-Agent": AGENTS[3], "X-Forwarded-For": ADDRESSES[3]})


def _post(staff: httpx.Client, page: str, action: str, **fields: Any) -> httpx.Response:
    token = csrf_of(staff.get(page).text)
    return staff.post(action, data=form_data({**fields, "csrf_token": token}))


def _ciphertexts_of(machine: Seized, report_id: uuid.UUID) -> list[bytes]:
    """Pieces of the stored ciphertexts of a report: its content and its files' chunks."""
    engine = sa.create_engine(machine.database_url)
    try:
        with engine.connect() as connection:
            stored = [
                connection.execute(
                    sa.select(Report.content).where(Report.id == report_id)
                ).scalar_one(),
                *connection.execute(
                    sa.select(AttachmentChunk.data)
                    .join(Attachment, Attachment.id == AttachmentChunk.attachment_id)
                    .where(Attachment.report_id == report_id)
                ).scalars(),
            ]
    finally:
        engine.dispose()
    assert len(stored) > 3, "the report and its three files"
    # 48 bytes from the middle of each: no chance of meeting them anywhere else.
    return [bytes(value)[len(value) // 2 : len(value) // 2 + 48] for value in stored if value]


def _taken(machine: Seized) -> dict[str, bytes]:
    """Every file a thief would take, by name: the instance folder (the SQLite database with its
    journal), the logs, the temporary folder, the backup; on PostgreSQL a dump, and the server's
    own files of this database after VACUUM and a checkpoint."""
    files = {
        str(path.relative_to(machine.folder)): path.read_bytes()
        for path in sorted(machine.folder.rglob("*"))
        if path.is_file()
    }
    if machine.database_url.startswith("postgresql"):
        files.update(_postgres_files(machine.database_url))
    return files


def _postgres_files(database_url: str) -> dict[str, bytes]:
    url = sa.make_url(database_url)
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("VACUUM")
            connection.exec_driver_sql("CHECKPOINT")
            data = Path(connection.exec_driver_sql("SHOW data_directory").scalar_one())
            oid = connection.exec_driver_sql(
                "SELECT oid FROM pg_database WHERE datname = current_database()"
            ).scalar_one()
    finally:
        engine.dispose()
    folder = data / "base" / str(oid)
    if not os.access(folder, os.R_OK):
        pytest.fail(f"the test cannot read PostgreSQL's files in {folder}: run it as their owner")
    files = {f"postgresql/{path.name}": path.read_bytes() for path in folder.iterdir()}
    dump = subprocess.run(
        [
            "pg_dump",
            "--host",
            url.host or "127.0.0.1",
            "--port",
            str(url.port or 5432),
            "--username",
            url.username or "postgres",
            "--format",
            "custom",
            "--compress",
            "0",
            url.database or "",
        ],
        capture_output=True,
        check=True,
    )
    files["pg_dump"] = dump.stdout
    return files


def test_a_seized_server_holds_no_canary_address_or_user_agent(seized: Seized) -> None:
    receipt = _send_report(seized, 0, **TEXT_CANARIES)
    _send_report(seized, 1, narrative=DELETED_CANARY, contact="")
    with seized.client_number(2) as reporter:
        # A few wrong guesses, and the reporter's reply.
        for guess in ("1111 2222 3333 4444", "9999 8888 7777 6666"):
            token = csrf_of(reporter.get("/es/followup").text)
            reporter.post("/es/followup", data={"csrf_token": token, "receipt": guess})
        token = csrf_of(reporter.get("/es/followup").text)
        thread = reporter.post("/es/followup", data={"csrf_token": token, "receipt": receipt})
        assert thread.status_code == 200
        reply = reporter.post(
            "/es/followup/reply",
            data={
                "csrf_token": csrf_of(thread.text),
                "receipt": receipt,
                "text": STAFF_CANARIES["reply"],
            },
        )
        assert reply.status_code == 200, reply.text

    ana = _log_in(seized, "ana")
    queue = ana.get("/staff/queue").text
    cases = re.findall(r'href="(/staff/cases/[0-9a-f-]{36})"', queue)
    pages = {url: ana.get(url).text for url in dict.fromkeys(cases)}
    kept = next(url for url, page in pages.items() if "SEIZURENARRATIVE" in page)
    deleted = next(url for url, page in pages.items() if "SEIZUREDELETED" in page)
    act = act_form(country="CO", region="CO-ANT", populations=["sex_worker"])
    assert _post(ana, f"{kept}/acts/new", f"{kept}/acts/new", **act).status_code == 302
    assert _post(ana, kept, f"{kept}/notes", text=STAFF_CANARIES["note"]).status_code == 302
    assert _post(ana, kept, f"{kept}/messages", text=STAFF_CANARIES["message"]).status_code == 302
    assert _post(ana, kept, f"{kept}/story", text=STAFF_CANARIES["story"]).status_code == 302
    searched = _post(ana, "/staff/queue", "/staff/queue", words=f"{STAFF_CANARIES['search']} kit")
    assert searched.status_code == 200
    assert "Every case that matches the filters was searched." in searched.text
    noticed = _post(
        ana, "/staff/", "/staff/notices", email=STAFF_CANARIES["email"], kinds=["reports"]
    )
    assert noticed.status_code == 302
    bia = _log_in(seized, "bia")
    assert _post(bia, kept, f"{kept}/story/approve").status_code == 302
    for export in (
        "/staff/stats/export.json",
        "/staff/stats/export.csv",
        "/staff/stories/export.json",
    ):
        assert bia.get(export).status_code == 200, export

    pieces = _ciphertexts_of(seized, uuid.UUID(deleted.rsplit("/", 1)[1]))
    assert pieces
    chefe = _log_in(seized, "chefe")
    assert _post(chefe, f"{deleted}/delete", f"{deleted}/delete").status_code == 302
    seized.cli("purge")
    seized.cli("backup", str(seized.backups / "reporter.backup"))
    # Taken from the running server (the SQLite write-ahead log and its index with it), then
    # again once it has stopped.
    running = _taken(seized)
    seized.stop()
    stopped = _taken(seized)
    taken = {
        **{f"{name} (running)": data for name, data in running.items()},
        **{f"{name} (stopped)": data for name, data in stopped.items()},
    }
    assert any(name.startswith("backups/") for name in taken)
    assert any("reporter.sqlite3-wal" in name for name in running) or (
        seized.database_url.startswith("postgresql")
    )
    secrets = {
        **{name: text.encode() for name, text in TEXT_CANARIES.items()},
        **{name: text.encode() for name, text in STAFF_CANARIES.items()},
        "deleted report": DELETED_CANARY.encode(),
        "file name": FILE_NAME_CANARY.encode(),
        "GPS": CANARY_GPS_BYTES,
        **FILE_CANARIES,
        **{
            f"address {address} ({number})": form
            for address in ADDRESSES
            for number, form in enumerate(_address_forms(address))
        },
        **{f"user agent {agent}": agent.encode() for agent in AGENTS},
        **{f"user agent {agent} (lower case)": agent.lower().encode() for agent in AGENTS},
        "receipt": receipt.replace(" ", "").encode(),
    }
    found = [
        f"{name} in {file}"
        for name, secret in secrets.items()
        for file, data in taken.items()
        if secret in data
    ]
    assert not found, found
    # The deleted report's ciphertexts were overwritten, not only unlinked (secure_delete), in the
    # database and in its write-ahead log.
    if not seized.database_url.startswith("postgresql"):
        database = {name: data for name, data in taken.items() if "reporter.sqlite3" in name}
        assert database
        left = [name for piece in pieces for name, data in database.items() if piece in data]
        assert not left, left


def test_the_seizure_test_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The scan is not blind: a canary written to the log or left in a file is found."""
    machine = Seized(tmp_path, f"sqlite:///{tmp_path / 'instance' / 'reporter.sqlite3'}")
    (machine.logs / "gunicorn.log").write_bytes(AGENTS[0].encode())
    (machine.temporary / "upload").write_bytes(socket.inet_pton(socket.AF_INET, ADDRESSES[0]))
    taken = _taken(machine)
    assert AGENTS[0].encode() in taken["logs/gunicorn.log"]
    assert _address_forms(ADDRESSES[0])[1] in taken["tmp/upload"]
