"""The statistics as a spreadsheet, a printable brief and a PDF, in every language; the charts
with their text alternatives; and each organisation's smallest number shown."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.accounts.models import ADVOCATE, MODERATOR, ORG_ADMIN
from reporter.audit.models import AuditEntry
from reporter.orgs.models import Organisation
from reporter.statistics import presentation
from reporter.statistics.brief import BASE_URL, _fetcher
from reporter.statistics.charts import MOST_BARS, charts
from reporter.statistics.disclosure import TOTAL, Table, protect
from reporter.vocabulary import places
from tests.conftest import Network
from tests.factories import code_statistics
from tests.staff import PASSPHRASE, code, form_token, login, make_member


def _advocate(app: Flask, network: Network, db: Session, role: str = ADVOCATE) -> FlaskClient:
    make_member(app, network.brazil, network.key(network.brazil), "adv", role)
    code_statistics(db, network)
    client = app.test_client()
    assert login(client, "adv").status_code == 302
    return client


def _in(app: Flask, language: str, *messages: object) -> list[str]:
    """Messages as the language's catalog says them (each must differ from the English)."""
    with app.test_request_context(), force_locale(language):
        translated = [str(message) for message in messages]
    if language != "en":
        with app.test_request_context(), force_locale("en"):
            assert all(str(m) != t for m, t in zip(messages, translated, strict=True))
    return translated


def _json_counts(client: FlaskClient, query: str = "") -> dict[tuple[str, str, str], int | None]:
    document = json.loads(client.get(f"/staff/stats/export.json{query}").get_data(as_text=True))
    return {
        (table["name"], cell["violation_type"], cell[table["dimensions"][1]]): cell["count"]
        for table in document["tables"]
        for cell in table["cells"]
    }


def test_the_spreadsheet_holds_the_same_numbers_as_the_json_in_the_language_asked(
    app: Flask, network: Network, db: Session
) -> None:
    client = _advocate(app, network, db)
    response = client.get("/staff/stats/export.xlsx?language=es")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(response.data))
    about, *sheets = workbook.worksheets
    about_heading, organisation, smallest, what_happened = _in(
        app,
        "es",
        presentation.ABOUT_HEADING,
        _l("Organisation"),
        _l("Smallest number shown"),
        presentation.WHAT_HAPPENED,
    )
    assert about.title == about_heading[:31]
    facts = {row[0]: row[1] for row in about.iter_rows(values_only=True)}
    assert facts[organisation] == "Rede Brasil" and facts[smallest] == "10"
    names = ("country", "region", "month", "perpetrator")
    headings = [presentation.HEADINGS[name] for name in names]
    assert [sheet.title for sheet in sheets] == [h[:31].strip() for h in _in(app, "es", *headings)]
    from_sheets: dict[tuple[str, str, str], int | None] = {}
    for name, sheet in zip(names, sheets, strict=True):
        rows = list(sheet.iter_rows())
        keys = [cell.value or "" for cell in rows[1][2:]]
        for row in rows[2:]:
            if row[1].value is None:
                continue  # the blank line and the note under the table
            for key, cell in zip(keys, row[2:], strict=False):
                value = None if cell.value == "x" else cell.value
                from_sheets[(name, row[1].value, key)] = value
        # Every label is text, every count a number; nothing is a formula.
        for row in rows:
            for cell in row:
                assert cell.data_type in ("s", "n"), (name, cell.coordinate, cell.data_type)
        assert rows[0][0].value == what_happened
        assert rows[0][-1].value == "Total" and keys[-1] == TOTAL
    assert from_sheets == _json_counts(client)
    assert from_sheets[("country", "extortion_bribe", "BR")] == 12
    assert from_sheets[("country", "forced_labour", "BR")] is None


def test_a_name_that_looks_like_a_formula_stays_text_in_the_spreadsheet(
    app: Flask, network: Network, db: Session
) -> None:
    db.get(Organisation, network.brazil.id).name = '=HYPERLINK("http://evil.example","x")'  # type: ignore[union-attr]
    db.commit()
    client = _advocate(app, network, db)
    workbook = load_workbook(io.BytesIO(client.get("/staff/stats/export.xlsx").data))
    cell = workbook.worksheets[0]["B1"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_brief_holds_its_tables_charts_and_what_it_covers(
    app: Flask, network: Network, db: Session
) -> None:
    client = _advocate(app, network, db)
    response = client.get("/staff/stats/export.pdf?language=fr&countries=BR&countries=CO")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    by_country, by_month = _in(
        app, "fr", presentation.HEADINGS["country"], presentation.HEADINGS["month"]
    )
    assert "Rede Brasil" in text
    assert by_country in text and by_month in text
    # The country table's line for extortion: its label, then 12, 12 and 24.
    assert re.search(r"12\s+12\s+24", text)
    assert "Brésil" in text and "Colombie" in text
    # The staff menu and the links back are not printed.
    log_out, back = _in(app, "fr", _l("Log out"), _l("Back to the statistics"))
    assert log_out not in text and back not in text
    reader = PdfReader(io.BytesIO(response.data))
    images = [image for page in reader.pages for image in page.images]
    drawn = sum(len(page.get("/Resources", {}).get("/XObject", {})) for page in reader.pages)
    assert images or drawn, "the charts are in the PDF"


def test_the_brief_page_is_in_the_language_asked_and_says_what_it_covers(
    app: Flask, network: Network, db: Session
) -> None:
    client = _advocate(app, network, db)
    page = client.get("/staff/stats/brief?language=pt&first_month=2025-03").get_data(as_text=True)
    assert '<html lang="pt" dir="ltr">' in page
    assert "Rede Brasil" in page and _in(app, "pt", presentation.HEADINGS["country"])[0] in page
    assert "/staff/stats/export.pdf?language=pt&amp;first_month=2025-03" in page
    arabic = client.get("/staff/stats/brief?language=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in arabic


def test_a_language_the_site_does_not_offer_is_refused(
    app: Flask, network: Network, db: Session
) -> None:
    client = _advocate(app, network, db)
    assert client.get("/staff/stats/export.xlsx?language=xx").status_code == 400
    assert client.get("/staff/stats/brief?language=../../etc").status_code == 400


@pytest.mark.parametrize("language", ["en", "es", "pt", "fr", "ru", "uk", "ar", "sw", "id", "zh"])
def test_every_language_renders_every_export(
    app: Flask, network: Network, db: Session, language: str
) -> None:
    client = _advocate(app, network, db)
    for file_format in ("json", "csv", "xlsx", "pdf"):
        response = client.get(f"/staff/stats/export.{file_format}?language={language}")
        assert response.status_code == 200, (language, file_format)
        assert len(response.data) > 200
        if file_format == "pdf":
            # Drawn with letters of the language (a font lacking them would lose the text).
            heading = _in(app, language, presentation.HEADINGS["country"])[0]
            assert heading in _pdf_text(response.data), language
    brief = client.get(f"/staff/stats/brief?language={language}")
    assert brief.status_code == 200
    assert f'lang="{language}"' in brief.get_data(as_text=True)


def test_the_charts_say_every_value_in_words_and_show_nothing_hidden(
    app: Flask, network: Network, db: Session
) -> None:
    client = _advocate(app, network, db)
    page = client.get("/staff/stats").get_data(as_text=True)
    charts = re.findall(
        r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', page
    )
    # Kinds of violation, by country, by region, by month (the perpetrators: one column, no
    # table).
    assert len(charts) == 4
    alternatives = [alt for _, alt in charts]
    # Brazil's total would give away its one act of forced labour: hidden, it draws no bar.
    assert "Bar chart, Acts by country. Colombia: 12; Brazil: x." in alternatives
    assert "Bar chart, Acts by month. Mar 2025: x; Apr 2025: 12." in alternatives
    assert (
        "Bar chart, Acts by region. Colombia: other regions, or none said: 12; "
        "Brazil: other regions, or none said: x; São Paulo (Brazil): x." in alternatives
    )
    kinds = next(alt for alt in alternatives if "kind of violation" in alt)
    assert "Police demanded money, drugs or favours: 24" in kinds
    assert "Forced work while held: x" in kinds
    for encoded, alternative in charts:
        svg = base64.b64decode(encoded).decode("utf-8")
        assert svg.count("<svg") == 1
        assert "<script" not in svg and 'href="http' not in svg and "url(http" not in svg
        assert "Matplotlib v" not in svg  # no version of the software on the server
        if alternative == kinds:
            # The hidden count draws no bar: its name carries the mark instead.
            assert "(x)" in svg


def test_the_brief_loads_nothing_from_the_network() -> None:
    fetcher = _fetcher()
    for url in ("https://example.org/a.css", "file:///etc/passwd", BASE_URL + "static/../x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    css = fetcher.fetch(BASE_URL + "static/staff.css?v=1").read()
    assert b"@media print" in css


def test_an_admin_chooses_the_smallest_number_shown(
    app: Flask, network: Network, db: Session
) -> None:
    client = _advocate(app, network, db, role=ORG_ADMIN)
    page = client.get("/staff/stats").get_data(as_text=True)
    assert 'href="/staff/admin/publishing"' in page
    token = form_token(client, "/staff/admin/publishing")
    refused = client.post(
        "/staff/admin/publishing", data={"csrf_token": token, "statistics_threshold": "4"}
    )
    assert refused.status_code == 400
    assert "Write a number from 5 to 100." in refused.get_data(as_text=True)
    saved = client.post(
        "/staff/admin/publishing", data={"csrf_token": token, "statistics_threshold": "15"}
    )
    assert saved.status_code == 302
    db.expire_all()
    assert db.get(Organisation, network.brazil.id).statistics_threshold == 15  # type: ignore[union-attr]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "threshold_changed")).one()
    assert json.loads(entry.details) == {"threshold": 15}
    # 12 is now below the threshold: hidden on the page and in every file.
    counts = _json_counts(client)
    assert counts[("country", "extortion_bribe", "BR")] is None
    assert all(value is None or value == 0 or value >= 15 for value in counts.values())
    assert "fewer than 15" in client.get("/staff/stats").get_data(as_text=True)


@pytest.mark.parametrize("role", [MODERATOR, ADVOCATE])
def test_only_admins_choose_the_smallest_number_shown(
    app: Flask, network: Network, db: Session, role: str
) -> None:
    client = _advocate(app, network, db, role=role)
    assert 'href="/staff/admin/publishing"' not in client.get("/staff/stats").get_data(as_text=True)
    assert client.get("/staff/admin/publishing").status_code == 403


def test_the_command_line_keeps_to_the_organisations_threshold(
    app: Flask, network: Network, db: Session, tmp_path: Path
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "adv", ADVOCATE)
    make_member(app, network.brazil, network.key(network.brazil), "adv2", ADVOCATE)
    code_statistics(db, network)
    db.get(Organisation, network.brazil.id).statistics_threshold = 13  # type: ignore[union-attr]
    db.commit()
    output = tmp_path / "brief.pdf"
    arguments = ["export", "--username", "adv", "--passphrase", PASSPHRASE]
    runner = app.test_cli_runner()
    lower = runner.invoke(
        args=[*arguments, "--code", code(), "--threshold", "5", "--output", str(output)]
    )
    assert lower.exit_code != 0 and "shows no count below 13" in lower.output
    result = runner.invoke(
        args=[
            *arguments,
            "--code",
            code(1),
            "--format",
            "pdf",
            "--language",
            "es",
            "--output",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    text = _pdf_text(output.read_bytes())
    assert _in(app, "es", presentation.HEADINGS["country"])[0] in text and "13" in text
    sheet = tmp_path / "sheet.xlsx"
    other = ["export", "--username", "adv2", "--passphrase", PASSPHRASE, "--code", code()]
    result = runner.invoke(args=[*other, "--format", "xlsx", "--output", str(sheet)])
    assert result.exit_code == 0, result.output
    about = load_workbook(sheet).worksheets[0]
    assert {row[0]: row[1] for row in about.iter_rows(values_only=True)}[
        "Smallest number shown"
    ] == "13"


def test_a_chart_of_many_regions_draws_the_largest_and_says_so(app: Flask) -> None:
    """Brazil's 27 states, each with its own count: the chart draws the 20 largest, its text
    alternative says so and names them, the table keeps every one."""
    states = [code for code, _name in places.regions("BR", "en")]
    assert len(states) == 27
    region_cells = {(TOTAL, state): 100 + number for number, state in enumerate(states)}
    rows = ["extortion_bribe"]
    tables = [
        Table(
            "country",
            rows,
            ["BR", "CO"],
            {("extortion_bribe", "BR"): sum(region_cells.values()), ("extortion_bribe", "CO"): 50},
            {("extortion_bribe", "BR"): 999, ("extortion_bribe", "CO"): 50},
            link="acts",
        ),
        Table(
            "region",
            [],
            [*states, "CO"],
            {**region_cells, (TOTAL, "CO"): 50},
            {**region_cells, (TOTAL, "CO"): 50},
            refines="country",
            parents={**dict.fromkeys(states, "BR"), "CO": "CO"},
        ),
    ]
    protected = protect(tables, 10)
    assert not protected.hidden
    with app.test_request_context("/"):
        made = charts(protected)
        region = made["region"]
        assert (region.drawn, region.of) == (MOST_BARS, 28) == (20, 28)
        assert region.alternative.startswith("Bar chart, Acts by region, the 20 largest of 28.")
        largest = presentation.column_label("region", states[-1])
        smallest = presentation.column_label("region", states[0])
        assert f"{largest}: 126" in region.alternative
        assert smallest not in region.alternative
        page = render_template(
            "staff/_stats_figures.html",
            protected=protected,
            charts=made,
            present=presentation,
            columns_per_table=None,
        )
    assert "The chart shows the 20 largest; the table has all 28." in page
    assert f'<th scope="row">{smallest}</th>' in page
