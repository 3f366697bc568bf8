"""Organisations, their key slots, and staff accounts created for the demo and by init."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.accounts.models import ADVOCATE, MODERATOR
from reporter.accounts.service import create_invitation, create_staff_member, totp_associated_data
from reporter.orgs.models import OrgKeySlot
from reporter.orgs.service import (
    NetworkExists,
    OrganisationError,
    create_organisation,
    open_with_recovery_key,
    recipients_for,
    slot_associated_data,
)
from tests.conftest import Network

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


def test_staff_key_slot_opens_with_the_password_only(network: Network, db: Session) -> None:
    new = create_staff_member(
        db,
        network.brazil,
        username="ana",
        role=MODERATOR,
        password="a long passphrase here",
        organisation_private_key=network.key(network.brazil),
        cost=FAST,
    )
    slot = db.scalars(select(OrgKeySlot).where(OrgKeySlot.staff_member_id == new.member.id)).one()
    keys = crypto.derive_password_keys("a long passphrase here", new.member.password_salt, FAST)
    assert crypto.verifier_matches(new.member.password_verifier, keys.verifier)
    aad = slot_associated_data(network.brazil.id, "staff", 1)
    assert crypto.decrypt(keys.wrapping_key, slot.wrapped_key, aad) == network.key(network.brazil)
    assert new.member.totp_secret_wrapped is not None
    totp = crypto.decrypt(
        keys.wrapping_key, new.member.totp_secret_wrapped, totp_associated_data(new.member.id)
    )
    assert totp.decode() == new.totp_secret
    wrong = crypto.derive_password_keys("a wrong passphrase", new.member.password_salt, FAST)
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(wrong.wrapping_key, slot.wrapped_key, aad)


def test_advocates_hold_no_key(network: Network, db: Session) -> None:
    new = create_staff_member(
        db,
        network.brazil,
        username="adv",
        role=ADVOCATE,
        password="another long passphrase",
        organisation_private_key=network.key(network.brazil),
        cost=FAST,
    )
    assert (
        db.scalars(select(OrgKeySlot).where(OrgKeySlot.staff_member_id == new.member.id)).first()
        is None
    )
    invitation = create_invitation(db, network.brazil, role=ADVOCATE, organisation_private_key=None)
    assert (
        db.scalars(
            select(OrgKeySlot).where(OrgKeySlot.invitation_id == invitation.invitation.id)
        ).first()
        is None
    )


def test_invitation_slot_opens_with_the_token(network: Network, db: Session) -> None:
    new = create_invitation(
        db, network.brazil, role=MODERATOR, organisation_private_key=network.key(network.brazil)
    )
    slot = db.scalars(select(OrgKeySlot).where(OrgKeySlot.invitation_id == new.invitation.id)).one()
    aad = slot_associated_data(network.brazil.id, "invitation", 1)
    assert crypto.decrypt(
        crypto.token_wrapping_key(new.token), slot.wrapped_key, aad
    ) == network.key(network.brazil)
    assert new.token.encode() not in new.invitation.token_hash
