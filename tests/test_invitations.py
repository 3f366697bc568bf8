"""Invitations and access resets: a superseded link is void, pending ones can be revoked, all expire."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reporter.accounts.models import MODERATOR, ORG_ADMIN, Invitation, StaffMember
from reporter.audit.models import AuditEntry
from reporter.orgs.models import OrgKeySlot
from tests.conftest import Network
from tests.staff import accept_and_enrol, form_token, login, make_member

LINK = re.compile(r"http://localhost(/staff/invitation/[\w-]+)")


def _admin(app: Flask, network: Network) -> FlaskClient:
    make_member(app, network.brazil, network.key(network.brazil), "admin", ORG_ADMIN)
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    return client


def _reset(admin: FlaskClient, member_id: uuid.UUID) -> str:
    page = admin.post(
        "/staff/admin/people/reset",
        data={
            "csrf_token": form_token(admin, "/staff/admin/people"),
            "member_id": str(member_id),
            "confirm": "yes",
        },
    ).get_data(as_text=True)
    match = LINK.search(page)
    assert match, "no invitation link on the page"
    return match.group(1)


def _invite(admin: FlaskClient, username: str = "newcomer") -> str:
    """Invite through the people page; return the page the admin sees."""
    return admin.post(
        "/staff/admin/people/invite",
        data={
            "csrf_token": form_token(admin, "/staff/admin/people"),
            "username": username,
            "role": MODERATOR,
        },
    ).get_data(as_text=True)


def _invitation_slots(db: Session) -> int:
    """How many invitations carry key slots (each carries its organisation and advocacy keys)."""
    db.expire_all()
    return (
        db.scalar(
            select(func.count(func.distinct(OrgKeySlot.invitation_id))).where(
                OrgKeySlot.invitation_id.is_not(None)
            )
        )
        or 0
    )


def test_a_superseded_reset_link_is_refused(app: Flask, network: Network, db: Session) -> None:
    admin = _admin(app, network)
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    mod_id = db.scalar(select(StaffMember.id).where(StaffMember.username == "mod"))
    assert mod_id is not None
    first = _reset(admin, mod_id)
    second = _reset(admin, mod_id)
    # Only the newest link carries the organisation's keys now.
    assert _invitation_slots(db) == 1
    attacker = app.test_client()
    refused = attacker.get(first)
    assert refused.status_code == 404
    posted = attacker.post(
        first,
        data={
            "csrf_token": form_token(attacker, "/staff/login"),
            "passphrase": "an attacker's chosen passphrase",
            "repeat": "an attacker's chosen passphrase",
        },
    )
    assert posted.status_code == 404
    # The newest link still works.
    accept_and_enrol(app.test_client(), second, "the member's own new passphrase")
    db.expire_all()
    assert db.scalars(select(StaffMember).where(StaffMember.username == "mod")).one().active


def test_a_new_invitation_for_the_same_name_voids_the_earlier_one(
    app: Flask, network: Network, db: Session
) -> None:
    admin = _admin(app, network)
    links = []
    for _ in range(2):
        page = _invite(admin)
        match = LINK.search(page)
        assert match
        links.append(match.group(1))
    assert app.test_client().get(links[0]).status_code == 404
    assert app.test_client().get(links[1]).status_code == 200
    assert db.scalar(select(func.count()).select_from(Invitation)) == 1


def test_an_admin_revokes_a_pending_invitation(app: Flask, network: Network, db: Session) -> None:
    admin = _admin(app, network)
    page = _invite(admin)
    match = LINK.search(page)
    assert match
    invitation_id = db.scalars(select(Invitation.id)).one()
    assert "Cancel invitation" in admin.get("/staff/admin/people").get_data(as_text=True)

    # A moderator cannot revoke, and an admin of another organisation cannot see it.
    make_member(app, network.brazil, network.key(network.brazil), "mod", MODERATOR)
    moderator = app.test_client()
    login(moderator, "mod")
    make_member(app, network.colombia, network.key(network.colombia), "admin-co", ORG_ADMIN)
    other_admin = app.test_client()
    login(other_admin, "admin-co")
    for client, expected in ((moderator, 403), (other_admin, 404)):
        response = client.post(
            "/staff/admin/people/revoke",
            data={
                "csrf_token": form_token(client, "/staff/"),
                "invitation_id": str(invitation_id),
            },
        )
        assert response.status_code == expected
    assert app.test_client().get(match.group(1)).status_code == 200

    revoked = admin.post(
        "/staff/admin/people/revoke",
        data={
            "csrf_token": form_token(admin, "/staff/admin/people"),
            "invitation_id": str(invitation_id),
        },
    )
    assert revoked.status_code == 200
    assert "newcomer was cancelled" in revoked.get_data(as_text=True)
    assert app.test_client().get(match.group(1)).status_code == 404
    assert _invitation_slots(db) == 0
    assert db.scalar(select(AuditEntry.id).where(AuditEntry.action == "invitation_revoked"))
    # Without a token, nothing is revoked.
    assert (
        admin.post(
            "/staff/admin/people/revoke", data={"invitation_id": str(invitation_id)}
        ).status_code
        == 400
    )


def test_invitations_expire_after_72_hours_by_default(
    app: Flask, network: Network, db: Session
) -> None:
    admin = _admin(app, network)
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    page = _invite(admin)
    assert "72 hours" in page
    invitation = db.scalars(select(Invitation)).one()
    lifetime = invitation.expires_at - before
    assert dt.timedelta(hours=71, minutes=59) < lifetime <= dt.timedelta(hours=72, minutes=1)
    match = LINK.search(page)
    assert match
    invitation.expires_at = before - dt.timedelta(seconds=1)
    db.commit()
    assert app.test_client().get(match.group(1)).status_code == 404


def test_invitation_lifetime_is_configurable(app_factory, network: Network, db: Session) -> None:  # type: ignore[no-untyped-def]
    app: Flask = app_factory(invitation_hours=6)
    admin = _admin(app, network)
    page = _invite(admin)
    assert "for 6 hours" in page
    invitation = db.scalars(select(Invitation)).one()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert invitation.expires_at - now <= dt.timedelta(hours=6)


def test_an_invited_advocate_gets_the_advocacy_key_and_no_report_key(
    app: Flask, network: Network, db: Session
) -> None:
    from reporter.accounts.service import authenticate
    from tests.staff import ADVOCACY_KEYS, FAST, PASSPHRASE, code

    admin = _admin(app, network)
    page = admin.post(
        "/staff/admin/people/invite",
        data={
            "csrf_token": form_token(admin, "/staff/admin/people"),
            "username": "advocate",
            "role": "advocate",
        },
    ).get_data(as_text=True)
    match = LINK.search(page)
    assert match, "no invitation link on the page"
    secret = accept_and_enrol(app.test_client(), match.group(1))
    db.expire_all()
    member = db.scalars(select(StaffMember).where(StaffMember.username == "advocate")).one()
    member.totp_last_step = 0  # enrolment used this step's code; the test logs in at once
    db.commit()
    unlocked = authenticate(db, "advocate", PASSPHRASE, code(secret=secret), FAST)
    assert unlocked.org_keys == {}
    assert unlocked.advocacy_keys == {1: ADVOCACY_KEYS[network.brazil.id]}


def test_an_admin_without_the_current_advocacy_key_logs_in_again_to_invite(
    app: Flask, network: Network, db: Session
) -> None:
    from reporter.orgs.models import Organisation

    admin = _admin(app, network)
    token = form_token(admin, "/staff/admin/people")
    # As if the advocacy key had been replaced since this session began.
    organisation = db.get(Organisation, network.brazil.id)
    assert organisation is not None
    organisation.advocacy_key_version = 2
    db.commit()
    response = admin.post(
        "/staff/admin/people/invite",
        data={"csrf_token": token, "username": "newcomer", "role": MODERATOR},
    )
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert db.scalars(select(Invitation)).all() == []
