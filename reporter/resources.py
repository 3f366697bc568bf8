"""Where the data folders that ship with the code are: gettext catalogs and Alembic migrations.

In the repository they sit at the top level (`translations/`, `migrations/`); the wheel maps them
into the package (`reporter/translations/`, `reporter/migrations/`, see pyproject.toml), so an
installed copy needs nothing outside site-packages. This is the one place that knows both.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"the {name}/ folder is missing from this installation")


def translations_folder() -> Path:
    return _shipped("translations")


def migrations_folder() -> Path:
    return _shipped("migrations")
