"""No IP address, user agent or precise time of a reporter is stored or logged."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import urllib.request

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import DateTime
from werkzeug.serving import make_server

from reporter.db import Base
from tests.conftest import csrf_token, receipt_of, submit
from tests.dump import everything_stored

IP = "203.0.113.77"
FORWARDED = "198.51.100.23"
AGENT = "CanaryAgent/9.9 (UNIQUE-UA-STRING)"


def test_no_address_or_user_agent_in_database_or_logs(
    app: Flask, network: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    client.environ_base.update(
        {
            "REMOTE_ADDR": IP,
            "HTTP_USER_AGENT": AGENT,
            "HTTP_X_FORWARDED_FOR": FORWARDED,
            "HTTP_X_REAL_IP": FORWARDED,
        }
    )
    receipt = receipt_of(submit(client))
    client.post(
        "/en/followup", data={"csrf_token": csrf_token(client, "/en/followup"), "receipt": receipt}
    )
    client.post(
        "/en/followup",
        data={"csrf_token": csrf_token(client, "/en/followup"), "receipt": "0000000000000000"},
    )
    client.get("/en/no-such-page")

    stored = everything_stored(app)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for needle in (IP, FORWARDED, AGENT, "CanaryAgent"):
        assert needle.encode() not in stored
        assert needle not in logged


def test_rate_limit_counters_hold_no_address(app: Flask, network: object) -> None:
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": IP})
    client.post(
        "/en/followup", data={"csrf_token": csrf_token(client, "/en/followup"), "receipt": "1" * 16}
    )
    storage = app.extensions["reporter.flood"].storage
    keys = " ".join(str(key) for key in getattr(storage, "storage", {}))
    assert keys, "the receipt limit should have counted this attempt"
    assert IP not in keys


def test_development_server_writes_no_request_lines(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.server_port}/en/safety", headers={"User-Agent": AGENT}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback only)
            assert response.status == 200
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert "/en/safety" not in caplog.text
    assert "127.0.0.1" not in caplog.text
    assert AGENT not in caplog.text


def test_only_day_precision_dates_are_stored() -> None:
    """A precise timestamp column on any reporter-facing table would break the promise."""
    reporter_tables = {
        "reports",
        "report_recipients",
        "messages",
        "attachments",
        "attachment_chunks",
    }
    for table in Base.metadata.sorted_tables:
        if table.name in reporter_tables:
            for column in table.columns:
                assert not isinstance(column.type, DateTime), f"{table.name}.{column.name}"


def test_stored_day_is_the_day_not_the_time(
    client: FlaskClient, network: object, app: Flask
) -> None:
    from sqlalchemy import select

    from reporter.db import new_session
    from reporter.reports.models import Report

    submit(client)
    session = new_session(app)
    try:
        report = session.scalars(select(Report)).one()
        assert type(report.received_on) is dt.date
    finally:
        session.close()
