"""The tables advocates read and export, built in memory from the opened contributions.

Four tables share their rows, the violation types: by country and by month count acts (an act
once), so their totals are linked; by perpetrator counts (act, perpetrator) pairs and by population
(act, population) pairs, each at least once per act. Every table comes with how many reports make
up each cell, which the disclosure control needs (`statistics/disclosure.py`). A table with a
single column is left out: it would repeat the row totals.

A fifth table counts acts by first-level region, every kind of violation together (a table of
violation types by region would be mostly small cells, each close to one event): a region with
fewer acts in the export than the threshold is merged into its country's column, which also
holds the acts whose region was not said; the table is left out when no region is big enough
to stand alone. Its columns add up to the country table's totals (`Table.refines`), which the
disclosure control knows.

Several exports can be built in one pass (`build_many`), with the finest counts they share, from
which `atoms` finds the pieces that the disclosure control audits them over together (an export
and the earlier ones of overlapping scope).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from reporter.statistics.cells import (
    ACTS,
    BY_PERPETRATOR,
    BY_POPULATION,
    MEASURES,
    NO_VALUE,
    Cell,
    CellArrays,
    IntArray,
)
from reporter.statistics.disclosure import (
    DEFAULT_THRESHOLD,
    TOTAL,
    Atoms,
    JointCell,
    Piece,
    Table,
)

# Positions in a cell: (country, region, year-month, violation, perpetrator, population, measure).
_COUNTRY, _REGION, _MONTH, _VIOLATION, _PERPETRATOR, _POPULATION, _MEASURE = range(7)
REGION_TABLE = "region"
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Scope:
    """What an export covers; an empty set means every value."""

    countries: frozenset[str] = frozenset()
    violations: frozenset[str] = frozenset()
    first_month: str = ""  # "YYYY-MM", inclusive
    last_month: str = ""

    def admits(self, cell: Cell) -> bool:
        return self.admits_place(cell[_COUNTRY], cell[_MONTH], cell[_VIOLATION])

    def admits_place(self, country: str, month: str, violation: str, only: int = -1) -> bool:
        """Whether an act of this country, month and violation type counts; `only` 0 or 1:
        judged by the country or by the month alone (and the violation type)."""
        return (
            (only == 1 or not self.countries or country in self.countries)
            and (not self.violations or violation in self.violations)
            and (only == 0 or not self.first_month or (bool(month) and month >= self.first_month))
            and (only == 0 or not self.last_month or (bool(month) and month <= self.last_month))
        )

    def overlaps(self, other: Scope) -> bool:
        """Whether some act could count in both."""
        return (
            (not self.countries or not other.countries or bool(self.countries & other.countries))
            and (
                not self.violations
                or not other.violations
                or bool(self.violations & other.violations)
            )
            and _months_meet(self, other)
        )


def _months_meet(one: Scope, other: Scope) -> bool:
    first = max(one.first_month, other.first_month)
    lasts = [month for month in (one.last_month, other.last_month) if month]
    return not lasts or not first or first <= min(lasts)


# (table name, measure counted, column position, link, covers, protect zeros); the region table
# is made apart (`_RegionCounts`).
_LAYOUT = (
    ("country", ACTS, _COUNTRY, "acts", "", False),
    ("month", ACTS, _MONTH, "acts", "", False),
    ("perpetrator", BY_PERPETRATOR, _PERPETRATOR, "perpetrator_pairs", "acts", False),
    ("population", BY_POPULATION, _POPULATION, "population_pairs", "acts", True),
)


def build(
    contributions: Iterable[Counter[Cell]] | CellArrays,
    scope: Scope,
    threshold: int = DEFAULT_THRESHOLD,
) -> list[Table]:
    """The tables of an export, from each counted case's contribution, within the scope; regions
    with fewer acts than the threshold merged into their country."""
    exports, _fine = build_many(contributions, [scope], threshold)
    return exports[0]


# The finest counts: (measure, violation, country, month, column) -> count, where the column is
# the perpetrator or the population of a pair, and for acts their region (the country's code
# when the region was not said).
Fine = Counter[tuple[str, str, str, str, str]]


class _RegionCounts:
    """An export's acts by region before small regions are merged, with how many reports make up
    each: reports that name one region of a country are counted by region, the few that name
    several are kept whole, so that a merged column counts each report once."""

    def __init__(self) -> None:
        self.acts: Counter[str] = Counter()  # region -> acts
        self.country: dict[str, str] = {}  # region -> its country
        self.single: Counter[str] = Counter()
        self.several: list[frozenset[str]] = []

    def add_report(self, named: Iterable[str]) -> None:
        """The regions one report's acts lie in."""
        by_country: defaultdict[str, set[str]] = defaultdict(set)
        for region in named:
            by_country[self.country[region]].add(region)
        for regions in by_country.values():
            if len(regions) == 1:
                self.single[next(iter(regions))] += 1
            else:
                self.several.append(frozenset(regions))

    def kept(self, threshold: int) -> frozenset[str]:
        """The regions with at least `threshold` acts in the export."""
        return frozenset(
            region
            for region, total in self.acts.items()
            if region != self.country[region] and total >= threshold
        )

    def table(self, kept: frozenset[str]) -> Table | None:
        """The table with the regions not in `kept` merged into their country; None when no
        region stands alone (it would repeat the country table's totals)."""

        def column(region: str) -> str:
            return region if region in kept else self.country[region]

        cells: Counter[tuple[str, str]] = Counter()
        reports: Counter[tuple[str, str]] = Counter()
        for region, amount in self.acts.items():
            cells[(TOTAL, column(region))] += amount
        for region, count in self.single.items():
            reports[(TOTAL, column(region))] += count
        for regions in self.several:
            for merged in {column(region) for region in regions}:
                reports[(TOTAL, merged)] += 1
        columns = sorted({merged for _total, merged in cells})
        if not kept & set(columns) or len(columns) < 2:
            return None
        return Table(
            name=REGION_TABLE,
            rows=[],
            columns=columns,
            cells=dict(cells),
            reports=dict(reports),
            # Its grand total is every act, like the tables by country and by month.
            link="acts",
            refines="country",
            parents={
                merged: self.country[merged] if merged in kept else merged for merged in columns
            },
        )


def build_many(
    contributions: Iterable[Counter[Cell]] | CellArrays,
    scopes: Sequence[Scope],
    threshold: int = DEFAULT_THRESHOLD,
    regions: Sequence[frozenset[str] | None] = (),
) -> tuple[list[list[Table]], Fine]:
    """The tables of several exports in one pass over the contributions, and, when there are
    several, the finest counts within any of their scopes (for `atoms`). `regions[n]`: the
    regions export n shows apart (an earlier export, as it was published); None or missing:
    those with at least `threshold` acts."""
    cells = contributions if isinstance(contributions, CellArrays) else CellArrays.of(contributions)
    places, measures = cells.places, cells.measures
    codes = {measure: MEASURES.index(measure) for measure in (ACTS, BY_PERPETRATOR, BY_POPULATION)}
    tabled = np.isin(measures, list(codes.values())) & (cells.counts > 0)
    admitted = [within & tabled for within in _within_scopes(cells, scopes)]
    is_act = measures == codes[ACTS]
    # An act's region, or its country's code when the region was not said.
    said = places[:, _REGION] != cells.value_id(NO_VALUE)
    region_of_act = np.where(said, places[:, _REGION], places[:, _COUNTRY])
    exports = []
    for number, within in enumerate(admitted):
        rows = sorted(cells.values[value] for value in np.unique(places[within, _VIOLATION]))
        tables = []
        for name, measure, column, link, covers, protect_zeros in _LAYOUT:
            chosen = within & (measures == codes[measure])
            counts, reports = _summed(cells, chosen, places[:, _VIOLATION], places[:, column])
            tables.append(
                Table(
                    name=name,
                    rows=rows,
                    columns=sorted({column_value for _, column_value in counts}),
                    cells=counts,
                    reports=reports,
                    link=link,
                    covers=covers,
                    protect_zeros=protect_zeros,
                )
            )
        # A table of one column (a national organisation's one country, a single month) repeats
        # its row totals and nothing else: it only gives the disclosure control less room.
        shown = [table for table in tables if len(table.columns) > 1]
        by_region = _region_counts(cells, within & is_act, region_of_act)
        chosen_regions = regions[number] if number < len(regions) else None
        kept = by_region.kept(threshold) if chosen_regions is None else chosen_regions
        region_table = by_region.table(kept)
        if region_table is not None:
            shown.insert(1, region_table)
        exports.append(shown)
    fine: Fine = Counter()
    if len(exports) > 1:
        exports[0] = _with_every_row_and_column(exports[0], exports[1:])
        fine = _finest(cells, np.logical_or.reduce(admitted), is_act, region_of_act)
    return exports, fine


def _within_scopes(cells: CellArrays, scopes: Sequence[Scope]) -> list[BoolArray]:
    """For each scope, which cells lie in it, judged once per (country, month, violation)."""
    width = len(cells.values)
    places = cells.places
    keys = (places[:, _COUNTRY] * width + places[:, _MONTH]) * width + places[:, _VIOLATION]
    distinct, where = np.unique(keys, return_inverse=True)
    triples = [
        (
            cells.values[key // width // width],
            cells.values[key // width % width],
            cells.values[key % width],
        )
        for key in distinct.tolist()
    ]
    within = []
    for scope in scopes:
        if scope == Scope():
            within.append(np.ones(len(keys), dtype=bool))
            continue
        admits = np.array([scope.admits_place(*triple) for triple in triples], dtype=bool)
        within.append(admits[where].reshape(len(keys)))
    return within


def _summed(
    cells: CellArrays, chosen: BoolArray, rows: IntArray, columns: IntArray
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """(row, column) -> the chosen cells' counts added up, and -> how many contributions (cases)
    make up each."""
    width = len(cells.values)
    keys = rows[chosen] * width + columns[chosen]
    distinct, where = np.unique(keys, return_inverse=True)
    sums = np.bincount(
        where.reshape(len(keys)), weights=cells.counts[chosen], minlength=len(distinct)
    )
    # Each (contribution, cell) once, then counted per cell.
    owned = np.unique(cells.owners[chosen] * (width * width) + keys) % (width * width)
    _cells, reports = np.unique(owned, return_counts=True)
    labels = [(cells.values[key // width], cells.values[key % width]) for key in distinct.tolist()]
    return (
        dict(sorted(zip(labels, sums.astype(np.int64).tolist(), strict=True))),
        dict(sorted(zip(labels, reports.tolist(), strict=True))),
    )


def _region_counts(cells: CellArrays, acts: BoolArray, region_of_act: IntArray) -> _RegionCounts:
    """The acts by region of an export (`acts`: its cells counting acts)."""
    width = len(cells.values)
    values = cells.values
    by_region = _RegionCounts()
    regions, countries = region_of_act[acts], cells.places[acts, _COUNTRY]
    keys = regions * width + countries
    distinct, where = np.unique(keys, return_inverse=True)
    sums = np.bincount(
        where.reshape(len(keys)), weights=cells.counts[acts], minlength=len(distinct)
    )
    for key, total in zip(distinct.tolist(), sums.astype(np.int64).tolist(), strict=True):
        region = values[key // width]
        by_region.acts[region] += total
        by_region.country[region] = values[key % width]
    # The regions each contribution's acts lie in, by country.
    named = np.unique(cells.owners[acts] * (width * width) + countries * width + regions)
    _contributions, first, sizes = np.unique(named // width, return_index=True, return_counts=True)
    alone = sizes == 1
    for region in (named[first[alone]] % width).tolist():
        by_region.single[values[region]] += 1
    for start, size in zip(first[~alone].tolist(), sizes[~alone].tolist(), strict=True):
        by_region.several.append(
            frozenset(values[region] for region in (named[start : start + size] % width).tolist())
        )
    return by_region


def _finest(
    cells: CellArrays, admitted: BoolArray, is_act: BoolArray, region_of_act: IntArray
) -> Fine:
    """(measure, violation, country, month, column) -> count over the cells within any of the
    exports' scopes; the column is the region (or country) of an act, the perpetrator or the
    population of a pair."""
    width = len(cells.values)
    places = cells.places
    by_perpetrator = cells.measures == MEASURES.index(BY_PERPETRATOR)
    column = np.where(
        is_act,
        region_of_act,
        np.where(by_perpetrator, places[:, _PERPETRATOR], places[:, _POPULATION]),
    )
    parts = [places[:, _VIOLATION], places[:, _COUNTRY], places[:, _MONTH], column]
    keys = cells.measures[admitted]
    for part in parts:
        keys = keys * width + part[admitted]
    distinct, where = np.unique(keys, return_inverse=True)
    sums = np.bincount(
        where.reshape(len(keys)), weights=cells.counts[admitted], minlength=len(distinct)
    )
    fine: Fine = Counter()
    for key, total in zip(distinct.tolist(), sums.astype(np.int64).tolist(), strict=True):
        key, pair = divmod(key, width)
        key, month = divmod(key, width)
        key, country = divmod(key, width)
        measure, violation = divmod(key, width)
        fine[
            (
                MEASURES[measure],
                cells.values[violation],
                cells.values[country],
                cells.values[month],
                cells.values[pair],
            )
        ] = total
    return fine


def _with_every_row_and_column(
    tables: list[Table], earlier: Sequence[Sequence[Table]]
) -> list[Table]:
    """The new export's tables by kind, with every row and column that the earlier exports show
    too (at zero where it has none). A row or column left out says its count is zero as surely
    as a published zero, and no hiding could take that back; shown, a zero can be hidden."""
    rows: set[str] = set()
    columns: defaultdict[str, set[str]] = defaultdict(set)
    for export in [tables, *earlier]:
        for table in export:
            if table.rows:
                rows.update(table.rows)
                columns[table.name].update(table.columns)
    return [
        replace(table, rows=sorted(rows), columns=sorted(columns[table.name]))
        if table.rows
        else table
        for table in tables
    ]


def regions_apart(tables: Iterable[Table]) -> frozenset[str]:
    """The regions an export's region table shows apart from their country."""
    return frozenset(
        column
        for table in tables
        if table.name == REGION_TABLE
        for column, country in table.parents.items()
        if column != country
    )


# Where an atom lies in a table: the column, the same in every export; or, for the region table,
# the column in each export that shows one, with the key of the piece it belongs to there (a
# merged column's key names the regions merged in it: exports may merge differently).
Place = str | dict[int, tuple[str, str]]


class _AtomBook:
    """Collects the atoms of several exports (see `disclosure.Atoms`)."""

    def __init__(self, exports: Sequence[Sequence[Table]]) -> None:
        self.exports = exports
        self.values: list[int] = []
        self.cells: defaultdict[JointCell, list[int]] = defaultdict(list)
        self.zero: set[int] = set()
        self.pieces: defaultdict[Piece, list[int]] = defaultdict(list)
        self.equal: list[tuple[list[int], list[int]]] = []
        # The kinds of violation each export shows; None when it shows no table by kind (only
        # the region table, every kind together): then no kind is known to be absent.
        self.rows = [
            next((set(table.rows) for table in tables if table.rows), None) for tables in exports
        ]
        self.names = [{table.name for table in tables} for tables in exports]

    def add(
        self,
        value: int,
        violation: str | None,
        by_table: dict[str, Place],
        holders: frozenset[int],
    ) -> int:
        """A new atom, counted `value`, in the cell (violation, column) of every table named in
        `by_table` of every export in `holders` (no violation: every kind together, for the
        region table); returns it. It is known to be zero when one of those exports shows no
        such row or column."""
        atom = len(self.values)
        self.values.append(value)
        exports_key = tuple(sorted(holders))
        for name, place in by_table.items():
            # Only a table some export shows can be subtracted.
            if not any(name in self.names[export] for export in holders):
                continue
            if isinstance(place, str):
                assert violation is not None
                keys = [(row, col) for row in (violation, TOTAL) for col in (place, TOTAL)]
            else:
                # The region table shows every kind of violation together: its columns only.
                pieces = {piece for export, (_column, piece) in place.items() if export in holders}
                keys = [(TOTAL, piece) for piece in sorted(pieces)]
            for row, col in keys:
                self.pieces[(name, row, col, exports_key)].append(atom)
        for export in holders:
            for t, table in enumerate(self.exports[export]):
                where = by_table.get(table.name)
                if where is None:
                    continue
                if isinstance(where, str):
                    column = where
                elif export in where:
                    column = where[export][0]
                else:
                    continue
                rows = self.rows[export]
                shown_row = violation is None or rows is None or violation in rows
                if not shown_row or column not in table.columns:
                    self.zero.add(atom)
                    continue
                for row in (TOTAL,) if violation is None else (violation, TOTAL):
                    for col in (column, TOTAL):
                        self.cells[(export, t, row, col)].append(atom)
            shown_rows = self.rows[export]
            if violation is not None and shown_rows is not None and violation not in shown_rows:
                self.zero.add(atom)
        return atom


class _RegionPlaces:
    """Where each region lies in the region table of each export that shows one: apart, or in its
    country's column, merged with others (`Place`)."""

    def __init__(
        self, exports: Sequence[Sequence[Table]], acts: Iterable[tuple[str, str, str, str]]
    ) -> None:
        """`acts`: the (violation, country, month, region) the acts lie in."""
        self.kept = {
            number: regions_apart(tables)
            for number, tables in enumerate(exports)
            if any(table.name == REGION_TABLE for table in tables)
        }
        self.regions: defaultdict[str, set[str]] = defaultdict(set)
        for _violation, country, _month, region in acts:
            self.regions[country].add(region)

    def groups(
        self, country: str, holders: frozenset[int]
    ) -> list[tuple[list[str], dict[int, tuple[str, str]]]]:
        """The country's regions grouped by where they lie in the exports in `holders`: regions
        that lie together in every one of them are one atom."""
        showing = sorted(number for number in holders if number in self.kept)
        if not showing:
            return []
        merged = {
            number: ",".join(
                sorted(
                    region for region in self.regions[country] if region not in self.kept[number]
                )
            )
            for number in showing
        }
        found: dict[tuple[tuple[str, str], ...], list[str]] = {}
        for region in sorted(self.regions[country]):
            place = tuple(
                (region, region)
                if region in self.kept[number]
                else (country, f"{country}:{merged[number]}")
                for number in showing
            )
            found.setdefault(place, []).append(region)
        return [
            (regions, dict(zip(showing, place, strict=True))) for place, regions in found.items()
        ]


def atoms(scopes: Sequence[Scope], exports: Sequence[Sequence[Table]], fine: Fine) -> Atoms:
    """The atoms of several exports built together (`build_many`).

    Acts: which exports hold an act depends on its country only through the exports whose
    countries include it (its country block) and on its month through its month block. So
    instead of one atom per (violation, country, month), acts get one per (violation, country,
    month block), which the country tables add up, and one per (violation, country block,
    month), which the month tables add up; both add up alike over each (country block, month
    block). Any counts meeting those sums can be spread over the months and countries inside a
    block (a transport problem with equal totals always has a solution), so the attacker learns
    no more from the finer atoms. The region tables split the acts of a country held by the same
    exports into one atom per group of regions that lie together in every export. Pairs: an atom per
    (violation, perpetrator or population, the exports whose scopes hold them)."""
    book = _AtomBook(exports)
    acts: Counter[tuple[str, str, str]] = Counter()
    by_region: Counter[tuple[str, str, str, str]] = Counter()
    for (measure, violation, country, month, region), amount in fine.items():
        if measure == ACTS:
            acts[(violation, country, month)] += amount
            by_region[(violation, country, month, region)] += amount
    places = _RegionPlaces(exports, by_region)
    violations = sorted({key[1] for key in fine})
    countries = sorted({key[2] for key in fine})
    months = sorted({key[3] for key in fine})
    holders_of: dict[tuple[str, str, str], frozenset[int]] = {}
    things: defaultdict[tuple[str, frozenset[int]], list[int]] = defaultdict(list)
    wholes: defaultdict[tuple[str, frozenset[int]], list[int]] = defaultdict(list)
    in_regions: Counter[tuple[str, frozenset[int], str]] = Counter()
    for violation in violations:
        country_blocks = _blocks(countries, scopes, violation, by_month=False)
        month_blocks = _blocks(months, scopes, violation, by_month=True)
        for country_holders, block_countries in country_blocks.items():
            for month_holders, block_months in month_blocks.items():
                holders = country_holders & month_holders
                if not holders:
                    continue
                for country in block_countries:
                    for month in block_months:
                        holders_of[(violation, country, month)] = holders
                by_country = [
                    book.add(
                        sum(acts.get((violation, country, month), 0) for month in block_months),
                        violation,
                        {"country": country},
                        holders,
                    )
                    for country in block_countries
                ]
                by_month = [
                    book.add(
                        sum(
                            acts.get((violation, country, month), 0) for country in block_countries
                        ),
                        violation,
                        {"month": month},
                        holders,
                    )
                    for month in block_months
                ]
                book.equal.append((by_country, by_month))
                things[(violation, holders)].extend(by_country)
                if places.kept:
                    for country, whole in zip(block_countries, by_country, strict=True):
                        wholes[(country, holders)].append(whole)
                        for region in places.regions[country]:
                            in_regions[(country, holders, region)] += sum(
                                by_region.get((violation, country, month, region), 0)
                                for month in block_months
                            )
    # The region table counts every kind of violation together: one atom per group of regions
    # that lie together in every export, for all the kinds of violation whose acts in the
    # country the same exports hold. Adding up to those acts is all the attacker can use (as
    # for the blocks above: a transport problem).
    for (country, holders), acts_there in wholes.items():
        groups = places.groups(country, holders)
        if not groups:
            continue
        parts = [
            book.add(
                sum(in_regions[(country, holders, region)] for region in regions),
                None,
                {REGION_TABLE: place},
                holders,
            )
            for regions, place in groups
        ]
        book.equal.append((parts, acts_there))
    covers: list[tuple[list[int], list[int], int]] = []
    for name, measure, *_ in _LAYOUT:
        if measure == ACTS:
            continue
        sums: Counter[tuple[str, str, frozenset[int]]] = Counter()
        for (kind, violation, country, month, column), amount in fine.items():
            if kind == measure:
                sums[(violation, column, holders_of[(violation, country, month)])] += amount
        columns = sorted({key[4] for key in fine if key[0] == measure})
        for (violation, holders), acts_there in things.items():
            pairs = [
                book.add(sums[(violation, column, holders)], violation, {name: column}, holders)
                for column in columns
            ]
            open_pairs = [atom for atom in pairs if atom not in book.zero]
            if open_pairs:
                covers.append((open_pairs, acts_there, len(open_pairs)))
    # A piece with the same atoms as a cell of an export is that cell, checked as such; pieces
    # alike (a row's total in two tables) are checked once.
    seen = {tuple(parts) for parts in book.cells.values()}
    pieces = {}
    for piece, parts in book.pieces.items():
        if tuple(parts) not in seen:
            seen.add(tuple(parts))
            pieces[piece] = parts
    return Atoms(
        values=book.values,
        cells=dict(book.cells),
        zero=frozenset(book.zero),
        covers=covers,
        pieces=pieces,
        equal=book.equal,
    )


def _blocks(
    values: Sequence[str], scopes: Sequence[Scope], violation: str, by_month: bool
) -> dict[frozenset[int], list[str]]:
    """Countries (or months) grouped by the exports whose scopes hold them, for one violation
    type."""
    found: dict[frozenset[int], list[str]] = {}
    for value in values:
        country, month = ("", value) if by_month else (value, "")
        holders = frozenset(
            number
            for number, scope in enumerate(scopes)
            if scope.admits_place(country, month, violation, 1 if by_month else 0)
        )
        found.setdefault(holders, []).append(value)
    return found
