"""Language handling: the language is in the public URL; elsewhere it is negotiated."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel

from reporter.context import current_settings
from reporter.settings import Settings

# Each language named in itself, as a person looking for their own would recognise it.
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Español",
    "pt": "Português",
    "fr": "Français",
    "ru": "Русский",
    "uk": "Українська",
    "ar": "العربية",
    "sw": "Kiswahili",
    "id": "Bahasa Indonesia",
    "zh": "中文（简体）",
}
RIGHT_TO_LEFT: frozenset[str] = frozenset({"ar", "fa", "he", "ur"})


def negotiate(settings: Settings) -> str:
    best = request.accept_languages.best_match(settings.languages)
    return best or settings.default_language


def current_language() -> str:
    """The URL's language; on error pages raised before routing, the path's first segment."""
    language = g.get("lang")
    if language:
        return str(language)
    settings = current_settings()
    first_segment = request.path.strip("/").split("/", 1)[0]
    if first_segment in settings.languages:
        return first_segment
    return negotiate(settings)


def text_direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=current_language)
