"""Schema migrations with Alembic; the revisions live in the top-level migrations/ folder."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from reporter.resources import migrations_folder


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_folder()))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None before the first migration)."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str:
    """The revision this code's models need."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None, "no migrations"
    return head


def knows_revision(engine: Engine, revision: str) -> bool:
    try:
        return (
            ScriptDirectory.from_config(alembic_config(engine)).get_revision(revision) is not None
        )
    except CommandError:  # an unknown or ambiguous name
        return False


def upgrade(engine: Engine, revision: str = "head") -> None:
    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _migrate(engine, command.downgrade, revision)


class ForeignKeysBroken(RuntimeError):
    """A migration left rows that refer to rows that no longer exist."""


def _migrate(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    """Run migrations in one transaction. On SQLite, foreign keys are not enforced meanwhile:
    altering a table there copies it and drops the old one, and a drop with enforcement on would
    delete, by cascade, every row that refers to it (a staff member's key slots, say). Whether
    every reference still holds is checked before the commit instead."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # Only outside a transaction does SQLite obey this.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config = alembic_config(engine)
                config.attributes["connection"] = connection
                step(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise ForeignKeysBroken(f"rows refer to missing rows: {broken[:5]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def autogenerate(engine: Engine, message: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)


def recreate(engine: Engine) -> None:
    """Drop everything and migrate from nothing. Destroys all data: for tests and benchmarks."""
    from reporter.db import Base

    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Tables of older schemas would block a plain drop_all.
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(engine)
