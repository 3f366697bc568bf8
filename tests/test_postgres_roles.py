"""config/postgresql.sql: the app's role reads and writes rows and nothing more. Run on the
local PostgreSQL with the file's own statements (names made unique for the test): migrations as
the owner, then a report, a staff member, a purge and a backup as the app's role, which cannot
create, change or drop a table."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from reporter import create_app, migrate
from reporter.db import engine_of, new_session
from reporter.orgs.models import NATIONAL
from reporter.orgs.service import create_organisation
from tests.conftest import make_settings, postgres_server_or_skip, receipt_of, submit

SQL = Path(__file__).resolve().parent.parent / "config" / "postgresql.sql"


@pytest.fixture
def roles(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(owner URL, app URL) of a database made by config/postgresql.sql."""
    server = sa.make_url(postgres_server_or_skip())
    psql = shutil.which("psql")
    assert psql, "psql (Debian's postgresql-client) is needed"
    tag = uuid.uuid4().hex[:8]
    names = {
        "reporter_owner": f"owner_{tag}",
        "reporter_app": f"app_{tag}",
        "DATABASE reporter ": f"DATABASE db_{tag} ",
        "\\connect reporter": f"\\connect db_{tag}",
    }
    script = SQL.read_text()
    for shipped, unique in names.items():
        script = script.replace(shipped, unique)
    run = [
        psql,
        "-v",
        "ON_ERROR_STOP=1",
        "-q",
        "-h",
        server.host or "127.0.0.1",
        "-p",
        str(server.port or 5432),
        "-U",
        server.username or "postgres",
        "-d",
        "postgres",
    ]
    shipped_with_test_names = tmp_path / "postgresql.sql"
    shipped_with_test_names.write_text(script)
    subprocess.run([*run, "-f", str(shipped_with_test_names)], check=True)
    base = server.set(database=f"db_{tag}", password=None)
    try:
        yield (
            base.set(username=f"owner_{tag}").render_as_string(hide_password=False),
            base.set(username=f"app_{tag}").render_as_string(hide_password=False),
        )
    finally:
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS db_{tag} WITH (FORCE)")
            connection.exec_driver_sql(f"DROP ROLE IF EXISTS app_{tag}")
            connection.exec_driver_sql(f"DROP ROLE IF EXISTS owner_{tag}")
        admin.dispose()


def test_the_app_role_works_with_rows_and_cannot_change_tables(
    roles: tuple[str, str], tmp_path: Path
) -> None:
    owner_url, app_url = roles
    owner = sa.create_engine(owner_url)
    migrate.upgrade(owner)
    owner.dispose()

    app = create_app(make_settings(tmp_path / "instance", database_url=app_url))
    session = new_session(app)
    try:
        create_organisation(session, name="Rede", slug="rede", kind=NATIONAL, countries=["BR"])
        session.commit()
    finally:
        session.close()
    receipt_of(submit(app.test_client()))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["purge"]).exit_code == 0
    backup = runner.invoke(args=["backup", str(tmp_path / "backup.tar")])
    assert backup.exit_code == 0, backup.output

    with engine_of(app).connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM reports")) == 1
    for statement in (
        "CREATE TABLE stolen (x int)",
        "ALTER TABLE reports ADD COLUMN leak text",
        "DROP TABLE audit_entries",
        "TRUNCATE audit_entries",
        "CREATE SCHEMA elsewhere",
    ):
        with engine_of(app).connect() as connection, pytest.raises(sa.exc.ProgrammingError):
            connection.exec_driver_sql(statement)
    engine_of(app).dispose()
