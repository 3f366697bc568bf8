"""A pseudo-locale run: every visible string of every page went through gettext.

Each message of the catalog template is "translated" as ⟦message⟧ into a temporary English
catalog; then public and staff pages are rendered, and any visible word outside ⟦…⟧ that is not
data (a name, a date, a number, a country) is a string someone forgot to mark for translation.
"""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.core import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reporter import resources
from reporter.accounts.models import ORG_ADMIN
from reporter.i18n import LANGUAGE_NAMES
from reporter.reports.models import Report
from tests.conftest import Network, csrf_token, receipt_of, submit
from tests.staff import form_token, login, make_member

ROOT = Path(__file__).resolve().parent.parent
OPEN, CLOSE = "⟦", "⟧"
# Attributes a person sees or hears.
SHOWN_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder", "data-label"}
WORD = re.compile(r"[^\W\d_]{2,}")
# Report references ("7KQ2-M9XW") are data, like dates and numbers.
REFERENCE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b")
# What the test reporter wrote: content, shown back to staff as it was typed.
REPORTED = "Two officers took my syringes and asked for money."


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "svg", "code"):
            self._hidden += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg", "code"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data)


def _pseudo_catalog(folder: Path) -> None:
    """Every language folder gets the real catalog, except English: ⟦message⟧ for each message
    marked in the source now (not the template file, which may lag behind)."""
    catalog = Catalog(locale="en")
    method_map = [("reporter/**.py", "python"), ("reporter/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        if isinstance(message, tuple):
            catalog.add(message, tuple(OPEN + form + CLOSE for form in message))
        else:
            catalog.add(message, OPEN + message + CLOSE)
    for language_folder in (ROOT / "translations").iterdir():
        if language_folder.is_dir():
            target = folder / language_folder.name / "LC_MESSAGES"
            target.mkdir(parents=True)
            if language_folder.name == "en":
                with (target / "messages.mo").open("wb") as handle:
                    write_mo(handle, catalog)
            else:
                (target / "messages.mo").write_bytes(
                    (language_folder / "LC_MESSAGES" / "messages.mo").read_bytes()
                )


@pytest.fixture
def pseudo_app(
    app_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, network: Network
) -> Flask:
    _pseudo_catalog(tmp_path / "translations")
    monkeypatch.setattr(resources, "translations_folder", lambda: tmp_path / "translations")
    app: Flask = app_factory()
    return app


def _data_words(network: Network) -> set[str]:
    """Words that are data, never interface: names, places, dates, languages."""
    english = Locale.parse("en")
    texts = [
        "Reporter",
        *LANGUAGE_NAMES.values(),
        network.network.name,
        network.brazil.name,
        network.colombia.name,
        "admin",
        *english.territories.values(),
        *english.months["format"]["wide"].values(),
        *english.months["format"]["abbreviated"].values(),
        "UTC",
        REPORTED,
        # The names of file formats, on download links.
        "JSON",
        "CSV",
    ]
    from reporter.vocabulary import places

    for country in ("BR", "CO", "PE"):
        texts.extend(name for _code, name in places.regions(country, "en"))
    return {word.casefold() for text in texts for word in WORD.findall(text)}


def _forgotten(page: str, data: set[str]) -> list[str]:
    parser = _VisibleText()
    parser.feed(page)
    found = []
    for text in parser.texts:
        outside = REFERENCE.sub(" ", re.sub(rf"{OPEN}.*?{CLOSE}", " ", text, flags=re.S))
        words = [word for word in WORD.findall(outside) if word.casefold() not in data]
        if words:
            found.append(text.strip()[:80])
    return found


def _pages(client: FlaskClient, app: Flask, network: Network) -> dict[str, str]:
    pages: dict[str, str] = {}
    for path in ("/en/", "/en/safety", "/en/followup", "/en/report", "/en/no-such-page"):
        pages[path] = client.get(path).get_data(as_text=True)
    token = csrf_token(client, "/en/followup")
    # Every question page, and "Check your answers".
    from reporter.reports.wizard import PAGES

    answers = {
        "csrf_token": token,
        "narrative": "x",
        "country": "BR",
        "violation_groups": "policing",
    }
    for page in PAGES:
        pages[f"report: {page.key}"] = client.post(
            "/en/report", data={**answers, "action": f"goto:{page.key}"}
        ).get_data(as_text=True)
    assert (
        '<input type="hidden" name="page" value="what-policing">' in pages["report: what-policing"]
    )
    pages["report with errors"] = submit(client, narrative="", violations=[]).get_data(as_text=True)
    sent = submit(client)
    pages["receipt"] = sent.get_data(as_text=True)
    receipt = receipt_of(sent)
    pages["thread"] = client.post(
        "/en/followup", data={"csrf_token": token, "receipt": receipt}
    ).get_data(as_text=True)
    pages["wrong receipt"] = client.post(
        "/en/followup", data={"csrf_token": token, "receipt": "1234567812345678"}
    ).get_data(as_text=True)

    make_member(app, network.brazil, network.key(network.brazil), "admin", ORG_ADMIN)
    staff = app.test_client()
    pages["staff login"] = staff.get("/staff/login").get_data(as_text=True)
    login(staff, "admin")
    from reporter.db import new_session
    from tests.factories import make_story

    session = new_session(app)
    report_id = session.scalars(select(Report.id)).first() or uuid.uuid4()
    session.close()
    for path in (
        "/staff/",
        "/staff/queue",
        f"/staff/cases/{report_id}",
        f"/staff/cases/{report_id}/acts/new",
        "/staff/admin/people",
        "/staff/admin/audit",
        "/staff/admin/retention",
        "/staff/stats",
        "/staff/stats?first_month=March",
        "/staff/stats/brief",
        "/staff/admin/publishing",
        "/staff/admin/operations",
        "/staff/stories",
    ):
        pages[path] = staff.get(path).get_data(as_text=True)
    # A published story (its text is the reporter's words: data), made once the people page is
    # read: the factory's author and approver are no words of the interface.
    session = new_session(app)
    make_story(session, network.brazil, network.key(network.brazil), REPORTED)
    session.commit()
    session.close()
    for path in (
        "/staff/stories",
        "/staff/stories?first_month=March",
        "/staff/stories?countries=PE",
    ):
        pages[f"{path} (with a story)"] = staff.get(path).get_data(as_text=True)
    pages["confirm disable"] = staff.post(
        "/staff/admin/people/disable",
        data={
            "csrf_token": form_token(staff, "/staff/admin/people"),
            "member_id": str(uuid.uuid4()),
        },
    ).get_data(as_text=True)
    return pages


def test_the_pseudo_locale_catches_a_string_that_skipped_gettext() -> None:
    page = "<p>⟦Make a report⟧</p><p>Send it now</p><label data-label='⟦Who⟧'>x</label>"
    assert _forgotten(page, set()) == ["Send it now"]


def test_every_visible_string_went_through_gettext(pseudo_app: Flask, network: Network) -> None:
    client = pseudo_app.test_client()
    data = _data_words(network)
    problems = {}
    for name, page in _pages(client, pseudo_app, network).items():
        assert OPEN in page, f"{name}: the pseudo catalog was not used"
        forgotten = _forgotten(page, data)
        if forgotten:
            problems[name] = forgotten
    assert problems == {}, "\n".join(f"{name}: {texts}" for name, texts in problems.items())
