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
