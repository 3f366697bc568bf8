"""What a protected export costs: 100,000 coded cases, opened, tabled and suppressed.

Seeds contributions the way coding makes them (statistics/service.py `_contribution`), for
100,000 cases over ten countries, 24 months and the whole violation vocabulary, encrypted under an
advocacy key, each act in a region of its country (or none said); then times opening them all,
building the tables (statistics/tables.py), and
the disclosure control with its linear-programming audit (statistics/disclosure.py), then each
file format (JSON, CSV, XLSX, and the PDF brief with its charts, in Spanish), and prints the peak
memory of the process. Last, the same whole export checked together with one earlier export of
its first twelve months (statistics/ledger.py: both built in one pass, audited over their atoms).

    python bench/export.py
    python bench/export.py --cases 10000 --threshold 5
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

import argparse
import datetime as dt
import os
import random
import resource
import tempfile
import time
import uuid
from dataclasses import dataclass, field

from reporter import create_app, crypto
from reporter.crypto import contexts
from reporter.statistics import export, ledger
from reporter.statistics.cells import Collector, encode
from reporter.statistics.disclosure import Earlier, protect
from reporter.statistics.service import _contribution
from reporter.statistics.tables import Scope, atoms, build, build_many
from reporter.vocabulary import POPULATIONS, VIOLATION_GROUPS, keys, places

COUNTRIES = ["AR", "BO", "BR", "CL", "CO", "EC", "MX", "PE", "PY", "UY"]
PERPETRATORS = ["police", "military", "prison_staff", "public_health_worker", "client", "unknown"]


@dataclass
class SeedAct:
    violation_type: str
    country: str
    region: str
    year_month: str
    perpetrators: list[str] = field(default_factory=list)
    populations: list[str] = field(default_factory=list)
    violation_status: str = "verified"


def _region(country: str, rng: random.Random) -> str:
    """A first-level region of the country, the big ones more often; one act in five says none."""
    codes = [code for code, _name in places.regions(country, "en")]
    if not codes or rng.random() < 0.2:
        return ""
    return rng.choices(codes, [1.0 / (rank + 1) for rank in range(len(codes))])[0]


def _seed(cases: int, key: bytes, rng: random.Random) -> list[tuple[uuid.UUID, bytes]]:
    violations = [term.key for group in VIOLATION_GROUPS for term in group.terms]
    # Real reports bunch up: a few violation types and countries make most of them.
    weights = [1.0 / (rank + 1) for rank in range(len(violations))]
    populations = list(keys(POPULATIONS))
    organisation = uuid.UUID(int=1)
    rows = []
    for _ in range(cases):
        countries = rng.choices(COUNTRIES, [8, 2, 10, 2, 9, 2, 7, 4, 1, 1], k=3)
        acts = [
            SeedAct(
                violation_type=rng.choices(violations, weights)[0],
                country=country,
                region=_region(country, rng),
                year_month=f"{2024 + rng.randrange(2)}-{1 + rng.randrange(12):02d}",
                perpetrators=rng.sample(PERPETRATORS, rng.choice([1, 1, 1, 2])),
                populations=rng.sample(populations, rng.choice([0, 1, 1, 2])),
            )
            for country in countries[: rng.choice([1, 1, 1, 2, 3])]
        ]
        row_id = uuid.uuid4()
        data = encode(_contribution(acts))
        rows.append(
            (
                row_id,
                crypto.encrypt_record(key, data, contexts.stat_contribution(organisation, row_id)),
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--threshold", type=int, default=10)
    arguments = parser.parse_args()
    rng = random.Random(7)
    key = crypto.new_key()
    organisation = uuid.UUID(int=1)
    rows = _seed(arguments.cases, key, rng)

    started = time.perf_counter()
    # As statistics/service.py `opened_cells` does, without the database rows around it.
    collector = Collector()
    for plaintext in crypto.decrypt_records(
        (key, data, contexts.stat_contribution(organisation, row_id)) for row_id, data in rows
    ):
        collector.add(plaintext)
    opened = collector.arrays()
    opening = time.perf_counter() - started

    started = time.perf_counter()
    tables = build(opened, Scope(), arguments.threshold)
    tabling = time.perf_counter() - started

    started = time.perf_counter()
    protected = protect(tables, arguments.threshold)
    protecting = time.perf_counter() - started

    # A second export, after an earlier one of its first twelve months.
    months = sorted(
        {column for table in tables if table.name == "month" for column in table.columns}
    )
    first_year = Scope(last_month=months[min(11, len(months) - 1)])
    earlier = protect(build(opened, first_year, arguments.threshold), arguments.threshold)
    started = time.perf_counter()
    scopes = [Scope(), first_year]
    exports, fine = build_many(
        opened, scopes, arguments.threshold, [None, ledger.shown_regions(earlier)]
    )
    joint_tabling = time.perf_counter() - started
    started = time.perf_counter()
    pieces = atoms(scopes, exports, fine)
    earlier_hidden = frozenset(
        (earlier.tables[t].name, row, column) for t, row, column in earlier.hidden
    )
    joint = protect(exports[0], arguments.threshold, [Earlier(exports[1], earlier_hidden)], pieces)
    joint_protecting = time.perf_counter() - started

    sizes, timings = {}, {}
    made_on = dt.date(2026, 11, 30)
    with tempfile.TemporaryDirectory() as instance:
        os.environ["REPORTER_INSTANCE_PATH"] = instance
        app = create_app()
        with app.test_request_context("/"):
            for file_format in export.FORMATS:
                started = time.perf_counter()
                body = export.render(protected, "Bench", Scope(), made_on, file_format, "es")
                timings[file_format] = time.perf_counter() - started
                sizes[file_format] = len(body)
            # A server loads matplotlib and WeasyPrint once: the second PDF is what it costs then.
            started = time.perf_counter()
            export.render(protected, "Bench", Scope(), made_on, "pdf", "es")
            warm_pdf = time.perf_counter() - started

    cells = sum(len(table.positions()) for table in tables)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"cases: {arguments.cases:,}; tables: {len(tables)}; cells with totals: {cells:,}")
    print(f"open every contribution: {opening:.2f} s")
    print(f"build the tables: {tabling:.2f} s")
    print(
        f"suppress and audit (threshold {arguments.threshold}): {protecting:.2f} s; "
        f"hidden: {len(protected.hidden)} ({len(protected.primary)} primary)"
    )
    for file_format in export.FORMATS:
        print(
            f"write {file_format}: {timings[file_format]:.2f} s "
            f"({sizes[file_format] / 1024:.0f} KiB)"
        )
    print(f"write pdf again, its libraries loaded: {warm_pdf:.2f} s")
    shared = opening + tabling + protecting
    print(f"total before the files: {shared:.2f} s; peak memory: {peak_mib:.0f} MiB")
    for file_format in export.FORMATS:
        print(f"  a whole {file_format} export: {shared + timings[file_format]:.2f} s")
    print(f"  a whole pdf export, its libraries loaded: {shared + warm_pdf:.2f} s")
    print(
        f"with one earlier export (months up to {first_year.last_month}): both tabled in "
        f"{joint_tabling:.2f} s; {len(pieces.values):,} atoms, {len(pieces.pieces):,} pieces; "
        f"audited together in {joint_protecting:.2f} s; hidden: {len(joint.hidden)} "
        f"(alone: {len(protected.hidden)})"
    )
    joint_total = opening + joint_tabling + joint_protecting
    print(f"  a whole JSON export checked with it: {joint_total + timings['json']:.2f} s")


if __name__ == "__main__":
    main()
