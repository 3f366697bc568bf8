"""Protected statistics as files: JSON (described in docs/exports.md), CSV and XLSX.

Both carry every cell of every table, totals included (the value `_total` in a dimension marks a
total), each with its count or, when hidden, none; and a metadata block: the organisation, the
scope, the threshold, the day it was made, and how many cells were hidden for each reason. Which
reason hid which cell is not said: a cell hidden only to protect another is zero or at least the
threshold, and knowing which cells those are would help narrow the small ones. Both
use the vocabulary's keys (violation types, country codes, perpetrator and population keys), so a
file reads the same in any language; the pages show the labels. The spreadsheet is for people: one
sheet per table in the language asked for, with the keys beside the labels, and a first sheet
saying what the export covers. The printable brief and its PDF are in `statistics/brief.py`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from typing import Any

from flask_babel import force_locale

from reporter.statistics import brief, presentation
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
    "region": "region",
    "month": "month",
    "perpetrator": "perpetrator_type",
    "population": "population",
}
COUNTS = {
    "country": "acts",
    "region": "acts (a country's code: its regions too small to show apart, and no region said)",
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
        "checked_with_earlier_exports": protected.checked_with,
        "suppression_notes": [
            f"Cells below {protected.threshold} are hidden; no hidden cell can be worked out "
            f"from the published ones to an interval narrower than {protected.threshold} "
            "(checked by linear programming over every table of this export).",
            (
                f"Checked together with the {protected.checked_with} earlier exports of "
                "overlapping scope: comparing them reveals no hidden cell, and no count that only "
                "their difference singles out, to an interval narrower than that either."
                if protected.checked_with
                else "No earlier export of this organisation overlaps this one."
            ),
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
                    safe_cell(row),
                    DIMENSION[table.name],
                    safe_cell(column),
                    "" if shown is None else str(shown),
                    "yes" if shown is None else "",
                ]
            )
    return out.getvalue()


def safe_cell(text: str) -> str:
    """A value a spreadsheet would read as a formula gets a leading apostrophe (OWASP's advice
    for CSV injection); the vocabulary's keys never start so, but a region or a place could."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def xlsx_bytes(protected: Protected, organisation: str, scope: Scope, made_on: dt.date) -> bytes:
    """The export as a spreadsheet, labelled in the language in force (call within a request or
    `force_locale`). Written row by row in constant memory; every text goes in as a string, so
    no cell is ever read as a formula, and every count as a number."""
    from xlsxwriter import Workbook  # only the spreadsheet needs it

    out = io.BytesIO()
    workbook = Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True})
    wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})
    about_sheet = workbook.add_worksheet(_sheet_name(str(presentation.ABOUT_HEADING), set()))
    about_sheet.set_column(0, 0, 34)
    about_sheet.set_column(1, 1, 80)
    for line, (what, value) in enumerate(
        presentation.about(protected, organisation, scope, made_on)
    ):
        about_sheet.write_string(line, 0, what, bold)
        about_sheet.write_string(line, 1, value, wrapped)
    names = {about_sheet.name}
    for index, table in enumerate(protected.tables):
        sheet = workbook.add_worksheet(_sheet_name(str(presentation.HEADINGS[table.name]), names))
        names.add(sheet.name)
        columns = [*table.columns, TOTAL]
        sheet.set_column(0, 0, 40)
        # Constant memory writes row by row: a row is complete before the next begins.
        sheet.write_string(0, 0, str(presentation.WHAT_HAPPENED), bold)
        sheet.write_string(0, 1, "", bold)
        for place, column in enumerate(columns, start=2):
            sheet.write_string(0, place, presentation.column_label(table.name, column), bold)
        sheet.write_string(1, 0, "", bold)
        sheet.write_string(1, 1, "violation_type", bold)
        for place, column in enumerate(columns, start=2):
            sheet.write_string(1, place, column, bold)
        for line, row in enumerate([*table.rows, TOTAL], start=2):
            sheet.write_string(line, 0, presentation.row_label(row))
            sheet.write_string(line, 1, row)
            for place, column in enumerate(columns, start=2):
                shown = protected.shown(index, row, column)
                if shown is None:
                    sheet.write_string(line, place, presentation.HIDDEN_MARK)
                else:
                    sheet.write_number(line, place, shown)
        sheet.write_string(len(table.rows) + 4, 0, presentation.hidden_note(protected.threshold))
    workbook.close()
    return out.getvalue()


def _sheet_name(heading: str, taken: set[str]) -> str:
    """A sheet's name: at most 31 characters, none of []:*?/\\, not used yet."""
    name = "".join(" " if letter in "[]:*?/\\" else letter for letter in heading)[:31].strip()
    number = 2
    while name in taken or not name:
        suffix = f" {number}"
        name = name[: 31 - len(suffix)] + suffix
        number += 1
    return name


FORMATS = ("json", "csv", "xlsx", "pdf")
MIMETYPES = {
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def render(
    protected: Protected,
    organisation: str,
    scope: Scope,
    made_on: dt.date,
    file_format: str,
    language: str = "en",
) -> bytes:
    """The export as the bytes of a file: "json", "csv" (UTF-8), "xlsx" or "pdf" (the brief).
    The spreadsheet and the brief are in `language`; JSON and CSV use the keys. Needs a request
    context (the brief is a template)."""
    if file_format == "pdf":
        html = brief.brief_html(protected, organisation, scope, made_on, language)
        return brief.pdf_bytes(html)
    if file_format == "xlsx":
        with force_locale(language):
            return xlsx_bytes(protected, organisation, scope, made_on)
    if file_format == "json":
        document = json_document(protected, organisation, scope, made_on)
        return json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")
    return csv_text(protected, organisation, scope, made_on).encode("utf-8")
