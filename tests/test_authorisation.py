"""Who gets what: every staff route x every role x own organisation / other organisation / logged out.

Reports: BR-only goes to Rede Brasil; CO-shared goes to Red Colombia and the regional network.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.reports.models import Report
from tests.conftest import Network, submit
from tests.media import png_with_text
from tests.staff import code, form_token, login, make_member

ROLES = ("network_admin", "org_admin", "moderator", "advocate")


@dataclass
class World:
    app: Flask
    brazil_report: uuid.UUID
    shared_report: uuid.UUID
    clients: dict[tuple[str, str], FlaskClient]


@pytest.fixture
def world(app: Flask, network: Network, db: Session) -> World:
    # With a file: "file of another organisation" must be refused for being theirs, not missing.
    submit(
        app.test_client(),
        narrative="BR only",
        share_with_network=None,
        files=[(BytesIO(png_with_text()), "photo.png")],
    )
    submit(
        app.test_client(),
        narrative="CO shared",
        country="CO",
        region="CO-ANT",
        share_with_network="y",
    )
    reports = {
        r.cases[0].organisation_id if len(r.cases) == 1 else "shared": r.id
        for r in db.scalars(select(Report))
    }
    clients: dict[tuple[str, str], FlaskClient] = {}
    step = 0
    for org_name, organisation in (("brazil", network.brazil), ("network", network.network)):
        for role in ROLES:
            if role == "network_admin" and org_name != "network":
                continue
            username = f"{org_name}-{role}"
            make_member(app, organisation, network.key(organisation), username, role)
            client = app.test_client()
            assert login(client, username, totp=code(step % 2)).status_code == 302
            step += 1
            clients[(org_name, role)] = client
    clients[("nobody", "logged_out")] = app.test_client()
    return World(app, reports[network.brazil.id], reports["shared"], clients)


def _get(path: str) -> Callable[[FlaskClient], int]:
    return lambda client: client.get(path).status_code


def _post(
    path: str, data: dict[str, str], token_from: str = "/staff/"
) -> Callable[[FlaskClient], int]:
    def call(client: FlaskClient) -> int:
        # A logged-out browser still holds a valid CSRF token (from the login page): the matrix
        # checks who may act, past the token check.
        logged_in = client.get(token_from).status_code == 200
        token = form_token(client, token_from if logged_in else "/staff/login")
        return client.post(path, data={**data, "csrf_token": token}).status_code

    return call


OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404


def _expectations(
    world: World,
) -> list[tuple[str, Callable[[FlaskClient], int], dict[tuple[str, str], int]]]:
    br, shared = world.brazil_report, world.shared_report
    readers_br = {("brazil", "org_admin"), ("brazil", "moderator")}
    readers_network = {
        ("network", "network_admin"),
        ("network", "org_admin"),
        ("network", "moderator"),
    }
    admins = {("brazil", "org_admin"), ("network", "network_admin"), ("network", "org_admin")}
    everyone = [key for key in world.clients if key != ("nobody", "logged_out")]

    def table(
        allowed: set[tuple[str, str]], denied_readers: int, ok: int = OK
    ) -> dict[tuple[str, str], int]:
        result = {("nobody", "logged_out"): REDIRECT}
        for key in everyone:
            if key in allowed:
                result[key] = ok
            elif key[1] == "advocate" or (key not in readers_br | readers_network):
                result[key] = FORBIDDEN
            else:
                result[key] = denied_readers
        return result

    readers = readers_br | readers_network
    return [
        (
            "home",
            _get("/staff/"),
            {**dict.fromkeys(everyone, OK), ("nobody", "logged_out"): REDIRECT},
        ),
        ("queue", _get("/staff/queue"), table(readers, FORBIDDEN)),
        ("case BR-only", _get(f"/staff/cases/{br}"), table(readers_br, NOT_FOUND)),
        ("case shared", _get(f"/staff/cases/{shared}"), table(readers_network, NOT_FOUND)),
        ("file of BR-only", _get(f"/staff/cases/{br}/files/1"), table(readers_br, NOT_FOUND)),
        ("no such file", _get(f"/staff/cases/{br}/files/2"), table(set(), NOT_FOUND)),
        (
            "workflow BR-only",
            _post(
                f"/staff/cases/{br}/workflow",
                {"status": "in_review", "priority": "high", "assignee": ""},
            ),
            table(readers_br, NOT_FOUND, ok=REDIRECT),
        ),
        (
            "note on shared",
            _post(f"/staff/cases/{shared}/notes", {"text": "note"}),
            table(readers_network, NOT_FOUND, ok=REDIRECT),
        ),
        (
            "message on BR-only",
            _post(f"/staff/cases/{br}/messages", {"text": "hello"}),
            table(readers_br, NOT_FOUND, ok=REDIRECT),
        ),
        ("coding form BR-only", _get(f"/staff/cases/{br}/acts/new"), table(readers_br, NOT_FOUND)),
        (
            "add act on shared",
            _post(
                f"/staff/cases/{shared}/acts/new",
                {
                    "violation_type": "eviction",
                    "date_precision": "year",
                    "country": "CO",
                    "violation_status": "plausible",
                },
            ),
            table(readers_network, NOT_FOUND, ok=REDIRECT),
        ),
        (
            "referral on BR-only",
            _post(
                f"/staff/cases/{br}/referrals",
                {"intervention_type": "legal_aid", "status": "planned"},
            ),
            table(readers_br, NOT_FOUND, ok=REDIRECT),
        ),
        (
            "story on shared",
            _post(f"/staff/cases/{shared}/story", {"text": "story"}),
            table(readers_network, NOT_FOUND, ok=REDIRECT),
        ),
        (
            "delete BR-only (confirmation page)",
            _get(f"/staff/cases/{br}/delete"),
            table({("brazil", "org_admin")}, NOT_FOUND)
            | {("brazil", "moderator"): FORBIDDEN, ("network", "moderator"): FORBIDDEN},
        ),
        ("people", _get("/staff/admin/people"), table(admins, FORBIDDEN)),
        ("retention", _get("/staff/admin/retention"), table(admins, FORBIDDEN)),
        ("operations", _get("/staff/admin/operations"), table(admins, FORBIDDEN)),
        (
            "invite",
            _post(
                "/staff/admin/people/invite",
                {"username": "x" + uuid.uuid4().hex[:6], "role": "advocate"},
            ),
            table(admins, FORBIDDEN),
        ),
        ("audit", _get("/staff/admin/audit"), table(admins, FORBIDDEN)),
    ]


def test_authorisation_matrix(world: World) -> None:
    mismatches = []
    for name, call, expected in _expectations(world):
        for key, client in world.clients.items():
            got = call(client)
            if got != expected[key]:
                mismatches.append(f"{name}: {key} got {got}, expected {expected[key]}")
    assert not mismatches, "\n".join(mismatches)


def test_admins_act_only_on_their_own_organisation(
    world: World, network: Network, db: Session
) -> None:
    from reporter.accounts.models import StaffMember

    network_mod = db.scalar(
        select(StaffMember.id).where(StaffMember.username == "network-moderator")
    )
    brazil_admin = world.clients[("brazil", "org_admin")]
    response = brazil_admin.post(
        "/staff/admin/people/disable",
        data={
            "csrf_token": form_token(brazil_admin, "/staff/admin/people"),
            "member_id": str(network_mod),
            "confirm": "yes",
        },
    )
    assert response.status_code == 404
    db.expire_all()
    assert db.scalars(select(StaffMember).where(StaffMember.id == network_mod)).one().active


def test_staff_cookie_is_scoped_strict_and_http_only(app: Flask, network: Network) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "mod", "moderator")
    response = login(app.test_client(), "mod")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("staff_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
    assert "Expires" not in cookie
