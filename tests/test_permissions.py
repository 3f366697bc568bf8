"""The instance folder is 0700 and every file in it 0600, whatever the umask of whoever starts it."""

from __future__ import annotations

import os
import runpy
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reporter import create_app
from reporter.db import engine_of
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[1]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_private(folder: Path) -> None:
    assert _mode(folder) == 0o700, f"{folder}: {_mode(folder):04o}"
    files = list(folder.rglob("*"))
    assert files, "nothing was written to the instance folder"
    for path in files:
        expected = 0o700 if path.is_dir() else 0o600
        assert _mode(path) == expected, f"{path}: {_mode(path):04o}"


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems start programs with (files 0644, folders 0755)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_app_and_db_upgrade_leave_a_private_instance_folder(
    tmp_path: Path, usual_umask: None
) -> None:
    instance = tmp_path / "srv" / "instance"
    # SQLite in the instance folder (the default), whatever database the suite runs on.
    app = create_app(make_settings(instance, database_url=""))
    try:
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        database = instance / "reporter.sqlite3"
        assert database.stat().st_size > 0
        assert {"secret_key", "receipt_pepper", "reporter.sqlite3"} <= {
            p.name for p in instance.iterdir()
        }
        _assert_private(instance)
        # SQLite gives its write-ahead log and shared-memory files the database file's mode.
        connection = sqlite3.connect(database)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("CREATE TABLE probe (x)")
            connection.execute("INSERT INTO probe VALUES (1)")
            connection.commit()
            assert (instance / "reporter.sqlite3-wal").exists()
            _assert_private(instance)
        finally:
            connection.close()
    finally:
        engine_of(app).dispose()


def test_reporter_command_sets_a_private_umask(tmp_path: Path, usual_umask: None) -> None:
    """The real `reporter` command, started with the usual umask of 022."""
    instance = tmp_path / "instance"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("REPORTER_", "FLASK_"))}
    environment["REPORTER_INSTANCE_PATH"] = str(instance)
    script = "import sys; from reporter.cli import main; sys.argv[0] = 'reporter'; main()"
    result = subprocess.run(
        [sys.executable, "-c", script, "db", "upgrade"],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    _assert_private(instance)


def test_main_sets_the_umask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["reporter", "--help"])
    previous = os.umask(0o022)
    try:
        from reporter.cli import main

        with pytest.raises(SystemExit) as finished:
            main()
        assert finished.value.code == 0
        assert os.umask(0o022) == 0o077
    finally:
        os.umask(previous)


def test_an_existing_open_instance_folder_is_left_alone_with_a_warning(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    instance.chmod(0o750)
    with pytest.warns(UserWarning, match="chmod 700"):
        make_settings(instance)
    assert _mode(instance) == 0o750
    instance.chmod(0o700)
    make_settings(instance)  # no warning: warnings are errors in this suite


def test_gunicorn_example_sets_a_private_umask() -> None:
    previous = os.umask(0o022)
    try:
        config = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
        assert config["umask"] == 0o077
        assert os.umask(0o022) == 0o077
    finally:
        os.umask(previous)
