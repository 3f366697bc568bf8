"""Several app servers: two gunicorn processes on loopback behind Debian's nginx (round robin),
against one PostgreSQL and one Redis, each with its own instance folder. One reporter's whole
path and one staff member's session (login, queue, case, coding, message) are spread across
both, and flood control counts across both: nothing one process needs lives only in another's
memory."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
import redis
import sqlalchemy as sa

from reporter import create_app, migrate
from reporter.accounts.models import MODERATOR
from reporter.accounts.service import create_staff_member
from reporter.db import engine_of, new_session
from reporter.orgs.models import NATIONAL
from reporter.orgs.service import create_organisation
from reporter.settings import load_settings
from tests.conftest import FAST, empty_postgres_database, postgres_server_or_skip, report_fields
from tests.factories import act_form
from tests.servers import (
    DRAFT,
    GUNICORN,
    GUNICORN_CONFIG,
    csrf_of,
    form_data,
    free_port,
    receipt_on,
    required,
    wait_for,
)

REDIS_URL = "redis://127.0.0.1:6379/7"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSPHRASE = "a long passphrase for two servers"
TOTP = pyotp.random_base32()


@dataclass
class Deployment:
    base: str
    backends: list[str]
    database_url: str
    settings: dict[str, str]
    served: list[str] = field(default_factory=list)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, event_hooks={"response": [self._note]}, timeout=30)

    def _note(self, response: httpx.Response) -> None:
        self.served.append(response.headers.get("X-Served-By", "?"))


def _nginx_config(folder: Path, port: int, backends: list[int]) -> Path:
    """The shipped config's proxy settings, with an upstream of two servers."""
    servers = "\n".join(f"        server 127.0.0.1:{backend};" for backend in backends)
    config = folder / "nginx.conf"
    config.write_text(
        f"""
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
daemon off;
worker_processes 1;
events {{ worker_connections 64; }}
http {{
    access_log off;
    server_tokens off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream reporter_app {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 52m;
        client_body_buffer_size 52m;
        location / {{
            proxy_pass http://reporter_app;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_request_buffering off;
            # For this test only: which app server answered.
            add_header X-Served-By $upstream_addr always;
        }}
    }}
}}
"""
    )
    return config


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    if not Path(NGINX).exists():
        required("REPORTER_REQUIRE_NGINX", "Debian's nginx is not installed")
    try:
        store = redis.Redis.from_url(REDIS_URL)
        store.ping()
    except redis.ConnectionError:
        required("REPORTER_REQUIRE_REDIS", f"no Redis at {REDIS_URL}")
    store.flushdb()
    database = empty_postgres_database(postgres_server_or_skip(), "two_servers")
    database_url = next(database)
    folder = tmp_path_factory.mktemp("two-servers")
    secrets = {"secret_key": uuid.uuid4().hex * 2, "receipt_pepper": uuid.uuid4().hex * 2}
    settings = {
        "database_url": database_url,
        "ratelimit_storage_url": REDIS_URL,
        "trusted_proxies": "127.0.0.1",
        "receipt_min_seconds": "0",
        # Small enough to reach in a test; counted in Redis, so across both servers.
        # (Every visitor arrives from this machine, as over Tor: the site-wide capacity applies.)
        "receipt_rate_limit": "6 per 10 minutes",
        "anonymous_receipt_capacity": "6 per 10 minutes",
        **{key: str(value) for key, value in FAST.items()},
        **secrets,
    }
    migrate.upgrade(sa.create_engine(database_url))
    ports = [free_port(), free_port()]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for number, port in enumerate(ports):
            environment = {
                **os.environ,
                **{f"REPORTER_{key.upper()}": value for key, value in settings.items()},
                "REPORTER_INSTANCE_PATH": str(folder / f"instance-{number}"),
            }
            environment.pop("REPORTER_CONFIG", None)
            processes.append(
                subprocess.Popen(
                    [
                        str(GUNICORN),
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "1",
                        "--threads",
                        "4",
                        "--config",
                        str(GUNICORN_CONFIG),
                        "reporter:create_app()",
                    ],
                    env=environment,
                )
            )
        for port, process in zip(ports, processes, strict=True):
            wait_for(f"http://127.0.0.1:{port}/robots.txt", process)
        nginx_port = free_port()
        nginx = subprocess.Popen(
            [
                NGINX,
                "-c",
                str(_nginx_config(folder, nginx_port, ports)),
                "-p",
                str(folder),
                "-e",
                str(folder / "error.log"),
            ]
        )
        processes.append(nginx)
        wait_for(f"http://127.0.0.1:{nginx_port}/robots.txt", nginx)
        yield Deployment(
            f"http://127.0.0.1:{nginx_port}",
            [f"127.0.0.1:{port}" for port in ports],
            database_url,
            {**settings, "instance_path": str(folder / "instance-test")},
        )
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        store.flushdb()
        next(database, None)


def _staff_member(deployment: Deployment) -> None:
    """An organisation for Brazil and a moderator, made in the shared database."""
    values: dict[str, Any] = dict(deployment.settings)
    values["trusted_proxies"] = (values["trusted_proxies"],)
    values["receipt_min_seconds"] = 0.0
    for key in FAST:
        values[key] = int(values[key])
    app = create_app(load_settings(environ={}, **values))
    session = new_session(app)
    try:
        created = create_organisation(
            session, name="Rede Brasil", slug="brasil", kind=NATIONAL, countries=["BR"]
        )
        create_staff_member(
            session,
            created.organisation,
            username="moderadora",
            role=MODERATOR,
            password=PASSPHRASE,
            organisation_private_key=created.private_key,
            advocacy_key=created.advocacy_key,
            cost=app.extensions["reporter.settings"].password_cost,
            totp_secret=TOTP,
        )
        session.commit()
    finally:
        session.close()
        engine_of(app).dispose()


def test_a_reporter_and_a_moderator_work_across_two_app_servers(deployment: Deployment) -> None:
    _staff_member(deployment)
    reporter = deployment.client()
    start = len(deployment.served)

    # The reporter's whole path: the form, check answers, send, the receipt.
    token = csrf_of(reporter.get("/en/followup").text)
    fields = {
        **report_fields(narrative="TWOSERVERS the officer took my syringes"),
        "csrf_token": token,
    }
    check = reporter.post(
        "/en/report", data=form_data({**fields, "page": "more", "action": "check"})
    )
    assert check.status_code == 200
    fields.update(dict(DRAFT.findall(check.text)))
    sent = reporter.post(
        "/en/report", data=form_data({**fields, "page": "check", "action": "send"})
    )
    assert sent.status_code == 200
    receipt = receipt_on(sent.text)
    assert len(receipt) == 19
    # Follow-up with the receipt, and a reply.
    token = csrf_of(reporter.get("/en/followup").text)
    opened = reporter.post("/en/followup", data={"csrf_token": token, "receipt": receipt})
    assert opened.status_code == 200
    reply = reporter.post(
        "/en/followup/reply",
        data={"csrf_token": csrf_of(opened.text), "receipt": receipt, "text": "I am safe now"},
    )
    assert reply.status_code == 200, reply.text
    reporter_served = set(deployment.served[start:])
    assert reporter_served == set(deployment.backends), reporter_served

    # The moderator: login with TOTP, queue, case, coding, message.
    staff = deployment.client()
    start = len(deployment.served)
    login_page = staff.get("/staff/login")
    logged_in = staff.post(
        "/staff/login",
        data={
            "csrf_token": csrf_of(login_page.text),
            "username": "moderadora",
            "passphrase": PASSPHRASE,
            "code": pyotp.TOTP(TOTP).now(),
        },
    )
    assert logged_in.status_code == 302, logged_in.text
    queue = staff.get("/staff/queue")
    assert queue.status_code == 200
    case_url = re.search(r'href="(/staff/cases/[0-9a-f-]{36})"', queue.text)
    assert case_url, "the report is not in the queue"
    case = staff.get(case_url.group(1))
    assert "TWOSERVERS the officer took my syringes" in case.text
    assert "I am safe now" in case.text
    act_url = f"{case_url.group(1)}/acts/new"
    act = act_form(violation_type="confiscation_supplies", populations=["person_who_uses_drugs"])
    coded = staff.post(
        act_url, data=form_data({**act, "csrf_token": csrf_of(staff.get(act_url).text)})
    )
    assert coded.status_code == 302, coded.text
    assert coded.headers["Location"].startswith(case_url.group(1)), coded.headers["Location"]
    message = staff.post(
        f"{case_url.group(1)}/messages",
        data={"csrf_token": csrf_of(staff.get(case_url.group(1)).text), "text": "Are you safe?"},
    )
    assert message.status_code == 302, message.text
    assert message.headers["Location"].startswith(case_url.group(1)), message.headers["Location"]
    case = staff.get(case_url.group(1))
    assert "Are you safe?" in case.text, case.text[case.text.find("<main") :][:3000]
    assert "Syringes, condoms, naloxone or medicines taken away" in case.text
    staff_served = set(deployment.served[start:])
    assert staff_served == set(deployment.backends), staff_served

    # The reporter reads the answer, on whichever server.
    token = csrf_of(reporter.get("/en/followup").text)
    thread = reporter.post("/en/followup", data={"csrf_token": token, "receipt": receipt})
    assert "Are you safe?" in thread.text


def test_flood_control_counts_across_both_servers(deployment: Deployment) -> None:
    """Six receipt look-ups per ten minutes, whichever server answers: the seventh is refused,
    although each server alone has seen fewer than six."""
    redis.Redis.from_url(REDIS_URL).flushdb()  # what the other test counted
    client = deployment.client()
    start = len(deployment.served)
    codes = []
    for number in range(7):
        token = csrf_of(client.get("/en/followup").text)
        codes.append(
            client.post(
                "/en/followup", data={"csrf_token": token, "receipt": f"{number:016d}"}
            ).status_code
        )
    assert codes == [404] * 6 + [429]
    served = deployment.served[start:]
    assert set(served) == set(deployment.backends)
    assert max(served.count(backend) for backend in deployment.backends) < 12
