"""Migrations are tested code: up, down and up again, and the schema equals the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect, text

from reporter import migrate
from reporter.db import Base, engine_of


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
    assert version == "0004"


def test_upgrade_keeps_existing_data(app: Flask, network: object) -> None:
    from sqlalchemy import func, select

    from reporter.orgs.models import Organisation

    engine = engine_of(app)
    migrate.upgrade(engine)  # already at head: a no-op that must not touch rows
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Organisation)).scalar() == 3
