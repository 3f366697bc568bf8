"""Public blueprints: every page lives under /<lang>/, where the URL names the language."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, abort, g
from werkzeug.routing import BaseConverter, Map

from reporter.context import current_settings
from reporter.i18n import negotiate


class LanguageConverter(BaseConverter):
    """A first path segment that names one of the instance's languages; anything else matches
    no route, and is a plain 404 (never a redirect to the same address with a slash)."""

    languages: tuple[str, ...] = ()

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, *args, **kwargs)
        self.regex = "|".join(re.escape(code) for code in self.languages) or "(?!)"


def register_language_converter(app: Flask, languages: tuple[str, ...]) -> None:
    app.url_map.converters["lang"] = type(
        "InstanceLanguageConverter", (LanguageConverter,), {"languages": tuple(languages)}
    )


def public_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint whose URLs start with a supported language code."""
    blueprint = Blueprint(name, import_name, url_prefix="/<lang:lang>")

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
