"""Key rotation: interrupted midway, then resumed, leaves every report readable."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.orgs import rotation
from reporter.orgs.models import Organisation, OrgKeySlot
from reporter.orgs.service import open_with_recovery_key
from reporter.reports.models import Case, Report
from reporter.reports.service import open_report
from tests.conftest import Network, submit
from tests.staff import code, login, make_member


def _rotate(app: Flask, network: Network, batch_size: int = 2) -> object:
    return app.test_cli_runner().invoke(
        args=[
            "keys",
            "rotate",
            "brasil",
            "--recovery-key",
            network.recovery_keys[network.brazil.id],
            "--batch-size",
            str(batch_size),
        ]
    )


def test_rotation_interrupted_then_resumed_loses_nothing(
    app: Flask, network: Network, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "mod", "moderator")
    public = app.test_client()
    for number in range(5):
        submit(
            public,
            narrative=f"report number {number}",
            violations=["eviction"] if number % 2 else ["denial_oat"],
        )

    real_batch = rotation.reseal_batch
    calls = {"n": 0}

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C, or the machine went down
        return real_batch(*args, **kwargs)

    monkeypatch.setattr(rotation, "reseal_batch", interrupted)
    first = _rotate(app, network)
    assert first.exit_code != 0
    monkeypatch.setattr(rotation, "reseal_batch", real_batch)

    db.expire_all()
    versions = sorted(
        case.key_version
        for case in db.scalars(select(Case).where(Case.organisation_id == network.brazil.id))
    )
    assert versions == [1, 1, 1, 2, 2]
    organisation = db.get(Organisation, network.brazil.id)
    assert organisation is not None and organisation.next_public_key is not None

    # Reports keep arriving during the rotation: they are sealed to the new key already.
    submit(public, narrative="arrived mid-rotation")
    # Staff logging in now read old and new cases alike.
    client = app.test_client()
    assert login(client, "mod").status_code == 302
    queue = client.get("/staff/queue").get_data(as_text=True)
    case_ids = re.findall(r'href="/staff/cases/([0-9a-f-]+)"', queue)
    assert len(case_ids) == 6
    assert all(client.get(f"/staff/cases/{case_id}").status_code == 200 for case_id in case_ids)

    second = _rotate(app, network)
    assert second.exit_code == 0, second.output
    assert "Resuming" in second.output

    db.expire_all()
    organisation = db.get(Organisation, network.brazil.id)
    assert organisation is not None
    assert organisation.key_version == 2 and organisation.next_public_key is None
    assert {
        slot.key_version
        for slot in db.scalars(
            select(OrgKeySlot).where(OrgKeySlot.organisation_id == organisation.id)
        )
    } == {2}
    new_key = open_with_recovery_key(db, organisation, network.recovery_keys[network.brazil.id])
    assert new_key != network.key(network.brazil)
    narratives = sorted(
        open_report(db, report, organisation, new_key).narrative
        for report in db.scalars(select(Report))
    )
    assert narratives == sorted([*(f"report number {n}" for n in range(5)), "arrived mid-rotation"])

    # The old session ended; a new login works, and the blind index still filters.
    assert client.get("/staff/queue").status_code == 302
    fresh = app.test_client()
    assert login(fresh, "mod", totp=code(1)).status_code == 302
    eviction = fresh.get("/staff/queue?violation=eviction").get_data(as_text=True)
    assert len(re.findall(r'href="/staff/cases/', eviction)) == 2


def test_a_pending_invitation_opens_the_new_key_after_rotation(
    app: Flask, network: Network, db: Session
) -> None:
    from reporter.accounts.service import accept_invitation, authenticate, create_invitation
    from tests.staff import FAST, advocacy_keys_of

    submit(app.test_client(), narrative="sealed before the rotation")
    organisation = db.get(Organisation, network.brazil.id)
    assert organisation is not None
    invited = create_invitation(
        db,
        organisation,
        username="newcomer",
        role="moderator",
        organisation_keys={organisation.key_version: network.key(network.brazil)},
        advocacy_keys=advocacy_keys_of(organisation),
    )
    db.commit()
    result = _rotate(app, network, batch_size=50)
    assert result.exit_code == 0, result.output
    db.expire_all()
    organisation = db.get(Organisation, network.brazil.id)
    assert organisation is not None and organisation.key_version == 2
    # The invitation was pending during the rotation: once accepted, it opens the new key.
    accept_invitation(db, invited.token, "a long passphrase for the newcomer", FAST)
    db.commit()
    # Not yet enrolled in TOTP: the passphrase alone opens the keys, as on the enrolment page.
    unlocked = authenticate(db, "newcomer", "a long passphrase for the newcomer", "", FAST)
    assert set(unlocked.org_keys) == {2}
    report = db.scalars(select(Report)).one()
    assert (
        open_report(db, report, organisation, unlocked.org_keys[2]).narrative
        == "sealed before the rotation"
    )


def test_a_rotation_cannot_finish_while_cases_remain_on_the_old_key(
    app: Flask, network: Network, db: Session
) -> None:
    public = app.test_client()
    for number in range(3):
        submit(public, narrative=f"report {number}")
    organisation = db.get(Organisation, network.brazil.id)
    assert organisation is not None
    assert rotation.start(db, organisation, network.key(network.brazil))
    assert rotation.reseal_batch(db, organisation, network.key(network.brazil), size=2) == 2
    assert rotation.remaining(db, organisation) == 1
    with pytest.raises(rotation.RotationError):
        rotation.finish(db, organisation)
    assert organisation.key_version == 1
    assert rotation.reseal_batch(db, organisation, network.key(network.brazil), size=2) == 1
    rotation.finish(db, organisation)
    assert organisation.key_version == 2


@pytest.mark.parametrize("recovery_key", ["not a key", "AAAA-" * 11 + "AAAA"])
def test_rotation_with_a_wrong_recovery_key_says_so_and_changes_nothing(
    app: Flask, network: Network, db: Session, recovery_key: str
) -> None:
    result = app.test_cli_runner().invoke(
        args=["keys", "rotate", "brasil", "--recovery-key", recovery_key]
    )
    assert result.exit_code != 0
    assert "this recovery key does not open that organisation" in result.output
    db.expire_all()
    organisation = db.get(Organisation, network.brazil.id)
    assert organisation is not None and organisation.next_public_key is None


def test_rotation_replaces_the_advocacy_key_and_keeps_the_statistics(
    app: Flask, network: Network, db: Session
) -> None:
    from reporter.accounts.models import StaffMember
    from reporter.accounts.service import authenticate
    from reporter.casework import service as casework
    from reporter.orgs.models import ADVOCACY_KEY
    from reporter.orgs.service import open_advocacy_key_with_recovery_key
    from reporter.statistics import ledger
    from reporter.statistics.models import StatContribution, StatisticsRelease
    from reporter.statistics.tables import Scope
    from tests.factories import make_report
    from tests.staff import FAST, PASSPHRASE, keyring_of, statistics

    key = network.key(network.brazil)
    make_member(app, network.brazil, key, "adv", "advocate")
    make_member(app, network.brazil, key, "mod", "moderator")
    make_member(app, network.brazil, key, "mod2", "moderator")
    made = make_report(db, network.brazil, key, acts=2, count_in_statistics=True)
    author, approver = (
        db.scalars(select(StaffMember).where(StaffMember.username == name)).one()
        for name in ("mod", "mod2")
    )
    casework.save_story(db, made.case, key, author, "A story for advocacy.")
    casework.approve_story(db, made.case, keyring_of(network.brazil, key), approver, None)
    db.commit()
    counted = statistics(db)
    assert counted
    old_key = open_advocacy_key_with_recovery_key(
        db, network.brazil, network.recovery_keys[network.brazil.id]
    )
    # An export made before the rotation stays in the ledger, under the new key.
    scope = Scope(countries=frozenset({"BR"}))
    protected = ledger.protected_export(db, network.brazil, {1: old_key}, scope, 10)
    assert ledger.remember(db, network.brazil, {1: old_key}, scope, protected, dt.date(2026, 1, 2))
    db.commit()

    result = _rotate(app, network)
    assert result.exit_code == 0, result.output
    db.expire_all()
    organisation = db.get(Organisation, network.brazil.id)
    assert organisation is not None and organisation.advocacy_key_version == 2
    new_key = open_advocacy_key_with_recovery_key(
        db, organisation, network.recovery_keys[organisation.id]
    )
    assert new_key != old_key
    # The old advocacy slots are gone; every holder has the new key.
    advocacy_slots = db.scalars(
        select(OrgKeySlot).where(
            OrgKeySlot.organisation_id == organisation.id, OrgKeySlot.purpose == ADVOCACY_KEY
        )
    ).all()
    assert {slot.key_version for slot in advocacy_slots} == {2}
    assert {slot.holder for slot in advocacy_slots} >= {"recovery", "staff"}
    unlocked = authenticate(db, "adv", PASSPHRASE, code(), FAST)
    assert unlocked.advocacy_keys == {2: new_key} and unlocked.org_keys == {}
    # The statistics open under the new key only, and say the same.
    from tests import staff

    staff.ADVOCACY_KEYS[organisation.id] = new_key
    assert {row.key_version for row in db.scalars(select(StatContribution))} == {2}
    assert statistics(db) == counted
    stories = casework.published_stories(db, organisation.id, {2: new_key})
    assert [story.text for story in stories] == ["A story for advocacy."]
    staff.ADVOCACY_KEYS[organisation.id] = old_key
    with pytest.raises(crypto.DecryptionFailed):  # the old key opens nothing any more
        statistics(db)
    with pytest.raises(crypto.DecryptionFailed):
        casework.published_stories(db, organisation.id, {2: old_key})
    assert {row.key_version for row in db.scalars(select(StatisticsRelease))} == {2}
    [release] = ledger.releases(db, organisation, {2: new_key})
    assert release.scope == scope and release.made_on == dt.date(2026, 1, 2)
    with pytest.raises(crypto.DecryptionFailed):
        ledger.releases(db, organisation, {2: old_key})
