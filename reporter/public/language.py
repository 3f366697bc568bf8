"""Public blueprints: every page lives under /<lang>/, where the URL names the language."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g

from reporter.context import current_settings
from reporter.i18n import negotiate


def public_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint whose URLs start with a supported language code."""
    blueprint = Blueprint(name, import_name, url_prefix="/<lang>")

    @blueprint.url_value_preprocessor
    def take_language(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        language = (values or {}).pop("lang", None)
        if language not in current_settings().languages:
            # A forged or unknown language code: answer in the negotiated language.
            abort(404)
        g.lang = language

    @blueprint.url_defaults
    def add_language(_endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang", g.get("lang") or negotiate(current_settings()))

    return blueprint
