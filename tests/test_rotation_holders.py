"""Key rotation reaches every holder of the organisation's key, and only them: its staff, its
recovery key and its open invitations get the new key; other organisations' keys and holders are
left exactly as they were; a spent invitation link gets nothing; a rotation that cannot go on
says why."""

from __future__ import annotations

from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.accounts.service import authenticate, create_invitation
from reporter.orgs import rotation
from reporter.orgs.models import ORGANISATION_KEY, Organisation, OrgKeySlot
from reporter.orgs.service import (
    open_advocacy_key_with_recovery_key,
    open_slot,
    open_with_recovery_key,
)
from tests.conftest import Network, submit
from tests.factories import make_report
from tests.staff import ADVOCACY_KEYS, FAST, PASSPHRASE, advocacy_keys_of, code, make_member

Holder = tuple[str, object, object]


def _holders(db: Session, organisation: Organisation, version: int) -> Counter[Holder]:
    """Who holds the organisation's private key of `version`, one entry per slot."""
    slots = db.scalars(
        select(OrgKeySlot).where(
            OrgKeySlot.organisation_id == organisation.id,
            OrgKeySlot.purpose == ORGANISATION_KEY,
            OrgKeySlot.key_version == version,
        )
    )
    return Counter((slot.holder, slot.staff_member_id, slot.invitation_id) for slot in slots)


def _brazil(db: Session, network: Network) -> Organisation:
    organisation = db.get(Organisation, network.brazil.id)
    assert organisation is not None
    return organisation


def _rotate(app: Flask, network: Network) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "keys",
            "rotate",
            "brasil",
            "--recovery-key",
            network.recovery_keys[network.brazil.id],
        ]
    )
    assert result.exit_code == 0, result.output


def test_the_new_key_reaches_every_holder_of_the_organisation_and_nobody_else(
    app: Flask, network: Network, db: Session
) -> None:
    """Started, a rotation seals the new key once to each of Brasil's holders (moderator,
    recovery key, pending invitation) and to no member of another organisation: a Colombian
    moderator must never receive Brasil's key."""
    key = network.key(network.brazil)
    make_member(app, network.brazil, key, "mod", "moderator")
    make_member(app, network.colombia, network.key(network.colombia), "col", "moderator")
    make_member(app, network.network, network.key(network.network), "net", "moderator")
    brazil = _brazil(db, network)
    invited = create_invitation(
        db,
        brazil,
        username="newcomer",
        role="moderator",
        organisation_keys={1: key},
        advocacy_keys=advocacy_keys_of(brazil),
    )
    db.commit()
    before = _holders(db, brazil, 1)
    assert sum(before.values()) == 3

    assert rotation.start(db, brazil, key)
    db.commit()

    assert _holders(db, brazil, 2) == before
    recovery_slot = db.scalars(
        select(OrgKeySlot).where(
            OrgKeySlot.organisation_id == brazil.id,
            OrgKeySlot.purpose == ORGANISATION_KEY,
            OrgKeySlot.holder == "recovery",
            OrgKeySlot.key_version == 2,
        )
    ).one()
    new_key = open_slot(
        recovery_slot, crypto.recovery_keypair(network.recovery_keys[brazil.id]).private_key
    )
    assert crypto.public_key_of(new_key) == brazil.next_public_key
    invitation_slot = db.scalars(
        select(OrgKeySlot).where(
            OrgKeySlot.invitation_id == invited.invitation.id,
            OrgKeySlot.purpose == ORGANISATION_KEY,
            OrgKeySlot.key_version == 2,
        )
    ).one()
    assert open_slot(invitation_slot, crypto.token_keypair(invited.token).private_key) == new_key
    assert authenticate(db, "mod", PASSPHRASE, code(), FAST).org_keys == {1: key, 2: new_key}
    for username, organisation in (("col", network.colombia), ("net", network.network)):
        unlocked = authenticate(db, username, PASSPHRASE, code(), FAST)
        assert unlocked.org_keys == {1: network.key(organisation)}, username


def test_rotating_one_organisation_leaves_every_other_organisations_keys_alone(
    app: Flask, network: Network, db: Session
) -> None:
    """When Brasil's rotation finishes and its old slots are deleted, the network's and
    Colombia's slots of the same version are untouched: their staff and their recovery keys
    still open their keys."""
    submit(app.test_client(), narrative="a report for Brasil")
    for organisation, username in ((network.colombia, "col"), (network.network, "net")):
        make_member(app, organisation, network.key(organisation), username, "moderator")
    others = (network.colombia, network.network)
    slots_before = {org.id: _holders(db, org, 1) for org in others}

    _rotate(app, network)
    db.expire_all()

    assert _brazil(db, network).key_version == 2
    for organisation, username in zip(others, ("col", "net"), strict=True):
        org = db.get(Organisation, organisation.id)
        assert org is not None and org.key_version == 1
        assert _holders(db, org, 1) == slots_before[org.id]
        recovery_key = network.recovery_keys[org.id]
        assert open_with_recovery_key(db, org, recovery_key) == network.key(org)
        assert open_advocacy_key_with_recovery_key(db, org, recovery_key) == ADVOCACY_KEYS[org.id]
        unlocked = authenticate(db, username, PASSPHRASE, code(), FAST)
        assert unlocked.org_keys == {1: network.key(org)}, username
        assert unlocked.advocacy_keys == {1: ADVOCACY_KEYS[org.id]}, username


def test_a_spent_invitation_link_never_receives_the_new_key(network: Network, db: Session) -> None:
    """An invitation accepted while the rotation starts (another transaction: the slot was read
    before the acceptance marked the invitation used) gets no slot of the new key, so a link
    leaked after use can never open it."""
    brazil = _brazil(db, network)
    key = network.key(network.brazil)
    spent = create_invitation(
        db,
        brazil,
        username="spent",
        role="moderator",
        organisation_keys={1: key},
        advocacy_keys=advocacy_keys_of(brazil),
    )
    spent.invitation.used = True
    db.flush()

    assert rotation.start(db, brazil, key)

    assert ("invitation", None, spent.invitation.id) not in _holders(db, brazil, 2)
    assert sum(_holders(db, brazil, 2).values()) == 1  # the recovery key only


def test_a_rotation_that_cannot_go_on_says_why(network: Network, db: Session) -> None:
    """Resealing or finishing with no rotation under way, or finishing while cases remain on the
    old key, is refused with the reason, and nothing changes."""
    brazil = _brazil(db, network)
    key = network.key(network.brazil)
    with pytest.raises(rotation.RotationError, match=r"^no rotation under way$"):
        rotation.reseal_batch(db, brazil, key)
    with pytest.raises(rotation.RotationError, match=r"^no rotation under way$"):
        rotation.finish(db, brazil)
    make_report(db, brazil, key)
    assert rotation.start(db, brazil, key)
    with pytest.raises(rotation.RotationError, match=r"^cases are still sealed to the old key$"):
        rotation.finish(db, brazil)
    assert brazil.key_version == 1 and brazil.next_public_key is not None
    assert rotation.reseal_batch(db, brazil, key) == 1
    rotation.finish(db, brazil)
    assert brazil.key_version == 2


def test_the_advocacy_key_rotation_reencrypts_this_organisations_records_only(
    network: Network, db: Session
) -> None:
    """Brazil's published stories, statistics and remembered exports move to the new advocacy
    key; a story written but not approved has nothing under it and is left alone; Colombia's
    records stay under Colombia's key, untouched."""
    import datetime as dt

    from reporter.casework import service as casework
    from reporter.statistics import ledger
    from reporter.statistics.models import StatContribution, StatisticsRelease
    from reporter.statistics.tables import Scope
    from tests.factories import code_statistics, make_story

    brazil, colombia = _brazil(db, network), db.get(Organisation, network.colombia.id)
    assert colombia is not None
    code_statistics(db, network)
    make_story(db, brazil, network.key(brazil), "Published in Brazil.")
    make_story(db, brazil, network.key(brazil), "Not approved yet.", approved=False)
    make_story(db, colombia, network.key(colombia), "Published in Colombia.", country="CO")
    old = {brazil.id: ADVOCACY_KEYS[brazil.id], colombia.id: ADVOCACY_KEYS[colombia.id]}
    scope = Scope(first_month="2025-03")
    protected = ledger.protected_export(db, brazil, {1: old[brazil.id]}, scope, 10)
    ledger.remember(db, brazil, {1: old[brazil.id]}, scope, protected, dt.date(2026, 1, 1))
    theirs = ledger.protected_export(db, colombia, {1: old[colombia.id]}, scope, 10)
    ledger.remember(db, colombia, {1: old[colombia.id]}, scope, theirs, dt.date(2026, 1, 1))
    colombia_rows = {
        row.id: row.data
        for model in (StatContribution, StatisticsRelease)
        for row in db.scalars(select(model).where(model.organisation_id == colombia.id))
    }
    db.commit()

    rotation.rotate_advocacy_key(db, brazil, old[brazil.id])
    new_key = open_advocacy_key_with_recovery_key(db, brazil, network.recovery_keys[brazil.id])
    assert new_key != old[brazil.id]
    assert [s.text for s in casework.published_stories(db, brazil.id, {2: new_key})] == [
        "Published in Brazil."
    ]
    assert ledger.releases(db, brazil, {2: new_key})[0].scope == scope
    assert [s.text for s in casework.published_stories(db, colombia.id, {1: old[colombia.id]})] == [
        "Published in Colombia."
    ]
    assert colombia.advocacy_key_version == 1
    assert colombia_rows
    for model in (StatContribution, StatisticsRelease):
        for row in db.scalars(select(model).where(model.organisation_id == colombia.id)):
            assert row.key_version == 1 and row.data == colombia_rows[row.id]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("contribution", "a statistics record is under an unknown advocacy key"),
        ("release", "a remembered export is under an unknown advocacy key"),
        ("story", "a published story is under an unknown advocacy key"),
    ],
)
def test_an_advocacy_record_under_an_unknown_key_stops_the_rotation(
    network: Network, db: Session, record: str, reason: str
) -> None:
    import datetime as dt

    from reporter.casework.models import AdvocacyStory
    from reporter.statistics import ledger
    from reporter.statistics.models import StatContribution, StatisticsRelease
    from reporter.statistics.tables import Scope
    from tests.factories import code_statistics, make_story

    brazil = _brazil(db, network)
    code_statistics(db, network)
    make_story(db, brazil, network.key(brazil), "Published.")
    keys = {1: ADVOCACY_KEYS[brazil.id]}
    scope = Scope()
    ledger.remember(
        db,
        brazil,
        keys,
        scope,
        ledger.protected_export(db, brazil, keys, scope, 10),
        dt.date(2026, 1, 1),
    )
    if record == "contribution":
        db.scalars(select(StatContribution)).first().key_version = 7  # type: ignore[union-attr]
    elif record == "release":
        db.scalars(select(StatisticsRelease)).one().key_version = 7
    else:
        db.scalars(select(AdvocacyStory)).one().published_key_version = 7
    db.flush()
    with pytest.raises(rotation.RotationError, match=f"^{reason}$"):
        rotation.rotate_advocacy_key(db, brazil, keys[1])
