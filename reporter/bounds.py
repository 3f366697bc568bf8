"""Bounds for the integers that come from URLs: ids in paths and page numbers in query strings.

A number from a URL reaches the database as a query parameter; one that does not fit the column
(SQLite's 64 bits, PostgreSQL's 32-bit integer) raises deep inside the driver and would answer
500. Every id and page number is therefore checked once, here, against the smallest integer
column: past it nothing can exist, so the answer is 404.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import IntegerConverter, Map

# PostgreSQL's INTEGER, the narrowest id column.
MAX_ID = 2**31 - 1
MAX_PAGE = MAX_ID
CONVERTER = "id"
_DIGITS = re.compile(r"[0-9]{1,10}")


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive whole number that fits an id column; anything else is a 404."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def register_converter(state: BlueprintSetupState) -> None:
    """For `Blueprint.record_once`, before the blueprint's first route: rules are compiled as they
    are registered, so the converter must be known by then."""
    state.app.url_map.converters.setdefault(CONVERTER, IdConverter)


def page_number(raw: str | None) -> int:
    """The page asked for in `?page=`: absent is page 1; anything but a whole number from 1 to
    MAX_PAGE (written in ASCII digits) is a 404, like a path that names nothing."""
    if raw is None:
        return 1
    if not _DIGITS.fullmatch(raw):
        abort(404)
    number = int(raw)
    if not 1 <= number <= MAX_PAGE:
        abort(404)
    return number
