"""Published stories as files: JSON and CSV (docs/exports.md, "Published stories").

Both carry a metadata block (the organisation, the filters, the day the file was made, how many
stories) and each story: its redacted text, the country code, the violation type keys and the
month of approval. Codes and keys are the vocabulary's, so a file reads the same in any language;
the page shows the labels. Only approved stories are ever in a file: a story whose approval was
withdrawn has no published copy left to export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

from reporter.advocacy.service import StoryFilters
from reporter.casework.service import PublishedStory
from reporter.statistics.export import safe_cell

COLUMNS = ("approved_month", "country", "violation_types", "text")


def _metadata(
    organisation: str, filters: StoryFilters, made_on: dt.date, count: int
) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "filters": {
            "countries": sorted(filters.countries),
            "violation_types": sorted(filters.violations),
            "first_month": filters.first_month or None,
            "last_month": filters.last_month or None,
        },
        "generated_on": made_on.isoformat(),
        "count": count,
    }


def json_document(
    stories: Sequence[PublishedStory], organisation: str, filters: StoryFilters, made_on: dt.date
) -> dict[str, Any]:
    """The export as one JSON-ready document."""
    return {
        "metadata": _metadata(organisation, filters, made_on, len(stories)),
        "stories": [
            {
                "text": story.text,
                "country": story.country,
                "violation_types": list(story.violations),
                "approved_month": story.approved_on,
            }
            for story in stories
        ],
    }


def csv_text(
    stories: Sequence[PublishedStory], organisation: str, filters: StoryFilters, made_on: dt.date
) -> str:
    """The export as CSV: the metadata as `#` lines, then a header and one line per story. Every
    field is quoted text, and one that a spreadsheet would read as a formula gets a leading
    apostrophe."""
    out = io.StringIO()
    metadata = _metadata(organisation, filters, made_on, len(stories))
    for note in (
        f"organisation: {organisation}",
        f"generated_on: {metadata['generated_on']}",
        f"filters: {metadata['filters']}",
        f"count: {metadata['count']}",
    ):
        out.write(f"# {note}\n")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(COLUMNS)
    for story in stories:
        writer.writerow(
            [
                safe_cell(story.approved_on),
                safe_cell(story.country),
                safe_cell(" ".join(story.violations)),
                safe_cell(story.text),
            ]
        )
    return out.getvalue()


def render(
    stories: Sequence[PublishedStory],
    organisation: str,
    filters: StoryFilters,
    made_on: dt.date,
    file_format: str,
) -> str:
    """The export as the text of a file: "json" or "csv"."""
    if file_format == "json":
        document = json_document(stories, organisation, filters, made_on)
        return json.dumps(document, indent=1, ensure_ascii=False)
    return csv_text(stories, organisation, filters, made_on)
