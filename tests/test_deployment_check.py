"""`reporter check`: each configuration mistake that puts people at risk is an error (exit status
non-zero), and a deployment without one passes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask

from reporter import migrate
from reporter.db import engine_of, new_session
from reporter.orgs.models import Organisation
from tests.conftest import Network

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_GUNICORN = ROOT / "config" / "gunicorn.conf.py"
SAFE: dict[str, Any] = {
    "testing": False,
    "ratelimit_storage_url": "redis://127.0.0.1:6379/0",
    "site_urls": ("https://reporter.example.org", "http://" + "a" * 56 + ".onion"),
}


def _check(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["check", *args])


def _confirm_every_recovery_key(app: Flask, network: Network) -> None:
    for organisation in (network.network, network.brazil, network.colombia):
        result = app.test_cli_runner().invoke(
            args=["keys", "confirm", organisation.slug],
            input=network.recovery_keys[organisation.id] + "\n",
        )
        assert result.exit_code == 0, result.output


def _errors(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("error: ")]


def test_a_safe_deployment_passes(app_factory: Any, network: Network) -> None:
    app = app_factory(**SAFE)
    _confirm_every_recovery_key(app, network)
    result = _check(app, "--gunicorn", str(SHIPPED_GUNICORN))
    assert result.exit_code == 0, result.output
    assert _errors(result) == []
    assert "0 error(s), 0 warning(s): nothing stands in the way of going live" in result.output


def test_a_recovery_key_never_typed_back_is_an_error_until_confirmed(
    app_factory: Any, network: Network
) -> None:
    app = app_factory(**SAFE)
    result = _check(app)
    assert result.exit_code == 1
    assert sorted(e for e in _errors(result) if "recovery key" in e) == [
        f"error: nobody has shown that {slug}'s recovery key is kept safe: without it, lost "
        f"passwords lose every report; run `reporter keys confirm {slug}`"
        for slug in ("brasil", "colombia", "regional")
    ]
    runner = app.test_cli_runner()
    # Another organisation's key, or a typing mistake, confirms nothing.
    wrong = runner.invoke(
        args=["keys", "confirm", "brasil"], input=network.recovery_keys[network.colombia.id] + "\n"
    )
    assert wrong.exit_code != 0 and "does not open that organisation" in wrong.output
    _confirm_every_recovery_key(app, network)
    session = new_session(app)
    try:
        assert all(
            organisation.recovery_key_confirmed_on is not None
            for organisation in session.query(Organisation)
        )
    finally:
        session.close()
    assert _check(app).exit_code == 0


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"secret_key": "changeme"}, "secret_key is a well-known value"),
        ({"secret_key": "s" * 31}, "secret_key is 31 characters long"),
        ({"receipt_pepper": "short"}, "receipt_pepper is 5 characters long"),
        (
            {"site_urls": ("http://reporter.example.org",)},
            "http://reporter.example.org is reached without TLS",
        ),
        (
            {"site_urls": ("ftp://reporter.example.org",)},
            "ftp://reporter.example.org is reached without TLS",
        ),
        ({"log_public_requests": True}, "log_public_requests is on"),
        ({"testing": True}, "testing is on"),
        (
            {"smtp_host": "mail.example.org", "notice_sender": "", "staff_url": ""},
            "smtp_host is set but notice_sender is not",
        ),
        (
            {"smtp_host": "mail.example.org", "smtp_security": "none", "notice_sender": "n@x.org"},
            "smtp_security is none for mail.example.org",
        ),
        (
            {"smtp_host": "127.0.0.1", "notice_sender": "n@x.org", "site_urls": ()},
            "set staff_url (or site_urls)",
        ),
        (
            {"smtp_host": "127.0.0.1", "notice_sender": "n@x.org", "staff_url": "http://x.org"},
            "notices would link to http://x.org without TLS",
        ),
    ],
)
def test_each_unsafe_setting_is_an_error(
    app_factory: Any, network: Network, changes: dict[str, Any], expected: str
) -> None:
    app = app_factory(**{**SAFE, **changes})
    _confirm_every_recovery_key(app, network)
    result = _check(app)
    assert result.exit_code == 1, result.output
    assert [error for error in _errors(result) if expected in error], result.output
    assert "1 error(s)" in result.output


def test_notices_through_a_local_mail_server_pass(app_factory: Any, network: Network) -> None:
    app = app_factory(
        **SAFE, smtp_host="127.0.0.1", smtp_security="none", notice_sender="n@reporter.example"
    )
    _confirm_every_recovery_key(app, network)
    assert _check(app).exit_code == 0


def test_plain_http_is_allowed_only_on_an_onion_or_this_machine(
    app_factory: Any, network: Network
) -> None:
    app = app_factory(
        **{
            **SAFE,
            "site_urls": (
                "http://" + "b" * 56 + ".onion/",
                "http://127.0.0.1:8000",
                "http://[::1]:8000",
                "http://localhost:5000",
            ),
        }
    )
    _confirm_every_recovery_key(app, network)
    assert _check(app).exit_code == 0


def test_debug_is_an_error(
    app_factory: Any, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_factory(**SAFE)
    _confirm_every_recovery_key(app, network)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    result = _check(app)
    assert result.exit_code == 1 and "error: debug is on" in result.output


def test_demo_accounts_are_an_error(app_factory: Any) -> None:
    app = app_factory(**SAFE)
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    result = _check(app)
    assert result.exit_code == 1
    assert "demo accounts, whose passwords are published, exist: brazil.admin" in result.output
    assert "demo organisations exist" in result.output


def test_counters_in_memory_with_several_workers_are_an_error(
    app_factory: Any, network: Network, tmp_path: Path
) -> None:
    app = app_factory(**{**SAFE, "ratelimit_storage_url": "memory://"})
    _confirm_every_recovery_key(app, network)
    # The shipped gunicorn settings start two workers.
    result = _check(app, "--gunicorn", str(SHIPPED_GUNICORN))
    assert result.exit_code == 1
    assert "with 2 workers: a flooder gets each worker's allowance" in result.output
    one_worker = tmp_path / "one.conf.py"
    one_worker.write_text("workers = 1\naccesslog = None\n")
    assert _check(app, "--gunicorn", str(one_worker)).exit_code == 0
    # Without the gunicorn settings the check cannot tell: a warning, not an error.
    unknown = _check(app)
    assert unknown.exit_code == 0 and "warning: ratelimit_storage_url keeps" in unknown.output


def test_a_gunicorn_access_log_is_an_error(
    app_factory: Any, network: Network, tmp_path: Path
) -> None:
    app = app_factory(**SAFE)
    _confirm_every_recovery_key(app, network)
    logging = tmp_path / "logging.conf.py"
    logging.write_text('import os\nworkers = 2\naccesslog = "-"\nos.umask(0)\n')
    result = _check(app, "--gunicorn", str(logging))
    assert result.exit_code == 1 and "gunicorn writes an access log" in result.output
    # The file was read, not run: this process's umask is what it was.
    mask = os.umask(0o077)
    os.umask(mask)
    assert mask != 0


def test_a_public_surface_with_a_staff_route_is_an_error(
    app_factory: Any, network: Network
) -> None:
    app = app_factory(**{**SAFE, "surfaces": "public"})
    _confirm_every_recovery_key(app, network)
    assert _check(app).exit_code == 0
    app.add_url_rule("/staff/forgotten", "forgotten", lambda: "")
    result = _check(app)
    assert result.exit_code == 1
    assert "error: the public surface serves staff routes: /staff/forgotten" in result.output


def test_a_staff_surface_with_a_public_route_is_an_error(
    app_factory: Any, network: Network
) -> None:
    from reporter.reports.views import blueprint as reports

    app = app_factory(**{**SAFE, "surfaces": "staff"})
    _confirm_every_recovery_key(app, network)
    assert _check(app).exit_code == 0
    app.register_blueprint(reports)
    result = _check(app)
    assert (
        result.exit_code == 1 and "the staff surface serves the reporter's routes" in result.output
    )


def test_secrets_readable_by_others_are_an_error(
    app_factory: Any, network: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_factory(**SAFE)
    _confirm_every_recovery_key(app, network)
    settings_file = tmp_path / "reporter.toml"
    settings_file.write_text('secret_key = "' + "k" * 48 + '"\n')
    settings_file.chmod(0o644)
    monkeypatch.setenv("REPORTER_CONFIG", str(settings_file))
    result = _check(app)
    assert result.exit_code == 1
    assert "The settings file, which holds a secret, " in result.output
    settings_file.chmod(0o600)
    assert _check(app).exit_code == 0
    # A settings file without a secret may be read by anyone.
    settings_file.write_text('site_name = "Reporter"\n')
    settings_file.chmod(0o644)
    assert _check(app).exit_code == 0
    instance = Path(app.extensions["reporter.settings"].instance_path)
    instance.chmod(0o755)
    try:
        result = _check(app)
        assert result.exit_code == 1 and "The instance folder" in result.output
    finally:
        instance.chmod(0o700)


def test_a_database_behind_the_code_is_an_error(app_factory: Any, tmp_path: Path) -> None:
    app = app_factory(**SAFE, database_url=f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrate.upgrade(engine_of(app), "0008")
    result = _check(app)
    assert result.exit_code == 1
    assert "the database is at revision 0008, the code needs 0009" in result.output
    migrate.upgrade(engine_of(app))
    assert _check(app).exit_code == 0
