"""Migrations are tested code: up, down and up again, and the schema equals the models."""

from __future__ import annotations

from collections import Counter

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from reporter import crypto, migrate
from reporter.db import Base, engine_of, new_session
from tests.conftest import Network


def test_migrations_run_down_and_up_and_match_the_models(app: Flask) -> None:
    engine = engine_of(app)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []

    migrate.downgrade(engine, "base")
    remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert not remaining & set(Base.metadata.tables)

    migrate.upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0009"


def test_upgrade_keeps_existing_data(app: Flask, network: object) -> None:
    from sqlalchemy import func, select

    from reporter.orgs.models import Organisation

    engine = engine_of(app)
    migrate.upgrade(engine)  # already at head: a no-op that must not touch rows
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Organisation)).scalar() == 3


def test_the_upgrade_encrypts_the_statistics_and_a_login_replaces_the_moved_totals(
    app: Flask, network: Network, db: Session
) -> None:
    """0004 kept counts in the clear; 0005 moves them under a new advocacy key per organisation,
    sealed to the recovery key, every member and every open invitation."""
    from reporter.accounts.models import StaffMember
    from reporter.accounts.service import authenticate, create_invitation
    from reporter.casework import service as casework
    from reporter.orgs.models import ADVOCACY_KEY, OrgKeySlot
    from reporter.orgs.service import open_advocacy_key_with_recovery_key, open_slot
    from reporter.statistics.models import StatContribution
    from reporter.statistics.service import open_contribution
    from tests.factories import make_report
    from tests.staff import (
        ADVOCACY_KEYS,
        FAST,
        PASSPHRASE,
        advocacy_keys_of,
        code,
        keyring_of,
        login,
        make_member,
        statistics,
    )

    brazil, key = network.brazil, network.key(network.brazil)
    make_member(app, brazil, key, "mod", "moderator")
    make_member(app, brazil, key, "adv", "advocate")
    make_member(app, brazil, key, "second", "moderator")
    made = make_report(db, brazil, key, acts=2, count_in_statistics=True)
    author, approver = (
        db.scalars(select(StaffMember).where(StaffMember.username == name)).one()
        for name in ("mod", "second")
    )
    casework.save_story(db, made.case, key, author, "Approved before the upgrade.")
    casework.approve_story(db, made.case, keyring_of(brazil, key), approver, None)
    invited = create_invitation(
        db,
        brazil,
        username="newcomer",
        role="moderator",
        organisation_keys={1: key},
        advocacy_keys=advocacy_keys_of(brazil),
    )
    db.commit()
    expected = statistics(db)
    assert expected
    db.close()

    engine = engine_of(app)
    migrate.downgrade(engine, "0004")
    # The counts as the code of 0004 kept them, in the clear.
    # 0004 kept two measures: combinations and acts.
    kept = Counter(
        {cell: n for cell, n in expected.items() if cell[-1] in ("combinations", "acts")}
    )
    rows: dict[tuple[str, ...], dict[str, int]] = {}
    for (*dimensions, column), amount in kept.items():
        rows.setdefault(tuple(dimensions), {"combinations": 0, "acts": 0})[column] += amount
    with engine.begin() as connection:
        for dimensions, amounts in rows.items():
            connection.execute(
                text(
                    "INSERT INTO stat_counts (organisation_id, country, region, year_month,"
                    " violation_type, perpetrator_type, population, combinations, acts)"
                    " VALUES (:org, :c, :r, :m, :v, :p, :pop, :combinations, :acts)"
                ),
                {
                    "org": brazil.id if engine.dialect.name == "postgresql" else brazil.id.hex,
                    "c": dimensions[0],
                    "r": dimensions[1],
                    "m": dimensions[2],
                    "v": dimensions[3],
                    "p": dimensions[4],
                    "pop": dimensions[5],
                    **amounts,
                },
            )
        connection.execute(text("UPDATE cases SET stats_dirty = :no"), {"no": False})

    migrate.upgrade(engine)
    assert "stat_counts" not in inspect(engine).get_table_names()
    session = new_session(app)
    try:
        moved = session.scalars(select(StatContribution)).all()
        assert [(row.organisation_id, row.migrated) for row in moved] == [(brazil.id, True)]
        advocacy = open_advocacy_key_with_recovery_key(
            session, brazil, network.recovery_keys[brazil.id]
        )
        assert open_contribution(moved[0], {1: advocacy}) == kept
        # Members and the open invitation hold the new key; advocates hold it and nothing else.
        unlocked = authenticate(session, "adv", PASSPHRASE, code(), FAST)
        assert unlocked.advocacy_keys == {1: advocacy} and unlocked.org_keys == {}
        invitation_slot = session.scalars(
            select(OrgKeySlot).where(
                OrgKeySlot.invitation_id == invited.invitation.id,
                OrgKeySlot.purpose == ADVOCACY_KEY,
            )
        ).one()
        token_private = crypto.token_keypair(invited.token).private_key
        assert open_slot(invitation_slot, token_private) == advocacy
        session.commit()
    finally:
        session.close()

    # The first login that holds the keys gives every counted case its own contribution.
    ADVOCACY_KEYS[brazil.id] = advocacy
    assert login(app.test_client(), "mod").status_code == 302
    session = new_session(app)
    try:
        rows_now = session.scalars(select(StatContribution)).all()
        assert len(rows_now) == 1 and not rows_now[0].migrated
        assert statistics(session) == expected
        # The story approved before the upgrade is published under the advocacy key.
        stories = casework.published_stories(session, brazil.id, {1: advocacy})
        assert [story.text for story in stories] == ["Approved before the upgrade."]
    finally:
        session.close()
