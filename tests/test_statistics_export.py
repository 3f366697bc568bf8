"""`reporter export`: the organisation's statistics, protected, as JSON and CSV, opened with a
staff member's passphrase and code; the two files hold the same numbers; small counts never leave."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.audit.models import AuditEntry
from reporter.statistics.disclosure import TOTAL
from tests.conftest import Network
from tests.factories import code_statistics
from tests.staff import PASSPHRASE, code, make_member


def _export(app: Flask, tmp_path: Path, file_format: str, step: int = 0, **options: str) -> Path:
    output = tmp_path / f"export.{file_format}"
    arguments = ["export", "--username", "adv", "--passphrase", PASSPHRASE, "--code", code(step)]
    for name, value in options.items():
        arguments += [f"--{name}", value]
    result = app.test_cli_runner().invoke(
        args=[*arguments, "--format", file_format, "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    return output


def test_an_advocate_exports_protected_json_and_csv_with_the_same_numbers(
    app: Flask, network: Network, db: Session, tmp_path: Path
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "adv", "advocate")
    code_statistics(db, network)
    document = json.loads(_export(app, tmp_path, "json").read_text(encoding="utf-8"))
    metadata = document["metadata"]
    assert metadata["organisation"] == "Rede Brasil" and metadata["threshold"] == 10
    assert metadata["suppressed"] and metadata["suppression_notes"]
    by_table = {table["name"]: table for table in document["tables"]}
    # Every population left unsaid: no table by population (it would have one column).
    assert set(by_table) == {"country", "region", "month", "perpetrator"}
    # São Paulo has enough acts to stand apart; Colombia's acts name no region. Every kind of
    # violation together: only the totals' row.
    assert by_table["region"]["dimensions"] == ["violation_type", "region"]
    regions = {c["region"]: c for c in by_table["region"]["cells"]}
    assert {c["violation_type"] for c in by_table["region"]["cells"]} == {TOTAL}
    assert set(regions) == {"BR", "BR-SP", "CO", TOTAL}
    assert regions["CO"]["count"] == 12
    country = {
        (cell["violation_type"], cell["country"]): cell for cell in by_table["country"]["cells"]
    }
    assert country[("extortion_bribe", "BR")]["count"] == 12
    assert country[("extortion_bribe", "CO")]["count"] == 12
    # The single act of forced labour shows nowhere. A hidden cell does not say why (that would
    # tell which hidden cells are large), only the metadata counts the reasons.
    for table in document["tables"]:
        for cell in table["cells"]:
            if cell["violation_type"] == "forced_labour":
                # Hidden wherever it lies (Brazil, its totals); a zero elsewhere may show.
                assert cell["count"] in (None, 0)
                if cell[table["dimensions"][1]] in ("BR", TOTAL):
                    assert cell["count"] is None and cell["suppressed"] is True
            if cell["count"] is None:
                assert set(cell) == {
                    "violation_type",
                    table["dimensions"][1],
                    "count",
                    "suppressed",
                }
            else:
                assert cell["count"] == 0 or cell["count"] >= 10
    assert any(cell[1] == TOTAL for cell in country)

    rows = _csv_rows(_export(app, tmp_path, "csv", step=1))
    from_csv = {(r["table"], r["violation_type"], r["value"]): r["count"] for r in rows}
    from_json = {
        (table["name"], cell["violation_type"], cell[table["dimensions"][1]]): (
            "" if cell["count"] is None else str(cell["count"])
        )
        for table in document["tables"]
        for cell in table["cells"]
    }
    assert from_csv == from_json
    exports = db.scalars(select(AuditEntry).where(AuditEntry.action == "statistics_exported"))
    assert len(exports.all()) == 2


def _csv_rows(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# organisation: Rede Brasil")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def test_the_scope_and_a_wrong_code_are_answered(
    app: Flask, network: Network, db: Session, tmp_path: Path
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "adv", "advocate")
    code_statistics(db, network)
    document = json.loads(
        _export(app, tmp_path, "json", countries="BR", **{"from": "2025-04"}).read_text(
            encoding="utf-8"
        )
    )
    assert document["metadata"]["scope"]["countries"] == ["BR"]
    assert document["metadata"]["scope"]["first_month"] == "2025-04"
    # Only April's twelve Brazilian acts: one country and one month leave no table of two columns.
    assert document["tables"] == []
    refused = app.test_cli_runner().invoke(
        args=[
            "export",
            "--username",
            "adv",
            "--passphrase",
            "not the passphrase at all",
            "--code",
            code(1),
            "--output",
            str(tmp_path / "no.json"),
        ]
    )
    assert refused.exit_code != 0 and "do not open this account" in refused.output
    assert not (tmp_path / "no.json").exists()
    bad_month = app.test_cli_runner().invoke(
        args=[
            *("export", "--username", "adv", "--passphrase", PASSPHRASE, "--code", code(2)),
            *("--from", "2025-13", "--output", str(tmp_path / "x.json")),
        ]
    )
    assert bad_month.exit_code != 0 and "not a month" in bad_month.output
