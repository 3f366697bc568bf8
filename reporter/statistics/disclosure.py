"""Disclosure control for everything the statistics show or export.

An export is a set of two-way tables that share their rows (violation types) and carry their row,
column and grand totals. Whoever reads it knows that every table adds up, and that tables counting
the same thing share their row totals; with linear programming they can narrow any hidden cell to
the interval its published neighbours allow. This module hides cells so that no cell hidden for
its own sake (a primary cell) can be narrowed to an interval narrower than the threshold, and
proves it for every such cell with HiGHS. Cells hidden only to protect another (secondary cells)
need no protection of their own: they are zero or at least the threshold, and could be shown.

1. Primary suppression: a cell (totals included) is hidden when it is above zero and below the
   threshold; when it holds acts of fewer than two reports (one report alone makes it up); and, in
   a table whose columns describe people (`protect_zeros`), when it is the only non-zero cell of a
   row of several columns: the zeros beside it would say that everyone in that row shares it (the
   empty column, "not said", describes nobody).
2. Secondary suppression: the audit (below) finds every hidden cell whose interval is too narrow;
   for each, the smallest visible other cell of its row (its total when none is left) and the
   total of its column (else its smallest visible other cell) are hidden too; a hidden row total is hidden in every linked
   table; when that finds nothing new, the smallest visible cell of the export is hidden. Repeat
   until the audit passes: each round hides at least one more cell, and once every cell is hidden
   none can be narrowed, so it ends.
3. Audit: one linear programme over every cell of every table (totals included), each published
   cell fixed to its value, each table's sums and each link between tables as equalities, every
   cell at least zero; each primary cell minimised and maximised. Its interval must be at least
   the threshold wide. Hiding one more cell frees one more variable, so an interval can only grow
   from one round to the next: each round audits only the cells that were too narrow in the last,
   and the cells that passed stay passed.

The tau-ARGUS manual and sdcTable describe the same attack (the "interval" or "LP" audit); the
heuristic here is a plain, auditable one, not an optimal one: it may hide more than needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np

TOTAL = "_total"
DEFAULT_THRESHOLD = 10
# What an organisation may choose: below 5, single events become recognisable.
MIN_THRESHOLD = 5
MAX_THRESHOLD = 100

# Why a cell is hidden, as exports state it.
SMALL = "small"  # above zero and below the threshold
ONE_REPORT = "one_report"  # fewer than two reports make it up
WHOLE_GROUP = "whole_group"  # the only non-zero cell of its row: the zeros beside it would tell
LINKED = "linked"  # the same total is hidden in a linked table
SECONDARY = "secondary"  # hidden so that a cell hidden for its own sake cannot be worked out


@dataclass
class Table:
    """A two-way table: `cells[(row, column)]` counts, `reports[(row, column)]` how many reports
    make up each cell. Totals are computed here, under the key TOTAL. Tables with the same `link`
    count the same things, so their row totals (and grand totals) are equal. A table that `covers`
    another link counts pairs of those things with its columns (an act and each perpetrator it
    names), each thing at least once and at most once per column: its row totals lie between the
    other's and that many times the other's."""

    name: str
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], int]
    reports: dict[tuple[str, str], int] = field(default_factory=dict)
    link: str = ""
    covers: str = ""
    protect_zeros: bool = False

    def value(self, row: str, column: str) -> int:
        if row == TOTAL and column == TOTAL:
            return sum(self.cells.values())
        if row == TOTAL:
            return sum(self.cells.get((r, column), 0) for r in self.rows)
        if column == TOTAL:
            return sum(self.cells.get((row, c), 0) for c in self.columns)
        return self.cells.get((row, column), 0)

    def report_count(self, row: str, column: str) -> int | None:
        """How many reports make up a cell; None for totals (they are checked by their value)."""
        if row == TOTAL or column == TOTAL:
            return None
        return self.reports.get((row, column), 0)

    def positions(self) -> list[tuple[str, str]]:
        return [(r, c) for r in [*self.rows, TOTAL] for c in [*self.columns, TOTAL]]


# A cell of the export: (table index, row, column).
Cell = tuple[int, str, str]


@dataclass(frozen=True)
class Protected:
    """What may be published: every cell not in `hidden`, and why each hidden cell is hidden."""

    tables: Sequence[Table]
    threshold: int
    hidden: frozenset[Cell]
    primary: frozenset[Cell]
    reasons: dict[Cell, str]

    def shown(self, table: int, row: str, column: str) -> int | None:
        """The value to publish, or None for a hidden cell."""
        if (table, row, column) in self.hidden:
            return None
        return self.tables[table].value(row, column)


def _primary(tables: Sequence[Table], threshold: int) -> dict[Cell, str]:
    """The cells hidden for their own sake, each with its reason."""
    reasons: dict[Cell, str] = {}
    for index, table in enumerate(tables):
        for row, column in table.positions():
            value = table.value(row, column)
            reports = table.report_count(row, column)
            if 0 < value < threshold:
                reasons[(index, row, column)] = SMALL
            elif value > 0 and reports is not None and reports < 2:
                reasons[(index, row, column)] = ONE_REPORT
        if table.protect_zeros and len(table.columns) > 1:
            for row in table.rows:
                non_zero = [c for c in table.columns if table.value(row, c) > 0]
                # The empty column is "not said": it tells nothing about anyone.
                if len(non_zero) == 1 and non_zero[0] != "":
                    reasons.setdefault((index, row, non_zero[0]), WHOLE_GROUP)
    for cell in _with_linked_totals(tables, set(reasons)) - set(reasons):
        reasons[cell] = LINKED
    return reasons


def _with_linked_totals(tables: Sequence[Table], hidden: set[Cell]) -> set[Cell]:
    """A row total (or grand total) hidden in one table is hidden in every table linked to it."""
    linked = set(hidden)
    for index, row, column in hidden:
        if column != TOTAL or not tables[index].link:
            continue
        for other, table in enumerate(tables):
            if table.link == tables[index].link:
                linked.add((other, row, TOTAL))
    return linked


class _Model:
    """The attacker's linear programme for one set of hidden cells."""

    def __init__(self, tables: Sequence[Table], hidden: set[Cell]) -> None:
        self.index: dict[Cell, int] = {}
        for t, table in enumerate(tables):
            for row, column in table.positions():
                self.index[(t, row, column)] = len(self.index)
        size = len(self.index)
        lower = np.zeros(size)
        upper = np.full(size, highspy.kHighsInf)
        for cell, position in self.index.items():
            if cell not in hidden:
                t, row, column = cell
                lower[position] = upper[position] = tables[t].value(row, column)
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        # Each hidden cell is one more solve of the same model with another objective: without
        # presolve, HiGHS starts each from the last basis instead of from scratch.
        self.highs.setOptionValue("presolve", "off")
        self.highs.addVars(size, lower, upper)
        for t, table in enumerate(tables):
            for row in [*table.rows, TOTAL]:
                self._sum_equals([(t, row, column) for column in table.columns], (t, row, TOTAL))
            for column in [*table.columns, TOTAL]:
                self._sum_equals([(t, row, column) for row in table.rows], (t, TOTAL, column))
        by_link: dict[str, list[int]] = {}
        for t, table in enumerate(tables):
            if table.link:
                by_link.setdefault(table.link, []).append(t)
        for members in by_link.values():
            first = members[0]
            for other in members[1:]:
                for row in [*tables[first].rows, TOTAL]:
                    self._equal((first, row, TOTAL), (other, row, TOTAL))
        for t, table in enumerate(tables):
            if table.covers in by_link:
                counted = by_link[table.covers][0]
                for row in [*table.rows, TOTAL]:
                    if (counted, row, TOTAL) not in self.index:
                        continue
                    self._between((t, row, TOTAL), (counted, row, TOTAL), float(len(table.columns)))

    def _sum_equals(self, parts: list[Cell], total: Cell) -> None:
        columns = [self.index[cell] for cell in parts] + [self.index[total]]
        values = [1.0] * len(parts) + [-1.0]
        self.highs.addRow(
            0.0, 0.0, len(columns), np.array(columns, dtype=np.int32), np.array(values)
        )

    def _equal(self, one: Cell, other: Cell) -> None:
        self._sum_equals([one], other)

    def _between(self, pairs: Cell, things: Cell, most: float) -> None:
        """things <= pairs <= most * things."""
        indices = np.array([self.index[pairs], self.index[things]], dtype=np.int32)
        self.highs.addRow(0.0, highspy.kHighsInf, 2, indices, np.array([1.0, -1.0]))
        self.highs.addRow(0.0, highspy.kHighsInf, 2, indices, np.array([-1.0, most]))

    def interval(self, cell: Cell) -> tuple[float, float]:
        """The least and the greatest value the hidden cell can take."""
        position = self.index[cell]
        bounds = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            self.highs.changeColCost(position, 1.0)
            self.highs.changeObjectiveSense(sense)
            self.highs.run()
            status = self.highs.getModelStatus()
            if status == highspy.HighsModelStatus.kUnbounded:
                bounds.append(float("inf"))
            elif status == highspy.HighsModelStatus.kOptimal:
                bounds.append(self.highs.getInfo().objective_function_value)
            else:
                raise RuntimeError(f"the audit could not solve for {cell}: {status}")
            self.highs.changeColCost(position, 0.0)
        return bounds[0], bounds[1]


def audit(
    tables: Sequence[Table],
    hidden: set[Cell] | frozenset[Cell],
    threshold: int,
    cells: set[Cell] | frozenset[Cell] | None = None,
) -> list[tuple[Cell, float, float]]:
    """Every cell of `cells` (by default every hidden cell) that an attacker can narrow below the
    threshold from what is published, with its interval."""
    checked = hidden if cells is None else cells
    if not checked:
        return []
    model = _Model(tables, set(hidden))
    narrow = []
    for cell in sorted(checked):
        low, high = model.interval(cell)
        if high - low < threshold - 1e-6:
            narrow.append((cell, low, high))
    return narrow


def _partners(tables: Sequence[Table], hidden: set[Cell], cell: Cell) -> set[Cell]:
    """The cells to hide beside a hidden cell that is too easy to narrow. In its row: the smallest
    visible other cell (the row's total only when no other is left), since a violation type's own
    figures matter most. In its column: the column's total first (the sum over violation types
    matters least), else the smallest visible other cell."""
    t, row, column = cell
    table = tables[t]

    def value(other: Cell) -> tuple[int, Cell]:
        return table.value(other[1], other[2]), other

    found: set[Cell] = set()
    in_row = [(t, row, c) for c in table.columns if c != column and (t, row, c) not in hidden]
    if in_row:
        found.add(min(in_row, key=value))
    elif column != TOTAL and (t, row, TOTAL) not in hidden:
        found.add((t, row, TOTAL))
    in_column = [(t, r, column) for r in table.rows if r != row and (t, r, column) not in hidden]
    if row != TOTAL and (t, TOTAL, column) not in hidden:
        found.add((t, TOTAL, column))
    elif in_column:
        found.add(min(in_column, key=value))
    return found


def protect(tables: Sequence[Table], threshold: int = DEFAULT_THRESHOLD) -> Protected:
    """Hide what must be hidden in these tables, published together, and prove it."""
    reasons = _primary(tables, threshold)
    primary = set(reasons)
    hidden = set(primary)
    to_check = set(primary)
    while True:
        narrow = audit(tables, hidden, threshold, to_check)
        to_check = {cell for cell, _low, _high in narrow}
        if not narrow:
            for cell in hidden - primary:
                reasons[cell] = SECONDARY
            return Protected(tables, threshold, frozenset(hidden), frozenset(primary), reasons)
        more: set[Cell] = set()
        for cell, _low, _high in narrow:
            more |= _partners(tables, hidden, cell)
        more = _with_linked_totals(tables, hidden | more) - hidden
        if not more:
            # Every neighbour is hidden, yet a link between tables still pins the cell: hide the
            # smallest visible cell of the export. Once all is hidden, nothing can be narrowed.
            visible = [
                (t, row, column)
                for t, table in enumerate(tables)
                for row, column in table.positions()
                if (t, row, column) not in hidden
            ]
            smallest = min(visible, key=lambda cell: (tables[cell[0]].value(*cell[1:]), cell))
            more = _with_linked_totals(tables, hidden | {smallest}) - hidden
        hidden |= more
