"""Who may grant, disable and reset which role; where a login may send the browser; and the
daily purge of expired staff sessions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reporter.accounts.models import (
    ADVOCATE,
    MODERATOR,
    NETWORK_ADMIN,
    ORG_ADMIN,
    StaffMember,
    StaffSession,
)
from tests.conftest import Network
from tests.staff import code, form_token, login, make_member


def _id(db: Session, username: str) -> str:
    db.expire_all()
    return str(db.scalar(select(StaffMember.id).where(StaffMember.username == username)))


def _offered_roles(page: str) -> set[str]:
    select_block = page[page.index('name="role"') :]
    select_block = select_block[: select_block.index("</select>")]
    return set(re.findall(r'<option[^>]*value="([a-z_]+)"', select_block))


def test_only_a_network_admin_may_grant_or_manage_the_network_admin_role(
    app: Flask, network: Network, db: Session
) -> None:
    key = network.key(network.network)
    make_member(app, network.network, key, "netadmin", NETWORK_ADMIN)
    make_member(app, network.network, key, "orgadmin", ORG_ADMIN)
    make_member(app, network.network, key, "othernet", NETWORK_ADMIN)
    lower, higher = app.test_client(), app.test_client()
    assert login(lower, "orgadmin").status_code == 302
    assert login(higher, "netadmin", totp=code(1)).status_code == 302

    offered = _offered_roles(lower.get("/staff/admin/people").get_data(as_text=True))
    assert offered == {ADVOCATE, MODERATOR, ORG_ADMIN}
    assert NETWORK_ADMIN in _offered_roles(higher.get("/staff/admin/people").get_data(as_text=True))
    # A forged form cannot grant it either.
    forged = lower.post(
        "/staff/admin/people/invite",
        data={
            "csrf_token": form_token(lower, "/staff/admin/people"),
            "username": "sneaky",
            "role": NETWORK_ADMIN,
        },
    )
    assert forged.status_code == 400
    # Disable and reset: the lower admin may not touch a network admin; a network admin may.
    for action in ("disable", "reset"):
        refused = lower.post(
            f"/staff/admin/people/{action}",
            data={
                "csrf_token": form_token(lower, "/staff/admin/people"),
                "member_id": _id(db, "othernet"),
                "confirm": "yes",
            },
        )
        assert refused.status_code == 403, action
    db.expire_all()
    assert db.scalar(select(StaffMember.active).where(StaffMember.username == "othernet"))
    allowed = higher.post(
        "/staff/admin/people/disable",
        data={
            "csrf_token": form_token(higher, "/staff/admin/people"),
            "member_id": _id(db, "othernet"),
            "confirm": "yes",
        },
    )
    assert allowed.status_code == 200
    db.expire_all()
    assert not db.scalar(select(StaffMember.active).where(StaffMember.username == "othernet"))


def test_an_org_admin_manages_its_peers_and_below(
    app: Flask, network: Network, db: Session
) -> None:
    key = network.key(network.brazil)
    make_member(app, network.brazil, key, "admin", ORG_ADMIN)
    make_member(app, network.brazil, key, "peer", ORG_ADMIN)
    admin = app.test_client()
    login(admin, "admin")
    done = admin.post(
        "/staff/admin/people/disable",
        data={
            "csrf_token": form_token(admin, "/staff/admin/people"),
            "member_id": _id(db, "peer"),
            "confirm": "yes",
        },
    )
    assert done.status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "http://evil.example/staff/",
        "javascript:alert(1)",
        "/staff/..//evil.example",
        "/en/",
    ],
)
def test_login_never_sends_the_browser_off_the_staff_area(
    app: Flask, network: Network, target: str
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    client = app.test_client()
    response = client.post(
        "/staff/login",
        query_string={"next": target},
        data={
            "csrf_token": form_token(client, "/staff/login"),
            "username": "mod",
            "passphrase": "correct horse battery staple orbit",
            "code": code(),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"


def test_login_keeps_a_next_page_inside_the_staff_area(app: Flask, network: Network) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    client = app.test_client()
    response = client.post(
        "/staff/login",
        query_string={"next": "/staff/queue?status=new"},
        data={
            "csrf_token": form_token(client, "/staff/login"),
            "username": "mod",
            "passphrase": "correct horse battery staple orbit",
            "code": code(),
        },
    )
    assert response.headers["Location"] == "/staff/queue?status=new"


def test_purge_removes_expired_staff_sessions_and_keeps_live_ones(
    app: Flask, network: Network, db: Session
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    make_member(app, network.brazil, network.key(network.brazil), "other", MODERATOR)
    assert login(app.test_client(), "mod").status_code == 302
    assert login(app.test_client(), "other", totp=code(1)).status_code == 302
    db.expire_all()
    idle = dt.timedelta(minutes=app.extensions["reporter.settings"].staff_idle_minutes)
    old = db.scalars(
        select(StaffSession).join(StaffMember).where(StaffMember.username == "mod")
    ).one()
    old.last_seen_at = old.last_seen_at - idle - dt.timedelta(minutes=1)
    db.commit()
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "expired staff sessions removed: 1" in result.output
    db.expire_all()
    left = db.scalars(select(StaffMember.username).join(StaffSession)).all()
    assert left == ["other"]
    assert db.scalar(select(func.count()).select_from(StaffSession)) == 1


def _cookie(response: object, name: str) -> str:
    headers = response.headers.getlist("Set-Cookie")  # type: ignore[attr-defined]
    [found] = [header for header in headers if header.startswith(f"{name}=")]
    return str(found)


@pytest.mark.parametrize("secure", [False, True])
def test_staff_cookies_stay_in_the_staff_area_and_go_at_logout(
    app: Flask, network: Network, secure: bool
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    client = app.test_client()
    base = "https://reporter.example" if secure else "http://localhost"
    login_page = client.get("/staff/login", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)
    assert token is not None
    response = client.post(
        "/staff/login",
        base_url=base,
        data={
            "csrf_token": token.group(1),
            "username": "mod",
            "passphrase": "correct horse battery staple orbit",
            "code": code(1 if secure else 0),
        },
    )
    assert response.status_code == 302
    for name in ("staff_session", "staff_device"):
        cookie = _cookie(response, name)
        assert "Path=/staff" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert ("Secure" in cookie) is secure, (name, cookie)
    device = _cookie(response, "staff_device")
    # The device cookie lasts; the session cookie ends with the browser.
    assert "Max-Age=15552000" in device and "Max-Age" not in _cookie(response, "staff_session")
    # Two logins get two different device names, each tied to the username.
    value = device.split(";")[0].split("=", 1)[1]
    device_id, tag = value.split(".")
    assert len(device_id) >= 20 and len(bytes.fromhex(tag)) == 32
    ended = client.post("/staff/logout", base_url=base)
    gone = _cookie(ended, "staff_session")
    assert gone.startswith("staff_session=;") and "Path=/staff" in gone
    assert "Expires=Thu, 01 Jan 1970" in gone and "HttpOnly" in gone and "SameSite=Strict" in gone
    assert ("Secure" in gone) is secure
    assert client.get("/staff/queue", base_url=base).status_code == 302


def test_a_known_device_is_known_for_its_own_username_only(app: Flask) -> None:
    from reporter.staff import auth

    with app.test_request_context("/staff/login"):
        cookie = auth.new_device_cookie("mod")
        other = auth.new_device_cookie("mod")
    assert cookie != other
    with app.test_request_context("/staff/login", headers={"Cookie": f"staff_device={cookie}"}):
        mine = auth.device_client("mod")
        assert mine is not None
        assert auth.device_client("admin") is None
    with app.test_request_context("/staff/login", headers={"Cookie": f"staff_device={other}"}):
        assert auth.device_client("mod") not in (None, mine)
    forged = cookie.split(".")[0] + "." + "00" * 32
    with app.test_request_context("/staff/login", headers={"Cookie": f"staff_device={forged}"}):
        assert auth.device_client("mod") is None
