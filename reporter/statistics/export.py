"""Protected statistics as files: JSON (described in docs/exports.md) and CSV.

Both carry every cell of every table, totals included (the value `_total` in a dimension marks a
total), each with its count or, when hidden, none; and a metadata block: the organisation, the
scope, the threshold, the day it was made, and how many cells were hidden for each reason. Which
reason hid which cell is not said: a cell hidden only to protect another is zero or at least the
threshold, and knowing which cells those are would help narrow the small ones. Both
use the vocabulary's keys (violation types, country codes, perpetrator and population keys), so a
file reads the same in any language; the pages show the labels.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from typing import Any

from reporter.statistics.disclosure import (
    LINKED,
    ONE_REPORT,
    SECONDARY,
    SMALL,
    TOTAL,
    WHOLE_GROUP,
    Protected,
)
from reporter.statistics.tables import Scope

# The second dimension of each table, as the files name it.
DIMENSION = {
    "country": "country",
    "month": "month",
    "perpetrator": "perpetrator_type",
    "population": "population",
}
COUNTS = {
    "country": "acts",
    "month": "acts",
    "perpetrator": "acts naming each perpetrator type (an act naming two counts under both)",
    "population": "acts naming each population (an act naming two counts under both)",
}
REASONS = {
    SMALL: "above zero and below the threshold",
    ONE_REPORT: "made up by fewer than two reports",
    WHOLE_GROUP: "the only non-zero cell of its row: the zeros beside it would describe everyone",
    LINKED: "the same total is hidden in another table",
    SECONDARY: "hidden so that another hidden cell cannot be worked out from the others",
}


def _metadata(
    protected: Protected, organisation: str, scope: Scope, made_on: dt.date
) -> dict[str, Any]:
    hidden = Counter(protected.reasons[cell] for cell in protected.hidden)
    return {
        "organisation": organisation,
        "scope": {
            "countries": sorted(scope.countries),
            "violation_types": sorted(scope.violations),
            "first_month": scope.first_month or None,
            "last_month": scope.last_month or None,
        },
        "threshold": protected.threshold,
        "generated_on": made_on.isoformat(),
        "suppressed": {reason: hidden[reason] for reason in REASONS if hidden[reason]},
        "suppression_notes": [
            f"Cells below {protected.threshold} are hidden; no hidden cell can be worked out "
            f"from the published ones to an interval narrower than {protected.threshold} "
            "(checked by linear programming over every table of this export).",
            *(f"{reason}: {REASONS[reason]}" for reason in REASONS if hidden[reason]),
        ],
    }


def json_document(
    protected: Protected, organisation: str, scope: Scope, made_on: dt.date
) -> dict[str, Any]:
    """The export as one JSON-ready document."""
    tables = []
    for index, table in enumerate(protected.tables):
        dimension = DIMENSION[table.name]
        cells = []
        for row, column in table.positions():
            shown = protected.shown(index, row, column)
            cell: dict[str, Any] = {"violation_type": row, dimension: column, "count": shown}
            if shown is None:
                cell["suppressed"] = True
            cells.append(cell)
        tables.append(
            {
                "name": table.name,
                "dimensions": ["violation_type", dimension],
                "counts": COUNTS[table.name],
                "cells": cells,
            }
        )
    return {
        "metadata": _metadata(protected, organisation, scope, made_on),
        "tables": tables,
        "total_marker": TOTAL,
    }


def csv_text(protected: Protected, organisation: str, scope: Scope, made_on: dt.date) -> str:
    """The export as CSV: the metadata as `#` lines, then one line per cell of every table.
    Every field is written as text, quoted, so no spreadsheet reads one as a formula."""
    out = io.StringIO()
    metadata = _metadata(protected, organisation, scope, made_on)
    for note in (
        f"organisation: {organisation}",
        f"generated_on: {metadata['generated_on']}",
        f"threshold: {protected.threshold}",
        f"scope: {metadata['scope']}",
        *metadata["suppression_notes"],
    ):
        out.write(f"# {note}\n")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(["table", "violation_type", "dimension", "value", "count", "suppressed"])
    for index, table in enumerate(protected.tables):
        for row, column in table.positions():
            shown = protected.shown(index, row, column)
            writer.writerow(
                [
                    table.name,
                    _safe(row),
                    DIMENSION[table.name],
                    _safe(column),
                    "" if shown is None else str(shown),
                    "yes" if shown is None else "",
                ]
            )
    return out.getvalue()


def _safe(text: str) -> str:
    """A value a spreadsheet would read as a formula gets a leading apostrophe (OWASP's advice
    for CSV injection); the vocabulary's keys never start so, but a region or a place could."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render(
    protected: Protected, organisation: str, scope: Scope, made_on: dt.date, file_format: str
) -> str:
    """The export as the text of a file: "json" or "csv"."""
    if file_format == "json":
        document = json_document(protected, organisation, scope, made_on)
        return json.dumps(document, indent=1, ensure_ascii=False)
    return csv_text(protected, organisation, scope, made_on)
