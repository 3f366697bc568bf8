"""Helpers for staff tests: members with known passphrase and TOTP, logging in through the form."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import Counter

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from reporter import crypto
from reporter.accounts.models import StaffMember
from reporter.accounts.service import create_staff_member
from reporter.db import new_session
from reporter.orgs.keyring import Keyring
from reporter.orgs.models import Organisation

FAST = crypto.Cost(1, 1024)

# The advocacy key of every organisation a test made (the `network` fixture registers them): what
# an admin who grants access holds in their session.
ADVOCACY_KEYS: dict[uuid.UUID, bytes] = {}


def advocacy_keys_of(organisation: Organisation) -> dict[int, bytes]:
    return {organisation.advocacy_key_version: ADVOCACY_KEYS[organisation.id]}


def statistics(db: Session) -> Counter[tuple[str, ...]]:
    """Every cell of every organisation's statistics, opened as an advocate would open them."""
    from reporter.statistics.models import StatContribution
    from reporter.statistics.service import open_contribution

    total: Counter[tuple[str, ...]] = Counter()
    for row in db.scalars(select(StatContribution)):
        total.update(open_contribution(row, {row.key_version: ADVOCACY_KEYS[row.organisation_id]}))
    return +total


def keyring_of(organisation: Organisation, private_key: bytes) -> Keyring:
    """The keys a logged-in moderator of the organisation holds."""
    return Keyring(
        organisation, {organisation.key_version: private_key}, advocacy_keys_of(organisation)
    )


PASSPHRASE = "correct horse battery staple orbit"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def make_member(
    app: Flask, organisation: Organisation, private_key: bytes, username: str, role: str
) -> StaffMember:
    session = new_session(app)
    try:
        org = session.get(Organisation, organisation.id)
        assert org is not None
        created = create_staff_member(
            session,
            org,
            username=username,
            role=role,
            password=PASSPHRASE,
            organisation_private_key=private_key,
            advocacy_key=ADVOCACY_KEYS[org.id],
            cost=FAST,
            totp_secret=TOTP_SECRET,
        )
        session.commit()
        return created.member
    finally:
        session.close()


def code(offset_steps: int = 0, secret: str = TOTP_SECRET) -> str:
    now = dt.datetime.now(dt.UTC).timestamp() + 30 * offset_steps
    return pyotp.TOTP(secret).at(now)


def form_token(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(
    client: FlaskClient, username: str, passphrase: str = PASSPHRASE, totp: str | None = None
) -> TestResponse:
    return client.post(
        "/staff/login",
        data={
            "csrf_token": form_token(client, "/staff/login"),
            "username": username,
            "passphrase": passphrase,
            "code": code() if totp is None else totp,
        },
    )


def accept_and_enrol(client: FlaskClient, link: str, passphrase: str = PASSPHRASE) -> str:
    """Follow an invitation link: choose the passphrase, then enrol TOTP with the key shown.
    Returns that TOTP key."""
    client.post(
        link,
        data={
            "csrf_token": form_token(client, link),
            "passphrase": passphrase,
            "repeat": passphrase,
        },
    )
    page = client.get("/staff/enrol").get_data(as_text=True)
    match = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page)
    assert match, "no TOTP key on the enrolment page"
    secret = match.group(1).replace(" ", "")
    response = client.post(
        "/staff/enrol",
        data={"csrf_token": form_token(client, "/staff/enrol"), "code": code(secret=secret)},
    )
    assert response.status_code == 302
    return secret
