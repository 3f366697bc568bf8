"""Helpers for tests that run the app under gunicorn and talk to it over HTTP."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import httpx
import pyotp
import pytest
import sqlalchemy as sa

from reporter import create_app, migrate
from reporter.accounts.models import MODERATOR, ORG_ADMIN
from reporter.accounts.service import create_staff_member
from reporter.db import engine_of, new_session
from reporter.orgs.models import NATIONAL
from reporter.orgs.service import create_organisation
from reporter.settings import load_settings
from tests.conftest import FAST, LOOSE_LIMITS, TEST_DATABASE_URL, empty_postgres_database

GUNICORN = Path(sys.executable).with_name("gunicorn")
GUNICORN_CONFIG = Path(__file__).resolve().parent.parent / "config" / "gunicorn.conf.py"
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
DRAFT = re.compile(r'<input type="hidden" name="(draft)" value="([^"]+)">')
RECEIPT_GROUP = re.compile(r'<span class="group">([0-9]{4})</span>')


def required(flag: str, reason: str) -> NoReturn:
    """Skip for want of something, or fail when the run says it must be there."""
    if os.environ.get(flag) == "1":
        pytest.fail(f"{reason}, and {flag}=1")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url}: the server stopped ({process.returncode})")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def csrf_of(page: str) -> str:
    match = TOKEN.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def form_data(fields: dict[str, Any]) -> dict[str, str | list[str]]:
    return {
        key: [str(item) for item in value] if isinstance(value, list) else str(value)
        for key, value in fields.items()
    }


def receipt_on(page: str) -> str:
    """The receipt a confirmation page shows, as four groups of four digits."""
    return " ".join(RECEIPT_GROUP.findall(page[page.index('class="receipt"') :])[:4])


REPORTER_CLI = Path(sys.executable).with_name("reporter")
STAFF_PASSPHRASE = "a long passphrase for the served app"
TOTP_SECRETS = {name: pyotp.random_base32() for name in ("ana", "bia", "chefe")}


class Served:
    """The app under gunicorn with the shipped settings (loose rate limits, fast Argon2id) in a
    folder of its own: its instance folder, temporary folder, logs and backups; and its command
    line."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.folder = folder
        self.database_url = database_url
        self.instance = folder / "instance"
        self.temporary = folder / "tmp"
        self.logs = folder / "logs"
        self.backups = folder / "backups"
        for path in (self.instance, self.temporary, self.logs, self.backups):
            path.mkdir(mode=0o700)
        self.settings = {
            "database_url": database_url,
            "trusted_proxies": "127.0.0.1",
            "receipt_min_seconds": "0",
            **LOOSE_LIMITS,
            "secret_key": uuid.uuid4().hex * 2,
            "receipt_pepper": uuid.uuid4().hex * 2,
            **{key: str(value) for key, value in FAST.items()},
        }
        self.environment = {
            **{
                key: value
                for key, value in os.environ.items()
                if not key.startswith("REPORTER_") and key not in ("TMPDIR", "TEMP", "TMP")
            },
            **{f"REPORTER_{key.upper()}": value for key, value in self.settings.items()},
            "REPORTER_INSTANCE_PATH": str(self.instance),
            "TMPDIR": str(self.temporary),
        }
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen[bytes] | None = None

    def start(self, own_process_group: bool = False) -> None:
        """Start gunicorn; in a process group of its own, one kill takes master and workers."""
        with (self.logs / "gunicorn.log").open("ab") as log:
            self.server = subprocess.Popen(
                [
                    str(GUNICORN),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "2",
                    "--threads",
                    "2",
                    "--config",
                    str(GUNICORN_CONFIG),
                    "reporter:create_app()",
                ],
                env=self.environment,
                stdout=log,
                stderr=log,
                start_new_session=own_process_group,
            )
        wait_for(f"{self.base}/robots.txt", self.server)

    def stop(self) -> None:
        if self.server is not None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()
            self.server = None

    def crash(self) -> None:
        """SIGKILL to master and workers at once (started with `own_process_group`)."""
        assert self.server is not None
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait(timeout=20)
        self.server = None

    def cli(self, *arguments: str) -> str:
        done = subprocess.run(
            [str(REPORTER_CLI), *arguments],
            env=self.environment,
            capture_output=True,
            check=False,
            timeout=120,
        )
        with (self.logs / "cli.log").open("ab") as log:
            log.write(done.stdout + done.stderr)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode()

    def client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers=headers, timeout=60)

    def app(self) -> Any:
        """The same app in this process (for tools and checks), with an instance of its own."""
        values: dict[str, Any] = dict(self.settings)
        values["trusted_proxies"] = (values["trusted_proxies"],)
        values["receipt_min_seconds"] = 0.0
        for key in FAST:
            values[key] = int(values[key])
        return create_app(
            load_settings(environ={}, instance_path=str(self.folder / "tool-instance"), **values)
        )

    def log_in(self, name: str, headers: dict[str, str] | None = None) -> httpx.Client:
        """A staff member of `organisation_and_staff`, logged in with passphrase and TOTP."""
        staff = self.client(headers)
        page = staff.get("/staff/login")
        done = staff.post(
            "/staff/login",
            data={
                "csrf_token": csrf_of(page.text),
                "username": name,
                "passphrase": STAFF_PASSPHRASE,
                "code": pyotp.TOTP(TOTP_SECRETS[name]).now(),
            },
        )
        assert done.status_code == 302, done.text
        return staff


ServedApp = TypeVar("ServedApp", bound=Served)


@contextmanager
def served(folder: Path, kind: type[ServedApp], name: str) -> Iterator[ServedApp]:
    """An app of `kind` on a fresh database of the kind the suite runs on (a new PostgreSQL
    database, or SQLite in its instance folder), with an organisation and its staff, not yet
    started; stopped and its database dropped at the end."""
    if TEST_DATABASE_URL.startswith("postgresql"):
        databases = empty_postgres_database(TEST_DATABASE_URL, name)
        database_url = next(databases)
    else:
        databases = iter(())
        database_url = f"sqlite:///{folder / 'instance' / 'reporter.sqlite3'}"
    machine = kind(folder, database_url)
    migrate.upgrade(sa.create_engine(database_url))
    organisation_and_staff(machine)
    try:
        yield machine
    finally:
        machine.stop()
        next(databases, None)


def organisation_and_staff(machine: Served) -> None:
    """Red Colombia (CO), with the moderators "ana" and "bia" and its administrator "chefe"."""
    app = machine.app()
    session = new_session(app)
    try:
        created = create_organisation(
            session, name="Red Colombia", slug="colombia", kind=NATIONAL, countries=["CO"]
        )
        for name, role in (("ana", MODERATOR), ("bia", MODERATOR), ("chefe", ORG_ADMIN)):
            create_staff_member(
                session,
                created.organisation,
                username=name,
                role=role,
                password=STAFF_PASSPHRASE,
                organisation_private_key=created.private_key,
                advocacy_key=created.advocacy_key,
                cost=app.extensions["reporter.settings"].password_cost,
                totp_secret=TOTP_SECRETS[name],
            )
        session.commit()
    finally:
        session.close()
        engine_of(app).dispose()
