"""How the statistics read in a language: headings, row and column labels, shown values.

The page, the charts, the spreadsheet and the brief all name things through here, so a table
reads the same in every form. Call within a request (or `flask_babel.force_locale`): the labels
follow the language in force.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from reporter import labels
from reporter.statistics.disclosure import (
    LINKED,
    ONE_REPORT,
    SECONDARY,
    SMALL,
    TOTAL,
    WHOLE_GROUP,
    Protected,
)
from reporter.statistics.tables import REGION_TABLE, Scope
from reporter.templating import month_label
from reporter.vocabulary import places

HIDDEN_MARK = "x"
HEADINGS = {
    "country": _l("Acts by country"),
    "region": _l("Acts by region"),
    "month": _l("Acts by month"),
    "perpetrator": _l("Acts by who did it"),
    "population": _l("Acts by who it happened to"),
}
KINDS_HEADING = _l("Acts by kind of violation")
ABOUT_HEADING = _l("About these numbers")
WHAT_HAPPENED = _l("What happened")
PLACE = _l("Where")
ACTS = _l("Acts")


def _language() -> str:
    """The language in force (the page's, or the one an export was asked in)."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def column_label(table_name: str, value: str) -> str:
    """The name of a column of a table (a country, a month, a perpetrator type, a population)."""
    if value == TOTAL:
        return str(_("Total"))
    if table_name == "country":
        return places.country_name(value, _language())
    if table_name == REGION_TABLE:
        return region_column_label(value)
    if table_name == "month":
        return month_label(value) or str(_("Not known"))
    if table_name == "perpetrator":
        return str(labels.PERPETRATOR_LABELS.get(value, value))
    if not value:
        return str(_("Not said"))
    return str(labels.POPULATION_LABELS.get(value, value))


def region_column_label(value: str) -> str:
    """A region by name with its country; a country's code: the rest of that country."""
    language = _language()
    country = value.split("-")[0]
    country_name = places.country_name(country, language)
    if value == country:
        return str(_("%(country)s: other regions, or none said", country=country_name))
    region = dict(places.regions(country, language)).get(value, value)
    return str(_("%(region)s (%(country)s)", region=region, country=country_name))


def row_label(value: str) -> str:
    """The name of a row: a violation type, or the total."""
    if value == TOTAL:
        return str(_("Total"))
    return str(labels.VIOLATION_LABELS.get(value, value))


def shown_text(protected: Protected, table: int, row: str, column: str) -> str:
    """A cell as printed: its count, or the mark of a hidden cell."""
    shown = protected.shown(table, row, column)
    return HIDDEN_MARK if shown is None else str(shown)


def hidden_note(threshold: int) -> str:
    return str(
        _(
            "x: not shown. Either fewer than %(threshold)d, or made up by a single report, or hidden "
            "so that a small number cannot be worked out from the others.",
            threshold=threshold,
        )
    )


REASON_LABELS = {
    SMALL: _l("above zero and below the threshold"),
    ONE_REPORT: _l("made up by a single report"),
    WHOLE_GROUP: _l(
        "the only number in its row that is not zero, so the zeros beside it would say something about everyone"
    ),
    LINKED: _l("the same total is hidden in another table"),
    SECONDARY: _l("hidden so that another hidden number cannot be worked out from the others"),
}


def scope_text(scope: Scope) -> tuple[str, str, str]:
    """What a scope covers, in words: (countries, kinds of violation, months)."""
    language = _language()
    countries = ", ".join(
        sorted(places.country_name(code, language) for code in scope.countries)
    ) or _("All")
    kinds = ", ".join(sorted(row_label(key) for key in scope.violations)) or _("All")
    first, last = month_label(scope.first_month), month_label(scope.last_month)
    if first and last:
        months = _("from %(first)s to %(last)s", first=first, last=last)
    elif first:
        months = _("from %(first)s", first=first)
    elif last:
        months = _("until %(last)s", last=last)
    else:
        months = _("All months")
    return str(countries), str(kinds), str(months)


def about(
    protected: Protected, organisation: str, scope: Scope, made_on: dt.date
) -> list[tuple[str, str]]:
    """What an export covers and how it was protected, as (what, value) lines."""
    countries, kinds, months = scope_text(scope)
    hidden = Counter(protected.reasons[cell] for cell in protected.hidden)
    lines = [
        (_("Organisation"), organisation),
        (_("Countries"), countries),
        (_("Kinds of violation"), kinds),
        (_("Months"), str(months)),
        (_("Made on"), str(format_date(made_on, "long"))),
        (_("Smallest number shown"), str(protected.threshold)),
        (_("Numbers not shown"), str(len(protected.hidden))),
        (_("Earlier downloads checked with this one"), str(protected.checked_with)),
    ]
    lines += [
        (str(REASON_LABELS[reason]), str(hidden[reason]))
        for reason in REASON_LABELS
        if hidden[reason]
    ]
    lines.append(
        (
            _("How the numbers are protected"),
            _(
                "Numbers below %(threshold)d are not shown. Other numbers are hidden too, so that "
                "no hidden number can be worked out from the ones shown, the totals included, to "
                "closer than %(threshold)d. A computer checked this for every table together.",
                threshold=protected.threshold,
            ),
        )
    )
    return lines
