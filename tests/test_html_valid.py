"""Valid HTML: the Nu Html Checker (npm `vnu-jar`, run with Debian's Java) finds no error on any
public page in any language, in its error states, nor on the staff pages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.accounts.models import ORG_ADMIN
from reporter.reports.models import Report
from reporter.reports.wizard import PAGES
from reporter.settings import LANGUAGES
from tests.conftest import Network, csrf_token, receipt_of, submit
from tests.factories import code_statistics, make_story
from tests.staff import form_token, login, make_member
from tests.walk import step

VNU = (
    Path(__file__).resolve().parent
    / "a11y"
    / "node_modules"
    / "vnu-jar"
    / "build"
    / "dist"
    / "vnu.jar"
)
JAVA = shutil.which("java")
if (not VNU.exists() or JAVA is None) and os.environ.get("REPORTER_REQUIRE_BROWSER") == "1":
    raise RuntimeError("the Nu Html Checker needs `npm ci --prefix tests/a11y` and Debian's Java")
requires_vnu = pytest.mark.skipif(
    not VNU.exists() or JAVA is None, reason="npm ci --prefix tests/a11y; apt-get install java"
)


def _public_pages(client: FlaskClient, language: str) -> dict[str, str]:
    pages: dict[str, str] = {}

    def keep(name: str, html: str) -> None:
        pages[f"{language}-{name}"] = html

    for path in ("/", "/safety", "/followup", "/report", "/no-such-page"):
        keep(path.strip("/") or "landing", client.get(f"/{language}{path}").get_data(as_text=True))
    token = csrf_token(client, f"/{language}/followup")
    answers = {
        "csrf_token": token,
        "narrative": "x",
        "country": "BR",
        "violation_groups": "policing",
    }
    for page in PAGES:
        keep(
            f"q-{page.key}",
            client.post(
                f"/{language}/report", data={**answers, "action": f"goto:{page.key}"}
            ).get_data(as_text=True),
        )
    story = client.get(f"/{language}/report")
    keep("story-error", step(client, story, language=language, narrative="").get_data(as_text=True))
    when = client.post(
        f"/{language}/report",
        data={
            **answers,
            "page": "when",
            "incident_day": "30",
            "incident_month": "2",
            "incident_year": "2025",
        },
    )
    keep("when-error", when.get_data(as_text=True))
    check = client.post(f"/{language}/report", data={**answers, "action": "check"})
    keep(
        "check-file-error",
        step(
            client, check, "send", language=language, files=[(BytesIO(b"not a picture"), "a.jpg")]
        ).get_data(as_text=True),
    )
    sent = step(client, check, "send", language=language, files=[])
    keep("receipt", sent.get_data(as_text=True))
    keep("already-sent", step(client, check, "check", language=language).get_data(as_text=True))
    receipt = receipt_of(sent)
    thread = client.post(f"/{language}/followup", data={"csrf_token": token, "receipt": receipt})
    keep("thread", thread.get_data(as_text=True))
    keep(
        "withdraw",
        client.post(
            f"/{language}/followup/withdraw", data={"csrf_token": token, "receipt": receipt}
        ).get_data(as_text=True),
    )
    keep(
        "not-found",
        client.post(
            f"/{language}/followup", data={"csrf_token": token, "receipt": "1234123412341234"}
        ).get_data(as_text=True),
    )
    return pages


def _staff_pages(app: Flask, network: Network, db: Session) -> dict[str, str]:
    make_member(app, network.brazil, network.key(network.brazil), "admin", ORG_ADMIN)
    code_statistics(db, network)
    # A published story: the stories page lists it, its case page offers to withdraw it.
    story = make_story(
        db, network.brazil, network.key(network.brazil), "A story\nfor advocacy.", approved_on=None
    )
    db.commit()
    submit(app.test_client(), share_with_network=None)
    report_id = db.scalars(select(Report.id)).first()
    staff = app.test_client()
    pages = {"staff-login": staff.get("/staff/login").get_data(as_text=True)}
    assert login(staff, "admin").status_code == 302
    for path in (
        "/staff/",
        "/staff/queue",
        f"/staff/cases/{report_id}",
        f"/staff/cases/{report_id}/acts/new",
        f"/staff/cases/{report_id}/delete",
        "/staff/admin/people",
        "/staff/admin/audit",
        "/staff/admin/retention",
        "/staff/stats",
        "/staff/stats/brief",
        "/staff/admin/publishing",
        "/staff/admin/operations",
        "/staff/stories",
    ):
        pages["staff" + path.replace("/", "-")] = staff.get(path).get_data(as_text=True)
    pages["staff-stats-error"] = staff.get("/staff/stats?first_month=March").get_data(as_text=True)
    pages["staff-stories-error"] = staff.get("/staff/stories?first_month=March").get_data(
        as_text=True
    )
    pages["staff-stories-none"] = staff.get("/staff/stories?countries=PE").get_data(as_text=True)
    pages["staff-case-approved-story"] = staff.get(f"/staff/cases/{story.report.id}").get_data(
        as_text=True
    )
    pages["staff-publishing-error"] = staff.post(
        "/staff/admin/publishing",
        data={
            "csrf_token": form_token(staff, "/staff/admin/publishing"),
            "statistics_threshold": "2",
        },
    ).get_data(as_text=True)
    pages["staff-stats-brief-ar"] = staff.get("/staff/stats/brief?language=ar").get_data(
        as_text=True
    )
    pages["staff-invite-error"] = staff.post(
        "/staff/admin/people/invite",
        data={"csrf_token": form_token(staff, "/staff/admin/people"), "username": "", "role": "x"},
    ).get_data(as_text=True)
    return pages


def _validate(pages: dict[str, str], folder: Path) -> list[str]:
    files = []
    for name, html in pages.items():
        path = folder / f"{name.replace('/', '_') or 'page'}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    assert JAVA is not None
    result = subprocess.run(
        [JAVA, "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") == "error"
    ]


@requires_vnu
def test_every_page_is_valid_html(
    app: Flask, network: Network, db: Session, tmp_path: Path
) -> None:
    pages: dict[str, str] = {}
    for language in LANGUAGES:
        pages.update(_public_pages(app.test_client(), language))
    pages.update(_staff_pages(app, network, db))
    assert len(pages) > 250
    errors = _validate(pages, tmp_path)
    assert errors == [], "\n".join(errors[:60])
