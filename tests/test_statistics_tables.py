"""The export's tables, built from coded cases: each act counted where it belongs, each cell with
how many reports make it up, and the disclosure control applied to what comes out."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from reporter.coding import service as coding
from reporter.statistics import ledger
from reporter.statistics.disclosure import TOTAL, audit, protect
from reporter.statistics.service import contributions
from reporter.statistics.tables import Scope, build, build_many
from tests.conftest import Network
from tests.factories import make_report
from tests.staff import advocacy_keys_of, keyring_of


def _code(db: Session, network: Network, acts: list[coding.Act]) -> None:
    """One counted report per act list, coded by a moderator of the Brazilian organisation."""
    key = network.key(network.brazil)
    made = make_report(db, network.brazil, key, count_in_statistics=True)
    for act in acts:
        coding.save_act(db, made.case, keyring_of(network.brazil, key), act)


def _act(violation: str, month: int, **more: object) -> coding.Act:
    return coding.Act(
        violation_type=violation, year=2025, month=month, date_precision="month", **more
    )  # type: ignore[arg-type]


def test_tables_count_acts_pairs_and_reports(network: Network, db: Session) -> None:
    _code(
        db,
        network,
        [
            _act("extortion_bribe", 3, country="BR", perpetrators=["police", "military"]),
            _act("extortion_bribe", 4, country="BR", populations=["sex_worker", "migrant"]),
        ],
    )
    _code(db, network, [_act("extortion_bribe", 3, country="CO", perpetrators=["police"])])
    _code(db, network, [_act("denial_oat", 3, country="BR", perpetrators=["public_health_worker"])])
    opened = list(contributions(db, network.brazil, advocacy_keys_of(network.brazil)))
    country, month, perpetrator, population = build(opened, Scope())
    assert country.rows == ["denial_oat", "extortion_bribe"]
    # Acts, each once.
    assert country.cells == {
        ("extortion_bribe", "BR"): 2,
        ("extortion_bribe", "CO"): 1,
        ("denial_oat", "BR"): 1,
    }
    assert country.reports == {
        ("extortion_bribe", "BR"): 1,
        ("extortion_bribe", "CO"): 1,
        ("denial_oat", "BR"): 1,
    }
    assert month.cells == {
        ("extortion_bribe", "2025-03"): 2,
        ("extortion_bribe", "2025-04"): 1,
        ("denial_oat", "2025-03"): 1,
    }
    # Pairs: an act names every perpetrator it names; "unknown" when it names none.
    assert perpetrator.cells == {
        ("extortion_bribe", "police"): 2,
        ("extortion_bribe", "military"): 1,
        ("extortion_bribe", "unknown"): 1,
        ("denial_oat", "public_health_worker"): 1,
    }
    assert perpetrator.value("extortion_bribe", TOTAL) >= country.value("extortion_bribe", TOTAL)
    assert population.cells == {
        ("extortion_bribe", ""): 2,
        ("extortion_bribe", "sex_worker"): 1,
        ("extortion_bribe", "migrant"): 1,
        ("denial_oat", ""): 1,
    }
    # The link and the bounds the disclosure control audits with.
    assert [t.link for t in (country, month, perpetrator, population)] == [
        "acts",
        "acts",
        "perpetrator_pairs",
        "population_pairs",
    ]
    assert perpetrator.covers == population.covers == "acts" and population.protect_zeros


def test_the_scope_narrows_every_table_alike(network: Network, db: Session) -> None:
    _code(
        db,
        network,
        [
            _act("extortion_bribe", 3, country="BR", perpetrators=["police", "military"]),
            _act("extortion_bribe", 4, country="BR", populations=["migrant", "woman"]),
            _act("denial_oat", 9, country="BR"),
            _act("denial_oat", 3, country="CO"),
        ],
    )
    opened = list(contributions(db, network.brazil, advocacy_keys_of(network.brazil)))
    scope = Scope(countries=frozenset({"BR"}), first_month="2025-01", last_month="2025-06")
    tables = build(opened, scope)
    assert [table.name for table in tables] == ["month", "perpetrator", "population"]
    for table in tables:
        assert table.rows == ["extortion_bribe"]
    month = tables[0]
    assert month.cells == {("extortion_bribe", "2025-03"): 1, ("extortion_bribe", "2025-04"): 1}


def test_small_real_counts_never_come_out(network: Network, db: Session) -> None:
    for number in range(30):
        _code(db, network, [_act("extortion_bribe", 3 + number % 2, country="BR")])
    _code(db, network, [_act("forced_labour", 3, country="BR", populations=["migrant"])])
    opened = list(contributions(db, network.brazil, advocacy_keys_of(network.brazil)))
    tables = build(opened, Scope())
    # One country: no table by country (it would repeat the row totals).
    assert [table.name for table in tables] == ["month", "population"]
    protected = protect(tables, threshold=10)
    # The one act of forced labour shows nowhere, and nothing published narrows it; the thirty
    # acts of extortion are published.
    for index, table in enumerate(tables):
        for column in [*table.columns, TOTAL]:
            assert protected.shown(index, "forced_labour", column) is None
    assert audit(tables, protected.hidden, 10, protected.primary) == []
    assert protected.shown(0, "extortion_bribe", TOTAL) == 30


def test_regions_too_small_are_merged_into_their_country(network: Network, db: Session) -> None:
    """São Paulo and Antioquia have enough acts to stand apart; Rio de Janeiro's two acts and
    the acts with no region said lie in Brazil's column, each report counted there once."""
    for _ in range(12):
        _code(db, network, [_act("extortion_bribe", 3, country="BR", region="BR-SP")])
        _code(db, network, [_act("extortion_bribe", 3, country="CO", region="CO-ANT")])
    _code(
        db,
        network,
        [
            _act("extortion_bribe", 3, country="BR", region="BR-RJ"),
            _act("extortion_bribe", 4, country="BR"),
        ],
    )
    _code(db, network, [_act("extortion_bribe", 4, country="BR", region="BR-RJ")])
    _code(db, network, [_act("extortion_bribe", 4, country="BR")])
    opened = list(contributions(db, network.brazil, advocacy_keys_of(network.brazil)))
    tables = build(opened, Scope(), threshold=10)
    assert [table.name for table in tables] == ["country", "region", "month"]
    country, region, _month = tables
    assert region.columns == ["BR", "BR-SP", "CO-ANT"]
    # Every kind of violation together: a one-way table.
    assert region.rows == []
    assert region.cells == {(TOTAL, "BR"): 4, (TOTAL, "BR-SP"): 12, (TOTAL, "CO-ANT"): 12}
    assert region.reports == {(TOTAL, "BR"): 3, (TOTAL, "BR-SP"): 12, (TOTAL, "CO-ANT"): 12}
    assert region.refines == "country"
    assert region.parents == {"BR": "BR", "BR-SP": "BR", "CO-ANT": "CO"}
    # Every country is the sum of its regions.
    assert country.cells == {("extortion_bribe", "BR"): 16, ("extortion_bribe", "CO"): 12}
    # A higher threshold merges São Paulo and Antioquia too: the table would repeat the
    # countries, so it is left out.
    assert "region" not in [table.name for table in build(opened, Scope(), threshold=13)]
    # An earlier export is counted again with the regions it showed, whatever the threshold.
    exports, _fine = build_many(opened, [Scope(), Scope()], 13, [None, frozenset({"BR-SP"})])
    assert [table.name for table in exports[1]] == ["country", "region", "month"]
    assert exports[1][1].columns == ["BR", "BR-SP", "CO"]
    assert exports[1][1].cells[(TOTAL, "CO")] == 12


def test_the_ledger_remembers_the_regions_an_export_showed(network: Network, db: Session) -> None:
    for _ in range(12):
        _code(db, network, [_act("extortion_bribe", 3, country="BR", region="BR-SP")])
        _code(db, network, [_act("extortion_bribe", 4, country="CO")])
    keys = advocacy_keys_of(network.brazil)
    first = ledger.protected_export(db, network.brazil, keys, Scope(), 10)
    assert ledger.shown_regions(first) == {"BR-SP"}
    assert ledger.remember(db, network.brazil, keys, Scope(), first, dt.date(2026, 1, 5))
    (release,) = ledger.releases(db, network.brazil, keys)
    assert release.regions == {"BR-SP"}
    # More acts in Rio later do not change what the earlier export is checked as.
    for _ in range(12):
        _code(db, network, [_act("extortion_bribe", 5, country="BR", region="BR-RJ")])
    later = ledger.protected_export(db, network.brazil, keys, Scope(last_month="2025-05"), 10)
    assert later.checked_with == 1
    assert ledger.shown_regions(later) == {"BR-SP", "BR-RJ"}
