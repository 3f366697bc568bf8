"""Bar charts of the protected statistics, drawn on the server by matplotlib as SVG.

A chart shows only what the tables show: the totals of a table's columns (and of its rows, the
kinds of violation), each its published count; a hidden total draws no bar and its label carries
the hidden mark. The SVG holds no script and loads nothing: the page and the brief embed it as an
image (a `data:` address, which the Content-Security-Policy allows), with a text alternative
that says every value, and the same numbers are in the table beside it.

Text is written as text (`svg.fonttype: none`), so the reader's fonts draw every script; the
file carries no date and fixed ids, so the same figures give the same bytes.
"""

from __future__ import annotations

import base64
import io
import textwrap
import warnings
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from reporter.statistics.disclosure import TOTAL, Protected
from reporter.statistics.presentation import (
    HEADINGS,
    HIDDEN_MARK,
    KINDS_HEADING,
    column_label,
    row_label,
)

BAR_COLOUR = "#1d70b8"
TEXT_COLOUR = "#0b0c0c"
# Typed loosely: matplotlib types its settings by name, one literal each.
STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "reporter-statistics",
    "font.family": "sans-serif",
    "font.size": 11,
    "text.color": TEXT_COLOUR,
    "axes.labelcolor": TEXT_COLOUR,
    "xtick.color": TEXT_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None  # None: hidden


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    alternative: str  # every value drawn, in words, for the image's alt text
    svg: bytes
    # How many bars it draws, and of how many: the table beside it has them all.
    drawn: int
    of: int

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg).decode("ascii")


def _bars_of_table(protected: Protected, index: int) -> list[Bar]:
    table = protected.tables[index]
    bars = [
        Bar(column_label(table.name, column), protected.shown(index, TOTAL, column))
        for column in table.columns
    ]
    if table.name == "month":
        return bars  # in time order
    return sorted(bars, key=lambda bar: (bar.value is None, -(bar.value or 0)))


def _bars_of_kinds(protected: Protected) -> list[Bar]:
    # The first table by kind of violation (the region table shows every kind together).
    index = next((n for n, table in enumerate(protected.tables) if table.rows), None)
    if index is None:
        return []
    table = protected.tables[index]
    bars = [Bar(row_label(row), protected.shown(index, row, TOTAL)) for row in table.rows]
    return sorted(bars, key=lambda bar: (bar.value is None, -(bar.value or 0)))


# A chart of more bars than this (some 200 regions) shows the largest only: more would be
# unreadable on a phone and take seconds to draw; the table beside it holds them all.
MOST_BARS = 20


def _alternative(title: str, bars: list[Bar], of: int) -> str:
    values = "; ".join(
        f"{bar.label}: {HIDDEN_MARK if bar.value is None else bar.value}" for bar in bars
    )
    if len(bars) < of:
        return str(
            _(
                "Bar chart, %(title)s, the %(count)d largest of %(all)d. %(values)s.",
                title=title,
                count=len(bars),
                all=of,
                values=values,
            )
        )
    return str(_("Bar chart, %(title)s. %(values)s.", title=title, values=values))


def _draw(bars: list[Bar]) -> bytes:
    """Horizontal bars, the first at the top: long names wrap and stay readable on a phone."""
    # Imported here: matplotlib takes a second to load, and only the statistics draw.
    import matplotlib
    from matplotlib.figure import Figure

    labels = [
        textwrap.fill(bar.label if bar.value is not None else f"{bar.label} ({HIDDEN_MARK})", 24)
        for bar in bars
    ]
    values = [bar.value or 0 for bar in bars]
    # A name wrapped over several lines gets as many lines of room (at least two), so long
    # names never run into each other; the bars keep one thickness.
    room = [max(2, label.count("\n") + 1) for label in labels]
    positions = [sum(room[:index]) + room[index] / 2 for index in range(len(bars))]
    with matplotlib.rc_context(STYLE), warnings.catch_warnings():
        # Letters outside matplotlib's own font only make its layout a little rough: the
        # reader's browser or the PDF draws them with fonts that have them.
        warnings.simplefilter("ignore", UserWarning)
        # The axes take the figure's whole height, a line of text (11 pt) 0.2 inch of it;
        # `bbox_inches="tight"` then adds the names' width on the left.
        figure = Figure(figsize=(4.5, 0.2 * sum(room)), dpi=72)
        figure.subplots_adjust(left=0, right=1, top=1, bottom=0)
        axes = figure.subplots()
        drawn = axes.barh(positions, values, height=1.6, color=BAR_COLOUR)
        axes.set_yticks(positions, labels)
        axes.set_ylim(sum(room), 0)  # the first bar at the top
        axes.bar_label(
            drawn, padding=3, labels=["" if bar.value is None else str(bar.value) for bar in bars]
        )
        axes.tick_params(length=0)
        axes.xaxis.set_visible(False)
        out = io.BytesIO()
        figure.savefig(
            out, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None}
        )
    return out.getvalue()


def charts(protected: Protected) -> dict[str, Chart]:
    """One chart of the kinds of violation ("kinds"), then one for each table's columns (by
    the table's name); a chart with no count to show is left out."""
    if not protected.tables:
        return {}
    made: dict[str, Chart] = {}
    kinds = _bars_of_kinds(protected)
    if any(bar.value for bar in kinds):
        made["kinds"] = _chart("kinds", str(KINDS_HEADING), kinds)
    for index, table in enumerate(protected.tables):
        bars = _bars_of_table(protected, index)
        if any(bar.value for bar in bars):
            made[table.name] = _chart(table.name, str(HEADINGS[table.name]), bars)
    return made


def _chart(name: str, title: str, bars: list[Bar]) -> Chart:
    """The chart of these bars; of many, the largest only (months stay whole, in time order)."""
    shown = bars if name == "month" else bars[:MOST_BARS]
    return Chart(
        name, title, _alternative(title, shown, len(bars)), _draw(shown), len(shown), len(bars)
    )
