"""What every template can use: settings, languages, vocabularies, translated status names."""

from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from reporter import vocabulary
from reporter.context import current_settings
from reporter.i18n import LANGUAGE_NAMES, current_language, text_direction

STATUS_LABELS = {
    "received": _l("Received, waiting to be read"),
    "in_review": _l("Being read by staff"),
    "in_progress": _l("Staff are working on it"),
    "closed": _l("Closed"),
    "withdrawn": _l("Withdrawn by you"),
}

# Pages reached only by a form post: switching language there leads to the form's start.
_POST_ONLY_FALLBACK = {"followup": "followup.login", "reports": "reports.start"}


def switch_language_url(language: str) -> str:
    """The same page in another language, or its start where the page was a form answer."""
    rule = request.url_rule
    endpoint = request.endpoint or ""
    if rule is not None and rule.methods and "GET" in rule.methods and "lang" in rule.arguments:
        arguments = dict(request.view_args or {})
        return url_for(endpoint, **{**arguments, "lang": language})
    fallback = _POST_ONLY_FALLBACK.get(endpoint.split(".", 1)[0], "pages.index")
    return url_for(fallback, lang=language)


def init_app(app: Flask) -> None:
    @app.context_processor
    def common() -> dict[str, Any]:
        settings = current_settings()
        return {
            "lang": current_language(),
            "site_name": settings.site_name,
            "quick_exit_url": settings.quick_exit_url,
            "languages": settings.languages,
            "language_names": LANGUAGE_NAMES,
            "text_direction": text_direction,
            "switch_language_url": switch_language_url,
            "vocabulary": vocabulary,
            "status_labels": STATUS_LABELS,
            "format_date": format_date,
        }
