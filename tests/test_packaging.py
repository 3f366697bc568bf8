"""The wheel carries every package, the catalogs and the migrations (see scripts/check_wheel.sh)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _declared() -> set[str]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        setuptools = tomllib.load(handle)["tool"]["setuptools"]
    return set(setuptools["packages"])


def test_every_package_of_reporter_is_in_the_wheel() -> None:
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "reporter").rglob("__init__.py")
    }
    assert found - _declared() == set()


def test_translations_and_migrations_are_mapped_into_the_package() -> None:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        package_dir = tomllib.load(handle)["tool"]["setuptools"]["package-dir"]
    assert package_dir == {
        "reporter.migrations": "migrations",
        "reporter.translations": "translations",
    }
    assert {
        "reporter.migrations",
        "reporter.migrations.versions",
        "reporter.translations",
    } <= _declared()
    assert (ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.mo").is_file()
    assert (ROOT / "migrations" / "env.py").is_file()
