"""Invite → passphrase → TOTP → login; reused and wrong codes; throttling; sessions and their keys."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reporter.accounts.models import MODERATOR, StaffMember, StaffSession
from reporter.accounts.service import create_invitation
from reporter.db import new_session
from reporter.reports.models import Report
from tests.conftest import Network, submit
from tests.staff import (
    PASSPHRASE,
    accept_and_enrol,
    advocacy_keys_of,
    code,
    form_token,
    login,
    make_member,
)

SECRET_ON_PAGE = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')


def _invite(
    app: Flask, network: Network, username: str = "newcomer", now: dt.datetime | None = None
) -> str:
    session = new_session(app)
    try:
        org = session.get(type(network.brazil), network.brazil.id)
        assert org is not None
        created = create_invitation(
            session,
            org,
            username=username,
            role=MODERATOR,
            organisation_keys={1: network.key(network.brazil)},
            advocacy_keys=advocacy_keys_of(org),
            now=now,
        )
        session.commit()
        return created.token
    finally:
        session.close()


def _sessions(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(StaffSession)) or 0


def _secret(page: str) -> str:
    match = SECRET_ON_PAGE.search(page)
    assert match, "no TOTP key on the enrolment page"
    return match.group(1).replace(" ", "")


def test_invitation_passphrase_totp_then_login_and_read_an_older_report(
    app: Flask, network: Network
) -> None:
    submit(app.test_client(), narrative="Submitted before the newcomer joined")
    token = _invite(app, network)
    client = app.test_client()
    url = f"/staff/invitation/{token}"

    weak = client.post(
        url,
        data={
            "csrf_token": form_token(client, url),
            "passphrase": "password1234",
            "repeat": "password1234",
        },
    )
    assert weak.status_code == 200 and "too easy to guess" in weak.get_data(as_text=True)
    short = client.post(
        url, data={"csrf_token": form_token(client, url), "passphrase": "short", "repeat": "short"}
    )
    assert "at least 12 characters" in short.get_data(as_text=True)

    accepted = client.post(
        url,
        data={
            "csrf_token": form_token(client, url),
            "passphrase": PASSPHRASE,
            "repeat": PASSPHRASE,
        },
    )
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/staff/enrol")
    assert (
        client.get("/staff/queue").headers["Location"].endswith("/staff/enrol")
    )  # nothing before TOTP

    enrol_page = client.get("/staff/enrol").get_data(as_text=True)
    assert "<svg" in enrol_page
    secret = _secret(enrol_page)
    wrong = client.post(
        "/staff/enrol", data={"csrf_token": form_token(client, "/staff/enrol"), "code": "000000"}
    )
    assert wrong.status_code == 400
    done = client.post(
        "/staff/enrol",
        data={"csrf_token": form_token(client, "/staff/enrol"), "code": code(secret=secret)},
    )
    assert done.status_code == 302

    queue = client.get("/staff/queue").get_data(as_text=True)
    match = re.search(r'href="/staff/cases/([0-9a-f-]+)"', queue)
    assert match
    assert "Submitted before the newcomer joined" in client.get(
        f"/staff/cases/{match.group(1)}"
    ).get_data(as_text=True)
    # The invitation is single use.
    assert app.test_client().get(url).status_code == 404


def test_expired_invitation_is_refused(app: Flask, network: Network) -> None:
    token = _invite(app, network, "late", now=dt.datetime(2020, 1, 1))
    assert app.test_client().get(f"/staff/invitation/{token}").status_code == 404
    assert app.test_client().get("/staff/invitation/not-a-token").status_code == 404


def test_login_needs_the_right_passphrase_and_a_fresh_code(app: Flask, network: Network) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    client = app.test_client()
    assert login(client, "mod", passphrase="wrong passphrase here").status_code == 401
    assert login(client, "mod", totp="123456").status_code == 401
    assert login(client, "nobody").status_code == 401
    first = code()
    assert login(client, "mod", totp=first).status_code == 302
    # The same code again (read over a shoulder, say) is refused, and so is an older one.
    assert login(app.test_client(), "mod", totp=first).status_code == 401
    assert login(app.test_client(), "mod", totp=code(-1)).status_code == 401
    assert login(app.test_client(), "mod", totp=code(1)).status_code == 302


def test_failed_logins_back_off_that_name_from_that_client_only(
    app: Flask, network: Network
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    make_member(app, network.brazil, network.key(network.brazil), "mod2", MODERATOR)
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "198.51.100.66"
    for _ in range(5):
        assert login(stranger, "mod", passphrase="wrong wrong wrong wrong").status_code == 401
    # From the stranger's client the name is not even tried now: the same answer as a wrong
    # passphrase or an unknown name, so nothing says the account exists or is held back.
    held_back = login(stranger, "mod")
    wrong = login(stranger, "mod2", passphrase="wrong wrong wrong wrong")
    unknown = login(stranger, "nobody-at-all")
    assert held_back.status_code == wrong.status_code == unknown.status_code == 401
    messages = {
        re.sub(r'name="csrf_token"[^>]*>|value="[^"]*"', "", r.get_data(as_text=True))
        for r in (held_back, wrong, unknown)
    }
    assert len(messages) == 1
    # The owner, from their own client, still logs in: no stranger can lock them out.
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "203.0.113.20"
    assert login(owner, "mod").status_code == 302


def test_login_attempts_are_rate_limited(app_factory, network: Network) -> None:  # type: ignore[no-untyped-def]
    app: Flask = app_factory(login_rate_limit="3 per minute")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.30"
    assert [login(client, f"user{n}").status_code for n in range(4)] == [401, 401, 401, 429]


def test_logout_is_a_post_and_destroys_the_session_keys(
    app: Flask, network: Network, db: Session
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    client = app.test_client()
    login(client, "mod")
    assert _sessions(db) == 1
    assert client.get("/staff/logout").status_code == 405
    assert (
        client.post("/staff/logout", data={"csrf_token": form_token(client, "/staff/")}).status_code
        == 302
    )
    assert _sessions(db) == 0
    assert client.get("/staff/queue").headers["Location"].startswith("/staff/login")


def test_idle_and_absolute_expiry_destroy_the_session(
    app: Flask, network: Network, db: Session
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    client = app.test_client()
    login(client, "mod")
    record = db.scalars(select(StaffSession)).one()
    record.last_seen_at -= dt.timedelta(minutes=31)
    db.commit()
    assert client.get("/staff/queue").headers["Location"].startswith("/staff/login")
    assert _sessions(db) == 0

    client = app.test_client()
    login(client, "mod", totp=code(1))
    record = db.scalars(select(StaffSession)).one()
    record.created_at -= dt.timedelta(hours=13)
    db.commit()
    assert client.get("/staff/queue").status_code == 302
    assert _sessions(db) == 0


def test_session_row_holds_no_usable_key_without_the_cookie(
    app: Flask, network: Network, db: Session
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    client = app.test_client()
    login(client, "mod")
    record = db.scalars(select(StaffSession)).one()
    assert network.key(network.brazil) not in record.keys_encrypted
    cookie = client.get_cookie("staff_session", path="/staff")
    assert cookie is not None
    session_id, _, secret = cookie.value.partition(".")
    assert session_id.encode() not in record.id_hash
    forged = app.test_client()
    forged.set_cookie("staff_session", f"{session_id}.{'A' * len(secret)}", path="/staff")
    assert forged.get("/staff/queue").status_code == 302


def test_disabled_account_is_logged_out_and_cannot_log_in(
    app: Flask, network: Network, db: Session
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "admin", "org_admin")
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    mod_client, admin_client = app.test_client(), app.test_client()
    login(mod_client, "mod")
    login(admin_client, "admin")
    mod_id = db.scalar(select(StaffMember.id).where(StaffMember.username == "mod"))
    fields = {
        "csrf_token": form_token(admin_client, "/staff/admin/people"),
        "member_id": str(mod_id),
    }
    # The first press only asks: nothing happens until the admin confirms.
    asked = admin_client.post("/staff/admin/people/disable", data=fields)
    assert "Disable the account of mod?" in asked.get_data(as_text=True)
    assert mod_client.get("/staff/queue").status_code == 200
    response = admin_client.post("/staff/admin/people/disable", data={**fields, "confirm": "yes"})
    assert response.status_code == 200
    assert mod_client.get("/staff/queue").status_code == 302
    assert login(app.test_client(), "mod", totp=code(1)).status_code == 401


def test_reset_access_replaces_the_old_passphrase(
    app: Flask, network: Network, db: Session
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "admin", "org_admin")
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    submit(app.test_client())
    admin = app.test_client()
    login(admin, "admin")
    mod_id = db.scalar(select(StaffMember.id).where(StaffMember.username == "mod"))
    page = admin.post(
        "/staff/admin/people/reset",
        data={
            "csrf_token": form_token(admin, "/staff/admin/people"),
            "member_id": str(mod_id),
            "confirm": "yes",
        },
    ).get_data(as_text=True)
    match = re.search(r"http://localhost(/staff/invitation/[\w-]+)", page)
    assert match
    link = match.group(1)
    assert login(app.test_client(), "mod", totp=code(1)).status_code == 401

    client = app.test_client()
    accept_and_enrol(client, link, "a completely different passphrase now")
    report = db.scalars(select(Report)).one()
    assert client.get(f"/staff/cases/{report.id}").status_code == 200


def test_nothing_about_login_secrets_is_logged(
    app: Flask, network: Network, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    used_code = code()
    login(app.test_client(), "mod", totp=used_code)
    login(app.test_client(), "mod", passphrase="a wrong passphrase xyz", totp="654321")
    for secret in (PASSPHRASE, "a wrong passphrase xyz", used_code, "654321"):
        assert secret not in caplog.text


def test_logout_with_a_stale_token_still_ends_the_server_session(
    app: Flask, network: Network, db: Session
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    client = app.test_client()
    login(client, "mod")
    cookie = client.get_cookie("staff_session", path="/staff")
    assert cookie is not None and _sessions(db) == 1
    response = client.post("/staff/logout", data={"csrf_token": "expired-or-missing"})
    assert response.status_code == 302
    assert _sessions(db) == 0
    # A copy of the old cookie opens nothing any more.
    copied = app.test_client()
    copied.set_cookie("staff_session", cookie.value, path="/staff")
    assert copied.get("/staff/queue").headers["Location"].startswith("/staff/login")


def test_the_staff_session_expires_before_the_csrf_token(app_factory) -> None:  # type: ignore[no-untyped-def]
    from reporter.settings import Settings, SettingsError, load_settings

    defaults = Settings()
    assert defaults.staff_idle_minutes * 60 < defaults.csrf_time_limit_seconds
    with pytest.raises(SettingsError):
        load_settings(environ={}, staff_idle_minutes=60, csrf_time_limit_seconds=3600)


def test_failed_logins_never_record_the_typed_name(
    app: Flask, network: Network, db: Session
) -> None:
    from reporter.audit.models import AuditEntry

    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    typed_in_the_wrong_field = "my secret passphrase typed as a name"
    login(app.test_client(), typed_in_the_wrong_field)
    login(app.test_client(), "mod", passphrase="not the right one at all")
    entries = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "login_failed").order_by(AuditEntry.id)
    ).all()
    assert [entry.actor_name for entry in entries] == ["unknown account", "mod"]
    assert entries[1].actor_id is not None
    assert all(typed_in_the_wrong_field not in entry.details for entry in entries)
