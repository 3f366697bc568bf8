"""Settings come from defaults, a TOML file and REPORTER_* variables, typed and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from reporter.settings import SettingsError, load_settings


def test_environment_overrides_file_and_types_are_converted(tmp_path: Path) -> None:
    config = tmp_path / "reporter.toml"
    config.write_text(
        'site_name = "From file"\nmax_attachments = 3\nlanguages = ["es", "pt"]\ndefault_language = "es"\n'
    )
    settings = load_settings(
        environ={
            "REPORTER_CONFIG": str(config),
            "REPORTER_INSTANCE_PATH": str(tmp_path / "inst"),
            "REPORTER_MAX_ATTACHMENTS": "4",
            "REPORTER_LOG_PUBLIC_REQUESTS": "no",
        }
    )
    assert settings.site_name == "From file"
    assert settings.max_attachments == 4
    assert settings.languages == ("es", "pt")
    assert settings.log_public_requests is False
    assert settings.database_url == f"sqlite:///{tmp_path / 'inst' / 'reporter.sqlite3'}"


def test_secrets_are_generated_once_with_private_permissions(tmp_path: Path) -> None:
    first = load_settings(environ={"REPORTER_INSTANCE_PATH": str(tmp_path)})
    second = load_settings(environ={"REPORTER_INSTANCE_PATH": str(tmp_path)})
    assert first.secret_key == second.secret_key and len(first.secret_key) > 40
    assert first.receipt_pepper == second.receipt_pepper != first.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        load_settings(
            environ={"REPORTER_INSTANCE_PATH": str(tmp_path), "REPORTER_MAX_ATTACHMENTS": "many"}
        )
    with pytest.raises(SettingsError):
        load_settings(
            environ={"REPORTER_INSTANCE_PATH": str(tmp_path), "REPORTER_LANGUAGES": "en,xx"}
        )
    with pytest.raises(SettingsError):
        load_settings(environ={"REPORTER_INSTANCE_PATH": str(tmp_path)}, no_such_setting=1)
    config = tmp_path / "c.toml"
    config.write_text("mystery = 1\n")
    with pytest.warns(UserWarning, match="mystery"):
        load_settings(
            environ={"REPORTER_INSTANCE_PATH": str(tmp_path), "REPORTER_CONFIG": str(config)}
        )
