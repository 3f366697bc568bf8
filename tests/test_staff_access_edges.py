"""Staff access at its edges: a guard applied to any view, helpers reached without a login, a
session that lacks a key, the audit naming who acted, a language the site stopped offering, and
the device cookie that outlives an upgrade."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden, Unauthorized

from reporter.accounts.models import ADVOCATE, MODERATOR, StaffMember, StaffSession
from reporter.audit.models import AuditEntry
from reporter.orgs.models import Organisation
from reporter.staff import auth
from tests.conftest import Network, submit
from tests.staff import code, form_token, login, make_member


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("staff_session", path="/staff")
    assert cookie is not None
    return cookie.value


def _sessions(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(StaffSession)) or 0


def test_a_guard_applied_to_any_view_lets_only_its_roles_through(
    app: Flask, network: Network
) -> None:
    """`login_required(role)` on a view: nobody logged in is sent to log in (and back), another
    role is refused, the named role reaches the view."""
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    make_member(app, network.brazil, network.key(network.brazil), "adv", ADVOCATE)
    moderator, advocate = app.test_client(), app.test_client()
    assert login(moderator, "mod").status_code == 302
    assert login(advocate, "adv", totp=code(1)).status_code == 302

    def page() -> Any:
        return "the guarded page"

    guarded = auth.login_required(MODERATOR)(page)

    with app.test_request_context("/staff/somewhere"):
        auth.load_staff()
        sent = guarded()
        assert sent.status_code == 302
        assert sent.headers["Location"] == "/staff/login?next=/staff/somewhere"
    cookie = f"staff_session={_session_cookie(advocate)}"
    with app.test_request_context("/staff/somewhere", headers={"Cookie": cookie}):
        auth.load_staff()
        with pytest.raises(Forbidden):
            guarded()
    cookie = f"staff_session={_session_cookie(moderator)}"
    with app.test_request_context("/staff/somewhere", headers={"Cookie": cookie}):
        auth.load_staff()
        assert guarded() == "the guarded page"


def test_helpers_that_act_for_staff_refuse_when_nobody_is_logged_in(
    app: Flask, network: Network, db: Session
) -> None:
    """Asking who is logged in, for their keys, or to audit their action, with no login (or a
    cookie that opens nothing), is a 401: nothing is done or recorded in nobody's name."""
    for cookie in ("", "staff_session=forged.cookie"):
        headers = {"Cookie": cookie} if cookie else {}
        with app.test_request_context("/staff/queue", headers=headers):
            auth.load_staff()
            assert g.staff is None
            for helper in (auth.current_staff, auth.keyring, auth.advocacy_keys):
                with pytest.raises(Unauthorized) as refused:
                    helper()
                assert refused.value.code == 401
            with pytest.raises(Unauthorized):
                auth.record("queue_viewed")
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_reader_whose_session_holds_no_organisation_key_is_refused(
    app: Flask, network: Network, db: Session
) -> None:
    """A member whose role says they read reports but whose session carries no organisation key
    (promoted without being re-invited) is refused the queue: 403, no report shown."""
    submit(app.test_client(), narrative="Nobody without the key may read this")
    make_member(app, network.brazil, network.key(network.brazil), "promoted", ADVOCATE)
    db.execute(update(StaffMember).where(StaffMember.username == "promoted").values(role=MODERATOR))
    db.commit()
    client = app.test_client()
    assert login(client, "promoted").status_code == 302
    refused = client.get("/staff/queue")
    assert refused.status_code == 403
    assert "Nobody without the key" not in refused.get_data(as_text=True)


def test_audit_entries_name_the_staff_member_who_acted(
    app: Flask, network: Network, db: Session
) -> None:
    """Every staff action in the audit log names its actor (account and organisation); an action
    on nothing in particular names no target."""
    member = make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    submit(app.test_client())
    client = app.test_client()
    login(client, "mod")
    client.get("/staff/queue")
    client.post("/staff/logout", data={"csrf_token": form_token(client, "/staff/")})
    entries = {
        entry.action: entry
        for entry in db.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(["queue_viewed", "logout"]))
        )
    }
    assert set(entries) == {"queue_viewed", "logout"}
    for entry in entries.values():
        assert entry.actor_id == member.id
        assert entry.actor_name == "mod"
        assert entry.organisation_id == network.brazil.id
        assert entry.target == ""


def test_a_session_without_the_new_key_is_ended_and_sent_to_log_in_again(
    app: Flask, network: Network, db: Session
) -> None:
    """After the organisation's key changed, an older session is ended (its row and keys gone,
    its cookie cleared) and sent to log in again, then back to the page it asked for."""
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    client = app.test_client()
    login(client, "mod")
    old_cookie = _session_cookie(client)
    assert _sessions(db) == 1
    # As if the key had been replaced since this session began.
    db.execute(
        update(Organisation).where(Organisation.id == network.brazil.id).values(key_version=2)
    )
    db.commit()

    response = client.get("/staff/queue")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/login?next=/staff/queue"
    cleared = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("staff_session=;") and "Path=/staff" in c for c in cleared), cleared
    assert _sessions(db) == 0
    copied = app.test_client()
    copied.set_cookie("staff_session", old_cookie, path="/staff")
    assert copied.get("/staff/").headers["Location"].startswith("/staff/login")


def test_a_language_the_site_no_longer_offers_gives_way_to_the_browsers(
    app_factory: Any,
    network: Network,
    db: Session,
) -> None:
    """A staff member who chose a language the site has since stopped offering reads the staff
    pages in one it offers (the browser's choice), not in the dropped one."""
    app: Flask = app_factory(languages=("en", "pt"))
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    db.execute(update(StaffMember).where(StaffMember.username == "mod").values(language="es"))
    db.commit()
    client = app.test_client()
    login(client, "mod")
    page = client.get("/staff/", headers={"Accept-Language": "pt"}).get_data(as_text=True)
    assert '<html lang="pt"' in page
    assert "Tu cuenta" not in page


# Known answer: a device cookie set by an earlier release, for "mod", under this secret key. The
# owner's browser must keep its own failure budget after an upgrade, or a stranger flooding the
# name from the same address (everyone on the onion service looks alike) keeps the owner out.
DEVICE_SECRET_KEY = "device-cookie-known-answer-secret-key-0123456789"
DEVICE_COOKIE = (
    "Yl0pGfIHrEPQEWtYyHHjh3ZQ7Qbrq1r4mJO0f0dQzI8."
    "348c44947fb8b019736b5c2d3f12c15456defb2b3b779913771e90ea8473c453"
)


def test_a_device_cookie_from_an_earlier_release_still_lets_its_owner_in(
    app_factory: Any,
    network: Network,
) -> None:
    """A browser that logged in as "mod" before an upgrade keeps its own failure budget: a
    stranger's wrong tries over Tor do not keep it out. The same cookie does nothing for another
    name, and a tampered one does nothing at all."""
    app: Flask = app_factory(secret_key=DEVICE_SECRET_KEY)
    key = network.key(network.brazil)
    make_member(app, network.brazil, key, "mod", MODERATOR)
    make_member(app, network.brazil, key, "mod2", MODERATOR)
    stranger = app.test_client()  # from 127.0.0.1, as everyone on the onion service is
    for name in ("mod", "mod2"):
        for _ in range(6):
            assert login(stranger, name, passphrase="not the passphrase").status_code == 401

    device_id, _, tag = DEVICE_COOKIE.partition(".")
    tampered = f"{device_id}.{tag[:-2]}{'00' if tag[-2:] != '00' else '11'}"
    for cookie, name in ((tampered, "mod"), (DEVICE_COOKIE, "mod2")):
        other = app.test_client()
        other.set_cookie("staff_device", cookie, path="/staff")
        assert login(other, name).status_code == 401, (cookie, name)
    owner = app.test_client()
    owner.set_cookie("staff_device", DEVICE_COOKIE, path="/staff")
    assert login(owner, "mod").status_code == 302
