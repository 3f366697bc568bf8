"""The printable brief: the statistics as one page to print, in a chosen language, and that
page as a PDF drawn by WeasyPrint.

WeasyPrint reads nothing from the network: the only addresses it may open are our stylesheets
(read from the package) and the charts' `data:` images; any other address is refused. It is
imported only when a PDF is asked for: it takes a while to load.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

from flask import render_template
from flask_babel import force_locale

from reporter.statistics import presentation
from reporter.statistics.charts import charts
from reporter.statistics.disclosure import Protected
from reporter.statistics.tables import Scope

# An address no request can reach: the brief's links resolve against it, and the fetcher
# answers only for our own stylesheets under it.
BASE_URL = "https://brief.invalid/"
_STATIC = BASE_URL + "static/"
_STYLESHEETS = ("site.css", "staff.css")
COLUMNS_PER_PRINTED_TABLE = 8


def brief_html(
    protected: Protected,
    organisation: str,
    scope: Scope,
    made_on: dt.date,
    language: str,
    arguments: str | None = None,
) -> str:
    """The brief's page. `arguments`, the statistics page's query, adds the links back to it
    and to the PDF (left out of the PDF itself and of files made on the command line)."""
    with force_locale(language):
        return render_template(
            "staff/stats_brief.html",
            lang=language,
            protected=protected,
            charts=charts(protected),
            about=presentation.about(protected, organisation, scope, made_on),
            arguments=arguments,
            present=presentation,
            # A printed page holds about eight columns of counts beside the names.
            columns_per_table=COLUMNS_PER_PRINTED_TABLE,
        )


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class BriefFetcher(URLFetcher):  # type: ignore[misc]
        """Our stylesheets from the package, `data:` images as they are, nothing else."""

        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url)
            name = url.removeprefix(_STATIC).split("?", 1)[0]
            if url.startswith(_STATIC) and name in _STYLESHEETS:
                css = resources.files("reporter").joinpath("static", name).read_bytes()
                return URLFetcherResponse(url, css, {"Content-Type": "text/css; charset=utf-8"})
            raise ValueError(f"the brief may not load {url}")

    return BriefFetcher()


def pdf_bytes(html: str) -> bytes:
    """The brief's page as a PDF (its print stylesheet applies)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher())
    return bytes(document.write_pdf())
