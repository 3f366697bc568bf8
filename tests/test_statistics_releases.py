"""Differencing across releases: an export and the earlier ones of overlapping scope, together,
reveal nothing that each hides, and no piece that only their difference singles out (January to
July minus January to June is July).

The attack here is written apart from the module: it works on the finest counts (violation,
country, month, and each pair's perpetrator or population), with every published cell of every
export fixed, every count at least zero, what an export showed no row or column for at zero, and
each act naming at least one and at most as many perpetrator types (and populations) as may be
there. It knows what the module knows, no less."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import highspy
import numpy as np
import pytest
from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.statistics import ledger
from reporter.statistics.cells import ACTS, BY_PERPETRATOR, BY_POPULATION, Cell
from reporter.statistics.disclosure import TOTAL, Earlier, Protected, protect
from reporter.statistics.models import StatisticsRelease
from reporter.statistics.tables import Scope, atoms, build_many
from tests.conftest import Network
from tests.factories import code_statistics
from tests.staff import ADVOCACY_KEYS, PASSPHRASE, code, login, make_member

# table name -> (measure, position of its column in a fine key)
_TABLES = {
    "country": (ACTS, 2),
    "region": (ACTS, 4),
    "month": (ACTS, 3),
    "perpetrator": (BY_PERPETRATOR, 4),
    "population": (BY_POPULATION, 4),
}

# (measure, violation, country, month, pair); for acts the last is the region (the country's
# code when none was said)
Fine = tuple[str, str, str, str, str]
Act = (
    tuple[str, str, str, frozenset[str], frozenset[str]]
    | tuple[str, str, str, frozenset[str], frozenset[str], str]
)


def _contribution(acts: Sequence[Act]) -> Counter[Cell]:
    """One case's cells, shaped as the statistics service shapes them; an act is (violation,
    country, month, perpetrators, populations[, region])."""
    cells: Counter[Cell] = Counter()
    for violation, country, month, perpetrators, populations, *region in acts:
        place = (country, region[0] if region else "", month, violation)
        cells[(*place, sorted(perpetrators)[0], sorted(populations)[0], ACTS)] += 1
        for perpetrator in perpetrators:
            cells[(*place, perpetrator, "", BY_PERPETRATOR)] += 1
        for population in populations:
            cells[(*place, "", population, BY_POPULATION)] += 1
    return cells


def _release(
    contributions: list[Counter[Cell]],
    scopes: list[Scope],
    earlier: list[Protected],
    threshold: int,
) -> Protected:
    """The first scope's export, protected with the earlier ones (the other scopes, published
    as `earlier`), as the ledger does it."""
    regions = [None, *(ledger.shown_regions(protected) for protected in earlier)]
    exports, fine = build_many(contributions, scopes, threshold, regions)
    if len(scopes) == 1:
        return protect(exports[0], threshold)
    return protect(
        exports[0],
        threshold,
        [
            Earlier(tables, _names(protected))
            for tables, protected in zip(exports[1:], earlier, strict=True)
        ],
        atoms(scopes, exports, fine),
    )


def _names(protected: Protected) -> frozenset[tuple[str, str, str]]:
    return frozenset((protected.tables[t].name, row, col) for t, row, col in protected.hidden)


def _kept(protected: Protected) -> frozenset[str]:
    return ledger.shown_regions(protected)


class _Attacker:
    """The finest counts as unknowns; what every export published as equations."""

    def __init__(
        self,
        contributions: list[Counter[Cell]],
        scopes: list[Scope],
        published: list[Protected],
        universe: list[Scope],
    ) -> None:
        """`scopes` and `published`: the exports the attacker holds; `universe`: every scope
        whose counts are unknowns (the same for attackers compared with one another)."""
        fine: Counter[Fine] = Counter()
        for contribution in contributions:
            for (
                country,
                region,
                month,
                violation,
                perpetrator,
                population,
                measure,
            ), n in contribution.items():
                pair = {
                    ACTS: region or country,
                    BY_PERPETRATOR: perpetrator,
                    BY_POPULATION: population,
                }[measure]
                fine[(measure, violation, country, month, pair)] += n
        self.fine = fine
        violations = sorted({key[1] for key in fine})
        countries = sorted({key[2] for key in fine})
        months = sorted({key[3] for key in fine})
        pairs = {
            measure: sorted({key[4] for key in fine if key[0] == measure})
            for measure in (BY_PERPETRATOR, BY_POPULATION)
        }
        regions = {
            country: sorted({key[4] for key in fine if key[0] == ACTS and key[2] == country})
            for country in countries
        }
        self.keys: list[Fine] = []
        for v, c, m in itertools.product(violations, countries, months):
            if not any(scope.admits_place(c, m, v) for scope in universe):
                continue
            self.keys += [(ACTS, v, c, m, region) for region in regions[c]]
            for measure, values in pairs.items():
                self.keys += [(measure, v, c, m, p) for p in values]
        self.index = {key: i for i, key in enumerate(self.keys)}
        self.scopes = scopes
        self.published = published
        upper = np.full(len(self.keys), highspy.kHighsInf)
        equations: list[tuple[list[int], float]] = []
        for scope, protected in zip(scopes, published, strict=True):
            # The kinds of violation it shows (None: only the region table, every kind together).
            rows = next((set(t.rows) for t in protected.tables if t.rows), None)
            kept = _kept(protected)
            for t, table in enumerate(protected.tables):
                measure, _position = _TABLES[table.name]
                for key in self.keys:
                    if (
                        key[0] == measure
                        and scope.admits_place(key[2], key[3], key[1])
                        and (
                            (rows is not None and key[1] not in rows)
                            or self.column(table.name, key, kept) not in table.columns
                        )
                    ):
                        upper[self.index[key]] = 0.0
                for row, column in table.positions():
                    shown = protected.shown(t, row, column)
                    if shown is not None:
                        equations.append(
                            (self.members(scope, table.name, row, column, kept=kept), shown)
                        )
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.addVars(len(self.keys), np.zeros(len(self.keys)), upper)
        for members, value in equations:
            self.highs.addRow(
                value, value, len(members), np.array(members, dtype=np.int32), np.ones(len(members))
            )
        acts_of: dict[tuple[str, str, str], list[int]] = {}
        for key in self.keys:
            if key[0] == ACTS:
                acts_of.setdefault(key[1:4], []).append(self.index[key])
        for place, acts in acts_of.items():
            for measure in (BY_PERPETRATOR, BY_POPULATION):
                open_pairs = [
                    self.index[other]
                    for other in self.keys
                    if other[0] == measure and other[1:4] == place and upper[self.index[other]]
                ]
                if not open_pairs:
                    continue
                indices = np.array([*open_pairs, *acts], dtype=np.int32)
                size = len(indices)
                self.highs.addRow(
                    0.0,
                    highspy.kHighsInf,
                    size,
                    indices,
                    np.array([1.0] * len(open_pairs) + [-1.0] * len(acts)),
                )
                self.highs.addRow(
                    0.0,
                    highspy.kHighsInf,
                    size,
                    indices,
                    np.array([-1.0] * len(open_pairs) + [float(len(open_pairs))] * len(acts)),
                )

    @staticmethod
    def column(name: str, key: Fine, kept: frozenset[str]) -> str:
        """The column of a table a fine count lies in; a region not shown apart lies in its
        country's."""
        _measure, position = _TABLES[name]
        if name == "region":
            return key[4] if key[4] in kept else key[2]
        return key[position]

    def members(
        self,
        scope: Scope | None,
        name: str,
        row: str,
        column: str,
        among: set[Fine] | None = None,
        kept: frozenset[str] = frozenset(),
    ) -> list[int]:
        measure, _position = _TABLES[name]
        return [
            i
            for i, key in enumerate(self.keys)
            if key[0] == measure
            and (scope is None or scope.admits_place(key[2], key[3], key[1]))
            and (among is None or key in among)
            and row in (TOTAL, key[1])
            and column in (TOTAL, self.column(name, key, kept))
        ]

    def interval(self, members: list[int]) -> tuple[float, float]:
        bounds = []
        indices = np.array(members, dtype=np.int32)
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            self.highs.changeColsCost(len(members), indices, np.ones(len(members)))
            self.highs.changeObjectiveSense(sense)
            self.highs.run()
            status = self.highs.getModelStatus()
            if status == highspy.HighsModelStatus.kUnbounded:
                bounds.append(float("inf"))
            else:
                assert status == highspy.HighsModelStatus.kOptimal, status
                bounds.append(self.highs.getInfo().objective_function_value)
            self.highs.changeColsCost(len(members), indices, np.zeros(len(members)))
        return bounds[0], bounds[1]

    def value(self, members: list[int]) -> int:
        return sum(self.fine[self.keys[i]] for i in members)

    def pieces(self) -> list[list[int]]:
        """Every cell of every table restricted to the counts held by exactly the same exports
        (a region table's as each export that holds them draws it)."""
        by_holders: dict[frozenset[int], set[Fine]] = {}
        for key in self.keys:
            holders = frozenset(
                e
                for e, scope in enumerate(self.scopes)
                if scope.admits_place(key[2], key[3], key[1])
            )
            by_holders.setdefault(holders, set()).add(key)
        found = []
        for holders, among in by_holders.items():
            for e in holders:
                kept = _kept(self.published[e])
                for name in {table.name for table in self.published[e].tables}:
                    measure, _position = _TABLES[name]
                    # The region table shows every kind of violation together.
                    rows = set() if name == "region" else {k[1] for k in among if k[0] == measure}
                    columns = {self.column(name, key, kept) for key in among if key[0] == measure}
                    for row in [*rows, TOTAL]:
                        for column in [*columns, TOTAL]:
                            found.append(self.members(None, name, row, column, among, kept))
        return found

    def targets(self) -> list[list[int]]:
        """What must not be narrowed: the cells each export hid for their own sake, and every
        piece above zero and below the threshold."""
        found = [
            self.members(scope, protected.tables[t].name, row, column, kept=_kept(protected))
            for scope, protected in zip(self.scopes, self.published, strict=True)
            for t, row, column in protected.primary
        ]
        threshold = self.published[0].threshold
        return found + [m for m in self.pieces() if 0 < self.value(m) < threshold]


def _assert_nothing_narrowed(
    contributions: list[Counter[Cell]], scopes: list[Scope], published: list[Protected]
) -> None:
    """Each export, added to the ones before it, lets nothing be narrowed below the threshold
    that those before it did not already narrow by themselves."""
    threshold = published[0].threshold
    for k in range(1, len(scopes) + 1):
        now = _Attacker(contributions, scopes[:k], published[:k], scopes)
        before = _Attacker(contributions, scopes[: k - 1], published[: k - 1], scopes)
        for members in now.targets():
            low, high = now.interval(members)
            if high - low >= threshold - 1e-6:
                continue
            told_low, told_high = before.interval(members)
            assert told_high - told_low < threshold - 1e-6, (
                k,
                [now.keys[i] for i in members],
                (low, high),
                (told_low, told_high),
            )


_MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04"]


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Counter[Cell]], list[Scope], int]:
    threshold = draw(st.integers(min_value=3, max_value=8))
    act = st.tuples(
        st.sampled_from(["v0", "v1", "v2"]),
        st.sampled_from(["BR", "CO", "PE"]),
        st.sampled_from(_MONTHS),
        st.frozensets(st.sampled_from(["police", "client", "unknown"]), min_size=1),
        st.frozensets(st.sampled_from(["", "sex_worker", "trans"]), min_size=1, max_size=1),
        st.sampled_from(["1", "1", "1", "2", ""]),
    ).map(lambda act: (*act[:5], f"{act[1]}-{act[5]}" if act[5] else ""))
    cases = draw(st.lists(st.lists(act, min_size=1, max_size=3), min_size=1, max_size=40))
    scope = st.builds(
        lambda first, length, countries: Scope(
            countries=frozenset(countries),
            first_month=_MONTHS[first],
            last_month=_MONTHS[min(first + length, 3)],
        ),
        st.integers(0, 3),
        st.integers(0, 3),
        st.sets(st.sampled_from(["BR", "CO", "PE"]), max_size=2),
    )
    scopes = draw(st.lists(scope, min_size=2, max_size=3))
    return [_contribution(case) for case in cases], scopes, threshold


def _stored_history(name: str) -> tuple[list[Counter[Cell]], list[Scope], int]:
    """A history the generator found once, kept so that every run tries it."""
    stored = json.loads((Path(__file__).parent / "data" / name).read_text(encoding="utf-8"))
    scopes = [
        Scope(
            countries=frozenset(scope["countries"]),
            violations=frozenset(scope["violations"]),
            first_month=scope["first_month"],
            last_month=scope["last_month"],
        )
        for scope in stored["scopes"]
    ]
    contributions = [
        Counter({tuple(cell[:-1]): cell[-1] for cell in contribution})
        for contribution in stored["contributions"]
    ]
    return contributions, scopes, stored["threshold"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
# Histories the generator found, kept so that every run tries them. The audit must know: that a
# country's regions add up to it, across exports; that the tables of pairs count the same acts
# when no table of acts is shown (one country, one month); that an export of only a region table
# says nothing of which kinds of violation it holds; that a region table's grand total is every
# act's; that a column an earlier export has and the new one lacks is a zero that must be shown
# to be hidden.
@example(_stored_history("region_history.json"))
@example(_stored_history("history_missing_column.json"))
@example(_stored_history("history_pairs_without_acts.json"))
@example(_stored_history("history_only_regions.json"))
@example(_stored_history("history_region_total.json"))
def test_exports_made_one_after_another_reveal_nothing_together(
    history: tuple[list[Counter[Cell]], list[Scope], int],
) -> None:
    contributions, scopes, threshold = history
    published: list[Protected] = []
    for number in range(len(scopes)):
        # Each export is checked with the ones before it, newest first as the ledger gives them.
        order = [scopes[number], *scopes[:number]]
        published.append(_release(contributions, order, list(published), threshold))
    _assert_nothing_narrowed(contributions, scopes, published)


def _month_of_acts(
    month: str, country: str, count: int, perpetrator: str = "police"
) -> list[Counter[Cell]]:
    return [
        _contribution(
            [("extortion_bribe", country, month, frozenset([perpetrator]), frozenset([""]))]
        )
        for _ in range(count)
    ]


def test_january_to_july_after_january_to_june_does_not_reveal_july() -> None:
    """The case the issue names: alone, each export shows Colombia's row; together they would
    give July's 3 acts in Colombia."""
    months = [f"2025-{m:02d}" for m in range(1, 8)]
    contributions: list[Counter[Cell]] = []
    for month in months[:6]:
        contributions += _month_of_acts(month, "CO", 12) + _month_of_acts(month, "BR", 11)
    contributions += _month_of_acts("2025-07", "CO", 3) + _month_of_acts("2025-07", "BR", 15)
    first = Scope(first_month="2025-01", last_month="2025-06")
    second = Scope(first_month="2025-01", last_month="2025-07")
    january_to_june = _release(contributions, [first], [], 10)
    alone = _release(contributions, [second], [], 10)
    # Without the ledger, both publish Colombia's total: 72 and 75.
    assert alone.shown(0, "extortion_bribe", "CO") == 75
    assert january_to_june.shown(0, "extortion_bribe", "CO") == 72
    together = _release(contributions, [second, first], [january_to_june], 10)
    assert together.checked_with == 1
    assert together.hidden - alone.hidden, "the second export must hide more than it would alone"
    # Not everything: the grand total stays shown (the search for what to hide is a plain
    # heuristic; with a single row, it hides the rest).
    assert together.shown(0, TOTAL, TOTAL) == together.shown(1, TOTAL, TOTAL) == 156
    _assert_nothing_narrowed(contributions, [first, second], [january_to_june, together])
    # And the attack does find July when the second export is protected alone.
    attacker = _Attacker(contributions, [first, second], [january_to_june, alone], [first, second])
    july_in_colombia = [
        i
        for i, key in enumerate(attacker.keys)
        if key[:4] == (ACTS, "extortion_bribe", "CO", "2025-07")
    ]
    assert attacker.interval(july_in_colombia) == (3.0, 3.0)


def test_a_later_export_does_not_reveal_a_month_of_one_region() -> None:
    """Antioquia stands apart in both exports; Colombia's and Brazil's totals for July are large,
    Antioquia's is 3: subtracting the region tables would give it."""
    contributions: list[Counter[Cell]] = []

    def acts(month: str, country: str, region: str, count: int) -> None:
        act = ("extortion_bribe", country, month, frozenset(["police"]), frozenset([""]), region)
        contributions.extend(_contribution([act]) for _ in range(count))

    for month in [f"2025-{m:02d}" for m in range(1, 7)]:
        acts(month, "CO", "CO-ANT", 12)
        acts(month, "CO", "CO-DC", 12)
        acts(month, "BR", "BR-SP", 11)
    acts("2025-07", "CO", "CO-ANT", 3)
    acts("2025-07", "CO", "CO-DC", 12)
    acts("2025-07", "BR", "BR-SP", 15)
    first = Scope(first_month="2025-01", last_month="2025-06")
    second = Scope(first_month="2025-01", last_month="2025-07")
    january_to_june = _release(contributions, [first], [], 10)
    alone = _release(contributions, [second], [], 10)
    region = [table.name for table in alone.tables].index("region")
    assert alone.shown(region, TOTAL, "CO-ANT") == 75
    assert january_to_june.shown(region, TOTAL, "CO-ANT") == 72
    attacker = _Attacker(contributions, [first, second], [january_to_june, alone], [first, second])
    july_in_antioquia = [
        i
        for i, key in enumerate(attacker.keys)
        if key == (ACTS, "extortion_bribe", "CO", "2025-07", "CO-ANT")
    ]
    assert attacker.interval(july_in_antioquia) == (3.0, 3.0)
    together = _release(contributions, [second, first], [january_to_june], 10)
    assert together.hidden - alone.hidden
    _assert_nothing_narrowed(contributions, [first, second], [january_to_june, together])


def test_exports_that_share_nothing_are_not_checked_together() -> None:
    colombia, brazil = Scope(countries=frozenset({"CO"})), Scope(countries=frozenset({"BR"}))
    assert not colombia.overlaps(brazil)
    assert colombia.overlaps(Scope())
    assert not Scope(last_month="2025-03").overlaps(Scope(first_month="2025-04"))
    assert Scope(last_month="2025-04").overlaps(Scope(first_month="2025-04"))
    assert not Scope(violations=frozenset({"a"})).overlaps(Scope(violations=frozenset({"b"})))


def _ledger(db: Session) -> list[StatisticsRelease]:
    db.expire_all()
    return list(db.scalars(select(StatisticsRelease)))


def test_every_download_is_remembered_once_encrypted_and_the_next_is_checked_with_it(
    app: Flask, network: Network, db: Session
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "adv", "advocate")
    code_statistics(db, network)
    client = app.test_client()
    login(client, "adv")
    # The page previews: nothing leaves, nothing is remembered.
    assert client.get("/staff/stats?first_month=2025-03").status_code == 200
    assert _ledger(db) == []
    march_on = client.get("/staff/stats/export.json?first_month=2025-03")
    first = json.loads(march_on.get_data(as_text=True))["metadata"]
    assert first["checked_with_earlier_exports"] == 0
    assert len(_ledger(db)) == 1
    # The same export in another format, or as the brief to print, is the same release.
    assert client.get("/staff/stats/export.csv?first_month=2025-03").status_code == 200
    assert client.get("/staff/stats/brief?first_month=2025-03").status_code == 200
    assert len(_ledger(db)) == 1
    # An overlapping scope is checked with the first, and remembered too.
    april = client.get("/staff/stats/export.json?first_month=2025-04&last_month=2025-04")
    second = json.loads(april.get_data(as_text=True))["metadata"]
    assert second["checked_with_earlier_exports"] == 1
    page = client.get("/staff/stats?countries=BR").get_data(as_text=True)
    assert "checked together with earlier downloads that cover some of the same reports (2)" in page
    # The first export, made again: checked with its own earlier copy and with April's.
    brief = client.get("/staff/stats/brief?first_month=2025-03")
    assert "<dt>Earlier downloads checked with this one</dt><dd>2</dd>" in brief.get_data(
        as_text=True
    )
    assert len(_ledger(db)) == 2
    # One that shares no month with either is not.
    before = client.get("/staff/stats/export.json?last_month=2025-02")
    assert (
        json.loads(before.get_data(as_text=True))["metadata"]["checked_with_earlier_exports"] == 0
    )
    rows = _ledger(db)
    assert len(rows) == 3
    # What each covered and hid is under the advocacy key: no violation type, month or table
    # name in the clear, and each opens only as its own row.
    for row in rows:
        for clear in (b"extortion_bribe", b"forced_labour", b"2025-0", b"country", b"perpetrator"):
            assert clear not in row.data
    keys = {1: ADVOCACY_KEYS[network.brazil.id]}
    opened = ledger.releases(db, network.brazil, keys)
    assert {release.scope.first_month for release in opened} == {"2025-03", "2025-04", ""}
    assert any(name == "country" and row == "forced_labour" for name, row, _ in opened[0].hidden)
    rows[0].data, rows[1].data = rows[1].data, rows[0].data
    with pytest.raises(crypto.DecryptionFailed):
        ledger.releases(db, network.brazil, keys)


def test_a_command_line_export_is_remembered(
    app: Flask, network: Network, db: Session, tmp_path: Path
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "adv", "advocate")
    code_statistics(db, network)
    for step, file_format in enumerate(("json", "pdf")):
        output = tmp_path / f"export.{file_format}"
        result = app.test_cli_runner().invoke(
            args=[
                "export",
                "--username",
                "adv",
                "--passphrase",
                PASSPHRASE,
                "--code",
                code(step),
                "--format",
                file_format,
                "--from",
                "2025-03",
                "--output",
                str(output),
            ]
        )
        assert result.exit_code == 0, result.output
    # Made twice, the same export: remembered once.
    assert len(_ledger(db)) == 1
    releases = ledger.releases(db, network.brazil, {1: ADVOCACY_KEYS[network.brazil.id]})
    assert releases[0].scope == Scope(first_month="2025-03")
    assert releases[0].threshold == 10


def test_admins_see_the_downloads_already_published(
    app: Flask, network: Network, db: Session
) -> None:
    """The publishing page lists what left, newest first, in words; nobody else's."""
    from tests.test_admin_pages import _rows

    make_member(app, network.brazil, network.key(network.brazil), "adv", "advocate")
    make_member(app, network.brazil, network.key(network.brazil), "boss", "org_admin")
    make_member(app, network.colombia, network.key(network.colombia), "jefa", "org_admin")
    code_statistics(db, network)
    admin = app.test_client()
    login(admin, "boss")
    page = admin.get("/staff/admin/publishing").get_data(as_text=True)
    assert "Downloads already published" in page and "None yet." in page
    advocate = app.test_client()
    login(advocate, "adv")
    march = advocate.get("/staff/stats/export.csv?first_month=2025-03&countries=BR")
    assert march.status_code == 200
    everything = advocate.get("/staff/stats/export.json")
    hidden = sum(json.loads(everything.get_data(as_text=True))["metadata"]["suppressed"].values())
    rows = _rows(admin.get("/staff/admin/publishing").get_data(as_text=True))
    today = dt.date.today()
    day = f"{today:%b} {today.day}, {today.year}"
    assert [(row["Made on"], row["Countries"], row["Months"]) for row in rows] == [
        (day, "All", "All months"),
        (day, "Brazil", "from Mar 2025"),
    ]
    assert rows[0]["Numbers not shown"] == str(hidden)
    assert rows[0]["Kinds of violation"] == "All"
    other = app.test_client()
    login(other, "jefa")
    assert "None yet." in other.get("/staff/admin/publishing").get_data(as_text=True)
