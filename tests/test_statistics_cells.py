"""The compact record of a contribution, and the tables added up over all of them at once as
arrays: each must give exactly what adding the cells up one by one gives."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporter.statistics.cells import (
    ACTS,
    BY_PERPETRATOR,
    BY_POPULATION,
    COMBINATIONS,
    MEASURES,
    Cell,
    CellArrays,
    Collector,
    decode,
    encode,
)
from reporter.statistics.disclosure import TOTAL
from reporter.statistics.tables import REGION_TABLE, Scope, build_many

COUNTRIES = {"BR": ["BR-SP", "BR-RJ", "BR-BA"], "CO": ["CO-ANT", "CO-DC"], "PE": []}
MONTHS = ["2024-12", "2025-01", "2025-02", ""]
VIOLATIONS = ["extortion_bribe", "denial_oat", "arbitrary_detention"]
PERPETRATORS = ["police", "military", "unknown"]
POPULATIONS = ["sex_worker", "trans_person", ""]

_contribution_cells = st.builds(
    lambda place, month, violation, perpetrator, population, measure: (
        *place,
        month,
        violation,
        "" if measure == BY_POPULATION else perpetrator,
        "" if measure == BY_PERPETRATOR else population,
        measure,
    ),
    st.sampled_from(
        [(country, region) for country, regions in COUNTRIES.items() for region in ["", *regions]]
    ),
    st.sampled_from(MONTHS),
    st.sampled_from(VIOLATIONS),
    st.sampled_from(PERPETRATORS),
    st.sampled_from(POPULATIONS),
    st.sampled_from(MEASURES),
)
contributions = st.lists(
    st.dictionaries(_contribution_cells, st.integers(1, 4), max_size=8).map(Counter), max_size=30
)
scopes = st.builds(
    Scope,
    countries=st.frozensets(st.sampled_from(sorted(COUNTRIES)), max_size=2),
    violations=st.frozensets(st.sampled_from(VIOLATIONS), max_size=2),
    first_month=st.sampled_from(["", "2025-01"]),
    last_month=st.sampled_from(["", "2025-01", "2025-02"]),
)


def test_a_record_reads_back_as_written() -> None:
    cells = Counter(
        {
            ("BR", "BR-SP", "2025-03", "extortion_bribe", "police", "sex_worker", ACTS): 1,
            ("BR", "", "2025-03", "extortion_bribe", "police", "", BY_PERPETRATOR): 2,
            ("CO", "", "", "denial_oat", "", "migrant", BY_POPULATION): 70_000,
            ("CO", "", "", "denial_oat", "unknown", "migrant", COMBINATIONS): 3,
        }
    )
    assert decode(encode(cells)) == cells
    assert decode(encode(cells), frozenset({BY_POPULATION})) == Counter(
        {("CO", "", "", "denial_oat", "", "migrant", BY_POPULATION): 70_000}
    )
    # Smaller than the JSON it replaced, and naming each value once.
    written = encode(cells)
    assert len(written) < len(json.dumps(sorted([*c, n] for c, n in cells.items())))
    assert written.count(b"extortion_bribe") == 1


def test_a_record_written_as_json_before_is_still_read() -> None:
    older = json.dumps([["BR", "", "2025-03", "extortion_bribe", "police", "", ACTS, 4]]).encode()
    expected = Counter({("BR", "", "2025-03", "extortion_bribe", "police", "", ACTS): 4})
    assert decode(older) == expected
    collector = Collector()
    collector.add(older)
    collector.add(encode(expected))
    arrays = collector.arrays()
    assert arrays.contributions == 2
    assert arrays.counts.tolist() == [4, 4]
    assert arrays.owners.tolist() == [0, 1]
    assert [arrays.values[number] for number in arrays.places[1]] == list(next(iter(expected))[:6])


def test_a_value_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="line break"):
        encode(Counter({("B\nR", "", "", "extortion_bribe", "", "", ACTS): 1}))


def _one_by_one(
    opened: list[Counter[Cell]], scope: Scope
) -> tuple[dict[str, dict[tuple[str, str], int]], dict[str, dict[tuple[str, str], int]]]:
    """The tables' cells and reports, added up cell by cell."""
    layout = {
        "country": (ACTS, 0),
        "month": (ACTS, 2),
        "perpetrator": (BY_PERPETRATOR, 4),
        "population": (BY_POPULATION, 5),
    }
    cells: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    reports: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for contribution in opened:
        seen = set()
        for cell, amount in contribution.items():
            if not scope.admits(cell) or amount <= 0:
                continue
            for name, (measure, column) in layout.items():
                if cell[6] == measure:
                    cells[name][(cell[3], cell[column])] += amount
                    seen.add((name, (cell[3], cell[column])))
        for name, key in seen:
            reports[name][key] += 1
    return (
        {name: dict(counter) for name, counter in cells.items()},
        {name: dict(counter) for name, counter in reports.items()},
    )


def _regions_one_by_one(
    opened: list[Counter[Cell]], scope: Scope, threshold: int
) -> tuple[dict[str, int], dict[str, int]]:
    """The region table's acts and reports by column, regions under the threshold merged."""
    acts: Counter[str] = Counter()
    for contribution in opened:
        for cell, amount in contribution.items():
            if cell[6] == ACTS and amount > 0 and scope.admits(cell):
                acts[cell[1] or cell[0]] += amount
    country = {region: country for country, regions in COUNTRIES.items() for region in regions}
    kept = {region for region, total in acts.items() if region in country and total >= threshold}

    def column(region: str) -> str:
        return region if region in kept else country.get(region, region)

    cells: Counter[str] = Counter()
    for region, total in acts.items():
        cells[column(region)] += total
    reports: Counter[str] = Counter()
    for contribution in opened:
        reports.update(
            {
                column(cell[1] or cell[0])
                for cell, amount in contribution.items()
                if cell[6] == ACTS and amount > 0 and scope.admits(cell)
            }
        )
    if not kept or len(cells) < 2:
        return {}, {}
    return dict(cells), dict(reports)


@settings(max_examples=150, deadline=None)
@given(opened=contributions, scope=scopes, other=scopes, threshold=st.integers(1, 6))
def test_the_arrays_add_up_as_the_cells_do_one_by_one(
    opened: list[Counter[Cell]], scope: Scope, other: Scope, threshold: int
) -> None:
    exports, fine = build_many(CellArrays.of(opened), [scope, other], threshold)
    expected_cells, expected_reports = _one_by_one(opened, scope)
    tables = {table.name: table for table in exports[0]}
    for name in ("country", "month", "perpetrator", "population"):
        if name in tables:
            assert tables[name].cells == expected_cells.get(name, {})
            assert tables[name].reports == expected_reports.get(name, {})
    region_cells, region_reports = _regions_one_by_one(opened, scope, threshold)
    region = tables.get(REGION_TABLE)
    assert (region is not None) == bool(region_cells)
    if region is not None:
        assert {column: region.cells[(TOTAL, column)] for column in region.columns} == region_cells
        assert {column: region.reports[(TOTAL, column)] for column in region.columns} == (
            region_reports
        )
    # The finest counts hold every cell within either scope, once.
    within: Counter[tuple[str, ...]] = Counter()
    for contribution in opened:
        for cell, amount in contribution.items():
            if (
                cell[6] != COMBINATIONS
                and amount > 0
                and (scope.admits(cell) or other.admits(cell))
            ):
                column = (
                    (cell[1] or cell[0])
                    if cell[6] == ACTS
                    else cell[4 if cell[6] == BY_PERPETRATOR else 5]
                )
                within[(cell[6], cell[3], cell[0], cell[2], column)] += amount
    assert fine == within
