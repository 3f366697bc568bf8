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

Differencing across releases: whoever holds an earlier export of overlapping scope (January to
June) and the new one (January to July) can subtract one from the other. `protect` then takes
the earlier exports (`Earlier`: their tables counted again from today's data, with the cells they
hid) and the `Atoms` that every cell of every export adds up (the finest pieces the exports
together distinguish, from `statistics/tables.py`). The audit is then one linear programme over
the atoms, every published cell of every export fixed, and checks the cells each export hid for
their own sake. Only the new export can still hide more; a cell that the earlier exports already
pin down by themselves (today's data differs from what they were made from) is left out of the
check, since nothing in the new export can change it. Counting the earlier exports again from
today's data is the attacker's best case: the data did not change in between.
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
    other's and that many times the other's. A table that `refines` another splits its columns:
    `parents[column]` is the other's column that this one is part of (a region's country), and
    in every row they share the parts add up to it. A table with no rows is one-way: its cells
    are its totals, `cells[(TOTAL, column)]`, each made up by `reports[(TOTAL, column)]`."""

    name: str
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], int]
    reports: dict[tuple[str, str], int] = field(default_factory=dict)
    link: str = ""
    covers: str = ""
    protect_zeros: bool = False
    refines: str = ""
    parents: dict[str, str] = field(default_factory=dict)

    def value(self, row: str, column: str) -> int:
        if not self.rows and row == TOTAL and column != TOTAL:
            return self.cells.get((TOTAL, column), 0)
        if row == TOTAL and column == TOTAL:
            return sum(self.cells.values())
        if row == TOTAL:
            return sum(self.cells.get((r, column), 0) for r in self.rows)
        if column == TOTAL:
            return sum(self.cells.get((row, c), 0) for c in self.columns)
        return self.cells.get((row, column), 0)

    def report_count(self, row: str, column: str) -> int | None:
        """How many reports make up a cell; None for totals (they are checked by their value)."""
        if not self.rows and row == TOTAL and column != TOTAL:
            return self.reports.get((TOTAL, column), 0)
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
    # How many earlier exports of overlapping scope it was checked together with.
    checked_with: int = 0

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
    """A row total (or grand total) hidden in one table is hidden in every table linked to it;
    a grand total, in every table that splits it or that it splits (a region table's)."""
    linked = set(hidden)
    waiting = list(hidden)
    while waiting:
        index, row, column = waiting.pop()
        if column != TOTAL:
            continue
        for other, table in enumerate(tables):
            same_link = bool(table.link) and table.link == tables[index].link
            split = row == TOTAL and tables[index].name in (table.refines, table.name)
            splits = row == TOTAL and table.name == tables[index].refines
            cell = (other, row, TOTAL)
            # A one-way table (regions) has no row by kind, only the grand total.
            exists = row == TOTAL or row in table.rows
            if (same_link or split or splits) and exists and cell not in linked:
                linked.add(cell)
                waiting.append(cell)
    return linked


def _solver() -> highspy.Highs:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    # Each hidden cell is one more solve of the same model with another objective: without
    # presolve, HiGHS starts each from the last basis instead of from scratch. That basis stays
    # feasible when only the objective changes, so the primal simplex goes on from it (the dual
    # simplex, the default, took four times as long here).
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("simplex_strategy", 4)
    return highs


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
        self.highs = _solver()
        self.highs.addVars(size, lower, upper)
        for t, table in enumerate(tables):
            for row in [*table.rows, TOTAL]:
                self._sum_equals([(t, row, column) for column in table.columns], (t, row, TOTAL))
            for column in [*table.columns, TOTAL] if table.rows else []:
                self._sum_equals([(t, row, column) for row in table.rows], (t, TOTAL, column))
        by_link: dict[str, list[int]] = {}
        for t, table in enumerate(tables):
            if table.link:
                by_link.setdefault(table.link, []).append(t)
        for members in by_link.values():
            # A table by kind first: a one-way table (regions) shares only the grand total.
            members.sort(key=lambda t: not tables[t].rows)
            first = members[0]
            for other in members[1:]:
                for row in [*tables[first].rows, TOTAL]:
                    if (other, row, TOTAL) in self.index:
                        self._equal((first, row, TOTAL), (other, row, TOTAL))
        # Tables of pairs whose things no table shows (one country and one month: both tables
        # of acts left out) still count the same acts: the attacker knows that each row's acts,
        # unknown, lie between the pairs in every such table.
        unshown: dict[str, dict[str, int]] = {}
        for t, table in enumerate(tables):
            if table.covers in by_link and tables[by_link[table.covers][0]].rows:
                counted = by_link[table.covers][0]
                for row in [*table.rows, TOTAL]:
                    if (counted, row, TOTAL) not in self.index:
                        continue
                    self._between_at(
                        self.index[(t, row, TOTAL)],
                        self.index[(counted, row, TOTAL)],
                        float(len(table.columns)),
                    )
            elif table.covers:
                things = unshown.get(table.covers)
                if things is None:
                    things = unshown[table.covers] = self._unknown_rows(table.rows)
                    # A one-way table of those things (regions) publishes their grand total.
                    for member in by_link.get(table.covers, []):
                        self.highs.addRow(
                            0.0,
                            0.0,
                            2,
                            np.array(
                                [things[TOTAL], self.index[(member, TOTAL, TOTAL)]], dtype=np.int32
                            ),
                            np.array([1.0, -1.0]),
                        )
                for row in [*table.rows, TOTAL]:
                    self._between_at(
                        self.index[(t, row, TOTAL)], things[row], float(len(table.columns))
                    )
        for t, table in enumerate(tables):
            for u, whole in enumerate(tables):
                if table.refines != whole.name:
                    continue
                for row in [*(row for row in table.rows if row in whole.rows), TOTAL]:
                    for parent in whole.columns:
                        parts = [
                            (t, row, column)
                            for column in table.columns
                            if table.parents.get(column) == parent
                        ]
                        self._sum_equals(parts, (u, row, parent))

    def _sum_equals(self, parts: list[Cell], total: Cell) -> None:
        columns = [self.index[cell] for cell in parts] + [self.index[total]]
        values = [1.0] * len(parts) + [-1.0]
        self.highs.addRow(
            0.0, 0.0, len(columns), np.array(columns, dtype=np.int32), np.array(values)
        )

    def _equal(self, one: Cell, other: Cell) -> None:
        self._sum_equals([one], other)

    def _between_at(self, pairs: int, things: int, most: float) -> None:
        """things <= pairs <= most * things, for the variables at these places."""
        indices = np.array([pairs, things], dtype=np.int32)
        self.highs.addRow(0.0, highspy.kHighsInf, 2, indices, np.array([1.0, -1.0]))
        self.highs.addRow(0.0, highspy.kHighsInf, 2, indices, np.array([-1.0, most]))

    def _unknown_rows(self, rows: list[str]) -> dict[str, int]:
        """A count per row and their total that no table publishes (at least zero, adding up)."""
        first = self.highs.getNumCol()
        places = {row: first + number for number, row in enumerate([*rows, TOTAL])}
        size = len(places)
        self.highs.addVars(size, np.zeros(size), np.full(size, highspy.kHighsInf))
        indices = np.array(list(places.values()), dtype=np.int32)
        signs = np.array([1.0] * len(rows) + [-1.0])
        self.highs.addRow(0.0, 0.0, size, indices, signs)
        return places

    def narrow(self, cell: Cell, value: int, threshold: int) -> tuple[float, float] | None:
        """The interval of a hidden cell when it is narrower than the threshold, else None."""
        return _narrow_range(self.highs, [self.index[cell]], value, threshold, cell)


def _narrow_range(
    highs: highspy.Highs, atoms: list[int], value: float, threshold: int, what: object
) -> tuple[float, float] | None:
    """The least and the greatest value the sum of these variables can take, when they are
    less than the threshold apart; None when they are not. `value` is the sum's true value, a
    feasible one: when the greatest is a threshold above it, the least need not be sought."""
    indices = np.array(atoms, dtype=np.int32)

    def solve(sense: highspy.ObjSense) -> float:
        highs.changeColsCost(len(atoms), indices, np.ones(len(atoms)))
        highs.changeObjectiveSense(sense)
        highs.run()
        status = highs.getModelStatus()
        # Read before the costs change back: changing the model clears what the solve found.
        found = highs.getInfo().objective_function_value
        highs.changeColsCost(len(atoms), indices, np.zeros(len(atoms)))
        if status == highspy.HighsModelStatus.kUnbounded:
            return float("inf")
        if status == highspy.HighsModelStatus.kOptimal:
            return float(found)
        raise RuntimeError(f"the audit could not solve for {what}: {status}")

    high = solve(highspy.ObjSense.kMaximize)
    if high - value >= threshold - 1e-6:
        return None
    low = solve(highspy.ObjSense.kMinimize)
    return (low, high) if high - low < threshold - 1e-6 else None


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
        found = model.narrow(cell, tables[cell[0]].value(*cell[1:]), threshold)
        if found is not None:
            narrow.append((cell, *found))
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
    return found | _split_partners(tables, hidden, cell)


def _split_partners(tables: Sequence[Table], hidden: set[Cell], cell: Cell) -> set[Cell]:
    """Beside a hidden cell of a table that splits another (a region), the smallest visible part
    of the same whole in its row (another region of its country), else the whole itself; beside a
    hidden cell that another table splits (a country), its smallest visible part: else the parts
    would add up to it."""
    t, row, column = cell
    table = tables[t]
    found: set[Cell] = set()
    if column == TOTAL:
        return found
    whole_row = row if row in table.rows else TOTAL

    def smallest(candidates: list[Cell]) -> Cell:
        return min(candidates, key=lambda other: (tables[other[0]].value(*other[1:]), other))

    for u, other in enumerate(tables):
        if table.refines == other.name:
            parent = table.parents.get(column)
            siblings = [
                (t, row, c)
                for c in table.columns
                if c != column and table.parents.get(c) == parent and (t, row, c) not in hidden
            ]
            if siblings:
                found.add(smallest(siblings))
            elif (u, whole_row, parent) not in hidden and parent in other.columns:
                found.add((u, whole_row, str(parent)))
        elif other.refines == table.name and (row == TOTAL or row in other.rows):
            parts = [
                (u, row, c)
                for c in other.columns
                if other.parents.get(c) == column and (u, row, c) not in hidden
            ]
            if parts:
                found.add(smallest(parts))
    return found


def protect(
    tables: Sequence[Table],
    threshold: int = DEFAULT_THRESHOLD,
    earlier: Sequence[Earlier] = (),
    atoms: Atoms | None = None,
) -> Protected:
    """Hide what must be hidden in these tables, published together, and prove it; with the
    earlier exports of overlapping scope (and the atoms of all), prove it for all of them."""
    if earlier:
        if atoms is None:
            raise ValueError("earlier exports are audited through their atoms")
        return _protect_with_earlier(tables, threshold, earlier, atoms)
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
            smallest = _smallest_visible(tables, hidden)
            assert smallest is not None, "with every cell hidden, none can be narrowed"
            more = _with_linked_totals(tables, hidden | {smallest}) - hidden
        hidden |= more


def _smallest_visible(tables: Sequence[Table], hidden: set[Cell]) -> Cell | None:
    visible = [
        (t, row, column)
        for t, table in enumerate(tables)
        for row, column in table.positions()
        if (t, row, column) not in hidden
    ]
    if not visible:
        return None
    return min(visible, key=lambda cell: (tables[cell[0]].value(*cell[1:]), cell))


@dataclass(frozen=True)
class Earlier:
    """An earlier export of overlapping scope: its tables counted again from today's data, and
    the cells it hid, as (table name, row, column)."""

    tables: Sequence[Table]
    hidden: frozenset[tuple[str, str, str]]

    def hidden_cells(self) -> set[Cell]:
        return {
            (t, row, column)
            for t, table in enumerate(self.tables)
            for row, column in table.positions()
            if (table.name, row, column) in self.hidden
        }


# A cell of one of the exports audited together: (export, table, row, column); export 0 is the
# new one, the others are the `Earlier` ones in order.
JointCell = tuple[int, int, str, str]
# A piece that no export publishes but subtraction may reveal: (table name, row, column, the
# exports whose scope holds it). January to July minus January to June is July's piece.
Piece = tuple[str, str, str, tuple[int, ...]]


@dataclass(frozen=True)
class Atoms:
    """The finest pieces that the exports audited together distinguish, and what they add up to.

    `values[a]` is atom a's count today; `cells` lists the atoms of every cell of every export;
    atoms in `zero` are known to be zero (an export of their scope showed no such row or
    column); each cover `(pairs, things, most)` says things <= pairs <= most * things (each act
    names at least one and at most `most` perpetrator types); `pieces` lists the atoms of every
    piece subtraction may single out; each of `equal` says two lists of atoms add up alike."""

    values: Sequence[int]
    cells: dict[JointCell, list[int]]
    zero: frozenset[int]
    covers: list[tuple[list[int], list[int], int]]
    pieces: dict[Piece, list[int]]
    equal: list[tuple[list[int], list[int]]] = field(default_factory=list)


class _JointModel:
    """The attacker's linear programme over the atoms of several exports."""

    def __init__(
        self, exports: Sequence[Sequence[Table]], hidden: Sequence[set[Cell]], atoms: Atoms
    ) -> None:
        size = len(atoms.values)
        upper = np.full(size, highspy.kHighsInf)
        for atom in atoms.zero:
            upper[atom] = 0.0
        self.highs = _solver()
        self.highs.addVars(size, np.zeros(size), upper)
        # The row that fixes each published cell, so that hiding it later frees it in place.
        self.rows: dict[JointCell, int] = {}
        for (export, t, row, column), parts in atoms.cells.items():
            if (t, row, column) in hidden[export] or not parts:
                continue
            value = float(exports[export][t].value(row, column))
            self.rows[(export, t, row, column)] = self.highs.getNumRow()
            self.highs.addRow(
                value, value, len(parts), np.array(parts, dtype=np.int32), np.ones(len(parts))
            )
        for one, other in atoms.equal:
            indices = np.array([*one, *other], dtype=np.int32)
            signs = np.array([1.0] * len(one) + [-1.0] * len(other))
            self.highs.addRow(0.0, 0.0, len(indices), indices, signs)
        for pairs, things, most in atoms.covers:
            indices = np.array([*pairs, *things], dtype=np.int32)
            at_least = np.array([1.0] * len(pairs) + [-1.0] * len(things))
            at_most = np.array([-1.0] * len(pairs) + [float(most)] * len(things))
            self.highs.addRow(0.0, highspy.kHighsInf, len(indices), indices, at_least)
            self.highs.addRow(0.0, highspy.kHighsInf, len(indices), indices, at_most)

    def narrow(
        self, atoms: list[int], value: int, threshold: int, what: object
    ) -> tuple[float, float] | None:
        return _narrow_range(self.highs, atoms, value, threshold, what)

    def hide(self, export: int, cells: set[Cell]) -> None:
        """Cells of an export hidden since the model was made: their values no longer bind.
        The model stays, so the next solves start from the last basis (a new model per round
        started cold, and a small organisation's audit takes hundreds of rounds)."""
        for t, row, column in cells:
            index = self.rows.pop((export, t, row, column), None)
            if index is not None:
                self.highs.changeRowBounds(index, -highspy.kHighsInf, highspy.kHighsInf)


# What the joint audit checks: a hidden cell of an export, or a piece.
_Target = JointCell | Piece


def _joint_narrow(
    model: _JointModel, atoms: Atoms, threshold: int, targets: dict[_Target, list[int]]
) -> list[_Target]:
    narrow: list[_Target] = []
    for target in sorted(targets, key=repr):
        parts = targets[target]
        value = sum(atoms.values[atom] for atom in parts)
        if model.narrow(parts, value, threshold, target) is not None:
            narrow.append(target)
    return narrow


def _counterparts(
    tables: Sequence[Table], hidden: set[Cell], name: str, row: str, column: str
) -> set[Cell]:
    """The new export's cells to hide when an earlier export's cell, or a piece, of table `name`
    at (row, column) is too easy to narrow: the same cell if shown, else the smallest shown
    cell of its row, else of its column. A merged region column's piece is named "CO:…": its
    cell is the country's column."""
    column = column.split(":")[0]
    for t, table in enumerate(tables):
        if table.name != name:
            continue
        positions = set(table.positions())
        if (row, column) in positions and (t, row, column) not in hidden:
            return {(t, row, column)}
        for line in (
            [(t, row, c) for c in [*table.columns, TOTAL]],
            [(t, r, column) for r in [*table.rows, TOTAL]],
        ):
            shown = [cell for cell in line if cell[1:] in positions and cell not in hidden]
            if shown:
                return {min(shown, key=lambda cell: (table.value(*cell[1:]), cell))}
    return set()


def _protect_with_earlier(
    tables: Sequence[Table], threshold: int, earlier: Sequence[Earlier], atoms: Atoms
) -> Protected:
    exports = [tables, *(export.tables for export in earlier)]
    reasons = _primary(tables, threshold)
    primary = set(reasons)
    hidden = set(primary)
    earlier_hidden = [export.hidden_cells() for export in earlier]
    targets: dict[_Target, list[int]] = {
        (0, *cell): atoms.cells.get((0, *cell), []) for cell in primary
    }
    for number, (export, cells) in enumerate(zip(earlier, earlier_hidden, strict=True), 1):
        for cell in set(_primary(export.tables, threshold)) & cells:
            targets[(number, *cell)] = atoms.cells.get((number, *cell), [])
    for piece, parts in atoms.pieces.items():
        if 0 < sum(atoms.values[atom] for atom in parts) < threshold:
            targets[piece] = parts
    everything = {
        (t, row, column) for t, table in enumerate(tables) for row, column in table.positions()
    }
    told: set[_Target] | None = None
    model = _JointModel(exports, [hidden, *earlier_hidden], atoms)
    while True:
        narrow = _joint_narrow(model, atoms, threshold, targets)
        if told is None:
            # What the earlier exports tell by themselves (the new one all hidden), nothing in
            # the new one can hide. Only what is narrow now can be narrow with less published.
            found = {target: targets[target] for target in narrow}
            alone = _JointModel(exports, [everything, *earlier_hidden], atoms)
            told = set(_joint_narrow(alone, atoms, threshold, found))
            narrow = [target for target in narrow if target not in told]
        if not narrow:
            break
        targets = {target: targets[target] for target in narrow}
        more: set[Cell] = set()
        for target in narrow:
            if isinstance(target[0], int) and target[0] == 0:
                _export, t, row, column = target
                more |= _partners(tables, hidden, (int(t), str(row), str(column)))
            elif isinstance(target[0], int):
                _export, t, row, column = target
                name = exports[target[0]][int(t)].name
                more |= _counterparts(tables, hidden, name, str(row), str(column))
            else:
                name, row, column, _exports = target
                more |= _counterparts(tables, hidden, str(name), str(row), str(column))
        more = _with_linked_totals(tables, hidden | more) - hidden
        if not more:
            smallest = _smallest_visible(tables, hidden)
            if smallest is None:
                # All of the new export hidden: what is left is what the earlier ones told.
                break
            more = _with_linked_totals(tables, hidden | {smallest}) - hidden
        hidden |= more
        model.hide(0, more)
    for cell in hidden - primary:
        reasons[cell] = SECONDARY
    return Protected(
        tables,
        threshold,
        frozenset(hidden),
        frozenset(primary),
        reasons,
        checked_with=len(earlier),
    )
