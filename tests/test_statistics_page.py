"""The statistics page: every staff member of the organisation sees its counts, protected, and
can download them; advocates included, without any key that opens a report."""

from __future__ import annotations

import json
import re

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.audit.models import AuditEntry
from tests.conftest import Network
from tests.factories import code_statistics
from tests.staff import login, make_member


def _cells(page: str, table: str) -> list[list[str]]:
    block = page[page.index(f'id="table-{table}"') :]
    block = block[: block.index("</table>")]
    return [
        re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", block, re.S)
    ]


def test_an_advocate_sees_protected_tables_and_downloads_them(
    app: Flask, network: Network, db: Session
) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "adv", "advocate")
    code_statistics(db, network)
    client = app.test_client()
    assert login(client, "adv").status_code == 302
    assert 'href="/staff/stats"' in client.get("/staff/").get_data(as_text=True)
    response = client.get("/staff/stats")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = _cells(page, "country")
    assert rows[0] == ["What happened", "Brazil", "Colombia", "Total"]
    assert ["Police demanded money, drugs or favours", "12", "12", "24"] in rows
    # The single act of forced labour is nowhere: its row shows x only.
    for table in ("country", "month", "perpetrator"):
        for row in _cells(page, table)[1:]:
            if row[0] == "Forced work while held":
                assert set(row[1:]) == {"x"}
    assert any(row[0] == "Forced work while held" for row in _cells(page, "country"))
    assert "Acts by month" in page and "Mar 2025" in page

    download = client.get("/staff/stats/export.json?countries=BR&countries=CO")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    document = json.loads(download.get_data(as_text=True))
    assert document["metadata"]["scope"]["countries"] == ["BR", "CO"]
    csv_file = client.get("/staff/stats/export.csv")
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    assert (
        len(db.scalars(select(AuditEntry).where(AuditEntry.action == "statistics_exported")).all())
        == 2
    )


def test_a_month_typed_wrong_gets_a_clear_answer(app: Flask, network: Network, db: Session) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "adv", "advocate")
    client = app.test_client()
    login(client, "adv")
    response = client.get("/staff/stats?first_month=March")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<title>Error:" in page
    assert "Write a month as year and month, for example 2025-03." in page
    assert 'aria-invalid="true"' in page


def test_the_statistics_need_a_login(app: Flask, network: Network) -> None:
    response = app.test_client().get("/staff/stats")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
