"""The tables advocates read and export, built in memory from the opened contributions.

Four tables share their rows, the violation types: by country and by month count acts (an act
once), so their totals are linked; by perpetrator counts (act, perpetrator) pairs and by population
(act, population) pairs, each at least once per act. Every table comes with how many reports make
up each cell, which the disclosure control needs (`statistics/disclosure.py`). A table with a
single column is left out: it would repeat the row totals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from reporter.statistics.disclosure import Table
from reporter.statistics.service import ACTS, BY_PERPETRATOR, BY_POPULATION, Cell

# Positions in a cell: (country, region, year-month, violation, perpetrator, population, measure).
_COUNTRY, _MONTH, _VIOLATION, _PERPETRATOR, _POPULATION, _MEASURE = 0, 2, 3, 4, 5, 6


@dataclass(frozen=True)
class Scope:
    """What an export covers; an empty set means every value."""

    countries: frozenset[str] = frozenset()
    violations: frozenset[str] = frozenset()
    first_month: str = ""  # "YYYY-MM", inclusive
    last_month: str = ""

    def admits(self, cell: Cell) -> bool:
        month = cell[_MONTH]
        return (
            (not self.countries or cell[_COUNTRY] in self.countries)
            and (not self.violations or cell[_VIOLATION] in self.violations)
            and (not self.first_month or (bool(month) and month >= self.first_month))
            and (not self.last_month or (bool(month) and month <= self.last_month))
        )


# (table name, measure counted, column position, link, covers, protect zeros)
_LAYOUT = (
    ("country", ACTS, _COUNTRY, "acts", "", False),
    ("month", ACTS, _MONTH, "acts", "", False),
    ("perpetrator", BY_PERPETRATOR, _PERPETRATOR, "perpetrator_pairs", "acts", False),
    ("population", BY_POPULATION, _POPULATION, "population_pairs", "acts", True),
)


def build(contributions: Iterable[Counter[Cell]], scope: Scope) -> list[Table]:
    """The four tables of an export, from each counted case's contribution, within the scope."""
    cells: dict[str, Counter[tuple[str, str]]] = {name: Counter() for name, *_ in _LAYOUT}
    reports: dict[str, Counter[tuple[str, str]]] = {name: Counter() for name, *_ in _LAYOUT}
    # Which tables a cell of each measure adds to, and at which position its column value is.
    targets: dict[str, list[tuple[str, int]]] = {}
    for name, measure, column, *_ in _LAYOUT:
        targets.setdefault(measure, []).append((name, column))
    everything = scope == Scope()
    violations: set[str] = set()
    for contribution in contributions:
        seen: set[tuple[str, tuple[str, str]]] = set()
        for cell, amount in contribution.items():
            tables_of_cell = targets.get(cell[_MEASURE])
            if not tables_of_cell or amount <= 0:
                continue
            if not everything and not scope.admits(cell):
                continue
            violation = cell[_VIOLATION]
            violations.add(violation)
            for name, column in tables_of_cell:
                key = (violation, cell[column])
                cells[name][key] += amount
                seen.add((name, key))
        for name, key in seen:
            reports[name][key] += 1
    rows = sorted(violations)
    tables = [
        Table(
            name=name,
            rows=rows,
            columns=sorted({column_value for _, column_value in cells[name]}),
            cells=dict(cells[name]),
            reports=dict(reports[name]),
            link=link,
            covers=covers,
            protect_zeros=protect_zeros,
        )
        for name, _measure, _column, link, covers, protect_zeros in _LAYOUT
    ]
    # A table of one column (a national organisation's one country, a single month) repeats its
    # row totals and nothing else: it only gives the disclosure control less room.
    return [table for table in tables if len(table.columns) > 1]
