"""Disclosure control: random tables, random thresholds, and a linear-programming attack on what
would be published. No cell hidden for its own sake (a primary cell) may be narrowed to an interval
narrower than the threshold.

The attack here is written apart from reporter/statistics/disclosure.py (its own model, built
from the published values alone), so a mistake in the module's audit cannot hide itself."""

from __future__ import annotations

import highspy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporter.statistics.disclosure import TOTAL, Protected, Table, audit, protect


def _attack(protected: Protected) -> dict[tuple[int, str, str], tuple[float, float]]:
    """What an attacker learns of each primary cell: min and max under every published value,
    each table adding up, and linked tables sharing row totals."""
    names: list[tuple[int, str, str]] = []
    for t, table in enumerate(protected.tables):
        for row in [*table.rows, TOTAL]:
            for column in [*table.columns, TOTAL]:
                names.append((t, row, column))
    position = {name: i for i, name in enumerate(names)}
    rows_a: list[list[tuple[int, float]]] = []
    for t, table in enumerate(protected.tables):
        for row in [*table.rows, TOTAL]:
            rows_a.append(
                [(position[(t, row, c)], 1.0) for c in table.columns]
                + [(position[(t, row, TOTAL)], -1.0)]
            )
        # A one-way table (no rows) has only its totals.
        for column in [*table.columns, TOTAL] if table.rows else []:
            rows_a.append(
                [(position[(t, r, column)], 1.0) for r in table.rows]
                + [(position[(t, TOTAL, column)], -1.0)]
            )
    inequalities: list[list[tuple[int, float]]] = []  # each row of pairs ... >= 0
    for t, table in enumerate(protected.tables):
        for u in range(t + 1, len(protected.tables)):
            other = protected.tables[u]
            if table.link and table.link == other.link:
                # Rows both have (a one-way table of regions: its grand total only).
                for row in [*(r for r in table.rows if r in other.rows), TOTAL]:
                    rows_a.append(
                        [(position[(t, row, TOTAL)], 1.0), (position[(u, row, TOTAL)], -1.0)]
                    )
        for u, other in enumerate(protected.tables):
            if table.covers and other.link == table.covers:
                for row in [*(r for r in table.rows if r in other.rows), TOTAL]:
                    pairs, things = position[(t, row, TOTAL)], position[(u, row, TOTAL)]
                    inequalities.append([(pairs, 1.0), (things, -1.0)])
                    inequalities.append([(pairs, -1.0), (things, float(len(table.columns)))])
            if table.refines and other.name == table.refines:
                # A region table: a country's regions add up to the country, in every row
                # both tables have.
                for row in [*(r for r in table.rows if r in other.rows), TOTAL]:
                    for parent in other.columns:
                        rows_a.append(
                            [
                                (position[(t, row, c)], 1.0)
                                for c in table.columns
                                if table.parents[c] == parent
                            ]
                            + [(position[(u, row, parent)], -1.0)]
                        )
    learned = {}
    for target in sorted(protected.primary):
        bounds = []
        for sign in (1.0, -1.0):
            highs = highspy.Highs()
            highs.setOptionValue("output_flag", False)
            lower, upper, cost = [], [], []
            for name in names:
                shown = protected.shown(*name)
                lower.append(0.0 if shown is None else float(shown))
                upper.append(highspy.kHighsInf if shown is None else float(shown))
                cost.append(sign if name == target else 0.0)
            highs.addVars(len(names), np.array(lower), np.array(upper))
            highs.changeColsCost(len(names), np.arange(len(names), dtype=np.int32), np.array(cost))
            for row in inequalities:
                highs.addRow(
                    0.0,
                    highspy.kHighsInf,
                    len(row),
                    np.array([i for i, _ in row], dtype=np.int32),
                    np.array([v for _, v in row]),
                )
            for row in rows_a:
                highs.addRow(
                    0.0,
                    0.0,
                    len(row),
                    np.array([i for i, _ in row], dtype=np.int32),
                    np.array([v for _, v in row]),
                )
            highs.run()
            status = highs.getModelStatus()
            if status == highspy.HighsModelStatus.kUnbounded:
                bounds.append(float("inf"))
            else:
                assert status == highspy.HighsModelStatus.kOptimal, status
                bounds.append(sign * highs.getInfo().objective_function_value)
        learned[target] = (bounds[0], bounds[1])
    return learned


@st.composite
def exports(draw: st.DrawFn) -> tuple[list[Table], int]:
    threshold = draw(st.integers(min_value=2, max_value=10))
    rows = [f"v{i}" for i in range(draw(st.integers(min_value=1, max_value=4)))]
    tables = []
    # Tables linked to one another count the same acts: build them from one set of acts.
    acts = draw(
        st.lists(
            st.tuples(
                st.sampled_from(rows),
                st.integers(0, 3),  # country
                st.integers(0, 2),  # population
                st.integers(1, 40),  # report
                st.sets(st.integers(0, 2), min_size=1),  # perpetrators
                st.integers(0, 3),  # region of the country; 3: not said
            ),
            min_size=0,
            max_size=60,
        )
    )
    # Regions shown apart; the others lie in their country's column.
    kept = draw(st.sets(st.tuples(st.integers(0, 3), st.integers(0, 2))))
    for name, dimension, width in (("country", 1, 4), ("population", 2, 3)):
        columns = [f"{name}{i}" for i in range(width)]
        cells: dict[tuple[str, str], int] = {}
        reports: dict[tuple[str, str], set[int]] = {}
        for act in acts:
            key = (act[0], columns[act[dimension]])
            cells[key] = cells.get(key, 0) + 1
            reports.setdefault(key, set()).add(act[3])
        tables.append(
            Table(
                name=name,
                rows=rows,
                columns=columns,
                cells=cells,
                reports={key: len(found) for key, found in reports.items()},
                link="acts",
                protect_zeros=name == "population",
            )
        )
    # Acts by region, every row together (a one-way table).
    region_cells: dict[tuple[str, str], int] = {}
    region_reports: dict[tuple[str, str], set[int]] = {}
    parents: dict[str, str] = {}
    for act in acts:
        country = f"country{act[1]}"
        region = f"{country}-r{act[5]}" if (act[1], act[5]) in kept else country
        parents[region] = country
        key = (TOTAL, region)
        region_cells[key] = region_cells.get(key, 0) + 1
        region_reports.setdefault(key, set()).add(act[3])
    tables.append(
        Table(
            name="region",
            rows=[],
            columns=sorted(parents),
            cells=region_cells,
            reports={key: len(found) for key, found in region_reports.items()},
            link="acts",
            refines="country",
            parents=parents,
        )
    )
    # (act, perpetrator) pairs: an act names one perpetrator or more.
    columns = [f"perpetrator{i}" for i in range(3)]
    cells = {}
    reports = {}
    for act in acts:
        for perpetrator in act[4]:
            key = (act[0], columns[perpetrator])
            cells[key] = cells.get(key, 0) + 1
            reports.setdefault(key, set()).add(act[3])
    tables.append(
        Table(
            name="perpetrator",
            rows=rows,
            columns=columns,
            cells=cells,
            reports={key: len(found) for key, found in reports.items()},
            link="pairs",
            covers="acts",
        )
    )
    return tables, threshold


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports())
def test_no_hidden_cell_can_be_narrowed_below_the_threshold(
    export: tuple[list[Table], int],
) -> None:
    tables, threshold = export
    protected = protect(tables, threshold)
    for cell, (low, high) in _attack(protected).items():
        assert high - low >= threshold - 1e-6, (cell, low, high, protected.hidden)
    for t, table in enumerate(tables):
        for row, column in table.positions():
            shown = protected.shown(t, row, column)
            if shown is None:
                continue
            # What is shown is zero or at least the threshold, and never one report's alone.
            assert shown == 0 or shown >= threshold, (t, row, column, shown)
            reports = table.report_count(row, column)
            assert shown == 0 or reports is None or reports >= 2


def test_a_small_cell_is_hidden_with_enough_company() -> None:
    table = Table(
        name="country",
        rows=["police", "health"],
        columns=["BR", "CO"],
        cells={
            ("police", "BR"): 3,
            ("police", "CO"): 20,
            ("health", "BR"): 15,
            ("health", "CO"): 30,
        },
        reports={
            ("police", "BR"): 3,
            ("police", "CO"): 20,
            ("health", "BR"): 15,
            ("health", "CO"): 30,
        },
    )
    protected = protect([table], threshold=10)
    assert (0, "police", "BR") in protected.primary
    # Hidden alone, the 3 would follow from its row total minus 20: a second cell of its row and
    # of its column must go with it, and then the fourth one too (or the totals).
    assert len({cell for cell in protected.hidden if TOTAL not in cell[1:]}) >= 3
    learned = _attack(protected)
    assert all(high - low >= 10 for low, high in learned.values())


def test_one_report_alone_never_makes_a_published_cell() -> None:
    table = Table(
        name="country",
        rows=["forced_labour"],
        columns=["BR", "CO"],
        cells={("forced_labour", "BR"): 12, ("forced_labour", "CO"): 30},
        reports={("forced_labour", "BR"): 1, ("forced_labour", "CO"): 9},
    )
    protected = protect([table], threshold=10)
    assert protected.shown(0, "forced_labour", "BR") is None
    assert (0, "forced_labour", "BR") in protected.primary


def test_a_disclosive_zero_is_protected() -> None:
    """Every one of the 25 people in a row belongs to one population: publishing the zeros beside
    the 25 would say so of each of them."""
    table = Table(
        name="population",
        rows=["forced_testing", "extortion_bribe"],
        columns=["sex_worker", "people_who_use_drugs"],
        cells={
            ("forced_testing", "sex_worker"): 25,
            ("extortion_bribe", "sex_worker"): 40,
            ("extortion_bribe", "people_who_use_drugs"): 50,
        },
        reports={
            ("forced_testing", "sex_worker"): 25,
            ("extortion_bribe", "sex_worker"): 40,
            ("extortion_bribe", "people_who_use_drugs"): 50,
        },
        protect_zeros=True,
    )
    protected = protect([table], threshold=10)
    assert protected.shown(0, "forced_testing", "sex_worker") is None
    learned = _attack(protected)
    assert all(high - low >= 10 for low, high in learned.values())


@pytest.mark.parametrize("threshold", [3, 10])
def test_nothing_hidden_when_nothing_is_small(threshold: int) -> None:
    table = Table(
        name="country",
        rows=["a", "b"],
        columns=["x", "y"],
        cells={("a", "x"): 10, ("a", "y"): 11, ("b", "x"): 12, ("b", "y"): 13},
        reports={("a", "x"): 10, ("a", "y"): 11, ("b", "x"): 12, ("b", "y"): 13},
    )
    assert protect([table], threshold).hidden == frozenset()


def test_the_audit_gives_the_interval_an_attacker_would_find() -> None:
    """A hidden cell whose row and column are shown is worked out exactly; hide its partners and
    it can be anything from zero to what its row and column allow. Too much hidden is a fault
    too: what could be published is lost."""
    table = Table(
        name="country",
        rows=["a", "b"],
        columns=["x", "y"],
        cells={("a", "x"): 3, ("a", "y"): 20, ("b", "x"): 30, ("b", "y"): 40},
        reports={("a", "x"): 3, ("a", "y"): 20, ("b", "x"): 30, ("b", "y"): 40},
    )
    assert audit([table], {(0, "a", "x")}, 10) == [((0, "a", "x"), 3.0, 3.0)]
    inner = {(0, "a", "x"), (0, "a", "y"), (0, "b", "x"), (0, "b", "y")}
    # a,x lies between 0 and 23 (its row's total); each other cell as widely.
    assert audit([table], inner, 10) == []
    protected = protect([table], 10)
    assert (0, "a", "x") in protected.hidden
    assert protected.shown(0, TOTAL, TOTAL) == 93 and protected.shown(0, "b", TOTAL) == 70


def test_a_country_is_the_sum_of_its_regions() -> None:
    """The region table splits the country table's columns. Here the regions' columns show that
    only the first country has acts, so its cell is the row's total: the audit must know that
    a country's regions add up to it (found by the generated tests with it left out)."""
    rows = ["v0"]
    countries = ["country0", "country1", "country2", "country3"]
    one_report = {("v0", "country0"): 1}
    tables = [
        Table("country", rows, countries, {("v0", "country0"): 2}, one_report, link="acts"),
        Table(
            "region",
            [],
            ["country0", "country0-r0"],
            {(TOTAL, "country0-r0"): 1, (TOTAL, "country0"): 1},
            {(TOTAL, "country0-r0"): 1, (TOTAL, "country0"): 1},
            refines="country",
            parents={"country0-r0": "country0", "country0": "country0"},
        ),
    ]
    protected = protect(tables, 2)
    for cell, (low, high) in _attack(protected).items():
        assert high - low >= 2 - 1e-6, (cell, low, high)
