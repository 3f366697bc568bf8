"""What every template can use: settings, languages, vocabularies, translated status names."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_skeleton
from flask import Flask, current_app, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf

from reporter import labels, vocabulary
from reporter.context import current_settings
from reporter.i18n import LANGUAGE_NAMES, current_language, text_direction
from reporter.reports.service import ReportContent
from reporter.vocabulary import places


def incident_date(content: ReportContent) -> str:
    """The incident date as precisely as the reporter knew it, in the page's language."""
    if content.incident_year is None:
        return "—"
    month = content.incident_month or 1
    day = content.incident_day or 1
    date = dt.date(content.incident_year, month, day)
    if content.incident_day:
        text = format_date(date, "long")
    elif content.incident_month:
        # The language's own month-and-year form, e.g. "marzo de 2024" in Spanish.
        text = format_skeleton("yMMMM", date, locale=get_locale())
    else:
        text = str(content.incident_year)
    return (
        str(_l("ongoing, since %(date)s", date=text))
        if content.date_precision == "ongoing"
        else text
    )


def month_label(value: str) -> str:
    """ "2025-03" as the language writes a month ("mars 2025"); "" is a month not known."""
    if not value:
        return ""
    year, month = (int(part) for part in value.split("-"))
    return str(format_date(dt.date(year, month, 1), "MMM y"))


def region_label(country: str, code: str, language: str) -> str:
    return dict(places.regions(country, language)).get(code, code)


def yes_no(value: bool) -> str:
    return str(_l("yes") if value else _l("no"))


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
            "assets": current_app.extensions["reporter.assets"],
            "neutral_title": settings.neutral_title,
            "serves_public": settings.serves_public,
            "search_engines_may_index": settings.search_engines_may_index,
            "quick_exit_url": settings.quick_exit_url,
            "languages": settings.languages,
            "language_names": LANGUAGE_NAMES,
            "text_direction": text_direction,
            "switch_language_url": switch_language_url,
            "vocabulary": vocabulary,
            "status_labels": labels.REPORTER_STATUS_LABELS,
            "case_status_labels": labels.CASE_STATUS_LABELS,
            "priority_labels": labels.PRIORITY_LABELS,
            "role_labels": labels.ROLE_LABELS,
            "passphrase_messages": labels.PASSPHRASE_MESSAGES,
            "violation_labels": labels.VIOLATION_LABELS,
            "violation_group_labels": labels.VIOLATION_GROUP_LABELS,
            "perpetrator_labels": labels.PERPETRATOR_LABELS,
            "location_labels": labels.LOCATION_LABELS,
            "population_labels": labels.POPULATION_LABELS,
            "relation_labels": labels.RELATION_LABELS,
            "protection_labels": labels.PROTECTION_LABELS,
            "reason_labels": labels.REASON_LABELS,
            "verification_labels": labels.VERIFICATION_LABELS,
            "intervention_labels": labels.INTERVENTION_LABELS,
            "intervention_status_labels": labels.INTERVENTION_STATUS_LABELS,
            "outcome_labels": labels.OUTCOME_LABELS,
            "incident_date": incident_date,
            "region_label": region_label,
            "month_label": month_label,
            "country_name": places.country_name,
            "yes_no": yes_no,
            "csrf_token": generate_csrf,
            "format_date": format_date,
        }
