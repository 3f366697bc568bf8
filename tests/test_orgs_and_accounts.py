"""Organisations and their key slots; routing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.accounts.models import ADVOCATE, MODERATOR
from reporter.accounts.service import (
    AccountError,
    authenticate,
    create_invitation,
    create_staff_member,
)
from reporter.orgs.models import ADVOCACY_KEY, ORGANISATION_KEY, OrgKeySlot
from reporter.orgs.service import (
    NetworkExists,
    OrganisationError,
    create_organisation,
    open_slot,
    open_with_recovery_key,
    recipients_for,
)
from tests.conftest import Network
from tests.staff import ADVOCACY_KEYS, TOTP_SECRET, advocacy_keys_of, code

FAST = crypto.Cost(1, 1024)


def test_recovery_key_opens_the_organisation_key(network: Network, db: Session) -> None:
    organisation = network.brazil
    key = open_with_recovery_key(db, organisation, network.recovery_keys[organisation.id])
    assert key == network.key(organisation)
    with pytest.raises(crypto.DecryptionFailed):
        open_with_recovery_key(db, organisation, network.recovery_keys[network.colombia.id])


def test_only_one_network_and_valid_countries(network: Network, db: Session) -> None:
    with pytest.raises(NetworkExists):
        create_organisation(db, name="Second", slug="second", kind="network", countries=["BR"])
    with pytest.raises(OrganisationError):
        create_organisation(db, name="Bad", slug="bad", kind="national", countries=["XX"])
    with pytest.raises(OrganisationError):
        create_organisation(db, name="Bad", slug="Bad Slug!", kind="national", countries=["BR"])


def test_routing(network: Network, db: Session) -> None:
    assert [o.slug for o in recipients_for(db, "BR", False)] == ["brasil"]
    assert [o.slug for o in recipients_for(db, "BR", True)] == ["brasil", "regional"]
    assert [o.slug for o in recipients_for(db, "PE", False)] == ["regional"]


def test_advocates_hold_the_advocacy_key_and_no_key_that_opens_a_report(
    network: Network, db: Session
) -> None:
    new = create_staff_member(
        db,
        network.brazil,
        username="adv",
        role=ADVOCATE,
        password="another long passphrase",
        organisation_private_key=network.key(network.brazil),
        advocacy_key=ADVOCACY_KEYS[network.brazil.id],
        cost=FAST,
        totp_secret=TOTP_SECRET,
    )
    invitation = create_invitation(
        db,
        network.brazil,
        username="adv2",
        role=ADVOCATE,
        organisation_keys=None,
        advocacy_keys=advocacy_keys_of(network.brazil),
    )
    for holder in (
        OrgKeySlot.staff_member_id == new.member.id,
        OrgKeySlot.invitation_id == invitation.invitation.id,
    ):
        slots = db.scalars(select(OrgKeySlot).where(holder)).all()
        assert [(slot.purpose, slot.key_version) for slot in slots] == [(ADVOCACY_KEY, 1)]
    # Logged in, the advocate opens the advocacy key and nothing else.
    unlocked = authenticate(db, "adv", "another long passphrase", code(), FAST)
    assert unlocked.org_keys == {}
    assert unlocked.advocacy_keys == {1: ADVOCACY_KEYS[network.brazil.id]}


def test_every_member_and_invitation_gets_the_advocacy_key(network: Network, db: Session) -> None:
    new = create_staff_member(
        db,
        network.brazil,
        username="mod",
        role=MODERATOR,
        password="another long passphrase",
        organisation_private_key=network.key(network.brazil),
        advocacy_key=ADVOCACY_KEYS[network.brazil.id],
        cost=FAST,
        totp_secret=TOTP_SECRET,
    )
    unlocked = authenticate(db, "mod", "another long passphrase", code(), FAST)
    assert unlocked.member.id == new.member.id
    assert unlocked.org_keys == {1: network.key(network.brazil)}
    assert unlocked.advocacy_keys == {1: ADVOCACY_KEYS[network.brazil.id]}
    # An invitation cannot be made without the advocacy key: the newcomer would miss it.
    with pytest.raises(AccountError):
        create_invitation(
            db,
            network.brazil,
            username="late",
            role=MODERATOR,
            organisation_keys={1: network.key(network.brazil)},
            advocacy_keys={},
        )


def test_invitation_slot_opens_with_the_token_only(network: Network, db: Session) -> None:
    new = create_invitation(
        db,
        network.brazil,
        username="mod",
        role=MODERATOR,
        organisation_keys={1: network.key(network.brazil)},
        advocacy_keys=advocacy_keys_of(network.brazil),
    )
    slot = db.scalars(
        select(OrgKeySlot).where(
            OrgKeySlot.invitation_id == new.invitation.id, OrgKeySlot.purpose == ORGANISATION_KEY
        )
    ).one()
    assert open_slot(slot, crypto.token_keypair(new.token).private_key) == network.key(
        network.brazil
    )
    with pytest.raises(crypto.DecryptionFailed):
        open_slot(slot, crypto.token_keypair(crypto.new_token()).private_key)
    assert new.token.encode() not in new.invitation.token_hash
