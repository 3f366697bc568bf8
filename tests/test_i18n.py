"""Languages: catalogs complete and compiled, negotiation, switcher, lang and dir on <html>."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from reporter.settings import LANGUAGES as LANGUAGE_CODES

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "translations"
LANGUAGES = list(LANGUAGE_CODES)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _source_messages() -> set[str]:
    """Every translatable string in the code and templates, extracted now."""
    method_map = [("reporter/**.py", "python"), ("reporter/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_translates_every_message_in_the_source(language: str) -> None:
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for msgid in sorted(_source_messages()):
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            problems.append(f"untranslated or fuzzy: {msgid!r}")
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - wanted:
                problems.append(f"unknown placeholder in {msgid!r}: {string!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_its_source(language: str) -> None:
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        po = read_po(handle)
    with (folder / "messages.mo").open("rb") as handle:
        mo = read_mo(handle)

    def strings(catalog: object) -> dict[str, tuple[str, ...]]:
        return {
            (m.id if isinstance(m.id, str) else m.id[0]): tuple(
                [m.string] if isinstance(m.string, str) else m.string
            )
            for m in catalog  # type: ignore[attr-defined]
            if m.id
        }

    po_strings, mo_strings = strings(po), strings(mo)
    assert po_strings == mo_strings, "run: pybabel compile -d translations"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("es-CO,es;q=0.9", "es"), ("pt-BR", "pt"), ("fr-HT", "fr"), ("de", "en"), ("", "en")],
)
def test_root_redirects_by_accept_language(client: FlaskClient, accept: str, expected: str) -> None:
    response = client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/{expected}/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_declare_their_language_and_direction(
    client: FlaskClient, network: object, language: str
) -> None:
    page = client.get(f"/{language}/").get_data(as_text=True)
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in page


def test_pages_are_really_translated(client: FlaskClient, network: object) -> None:
    pages = {
        language: client.get(f"/{language}/report").get_data(as_text=True) for language in LANGUAGES
    }
    titles = {re.search(r"<h1>(.*?)</h1>", page).group(1) for page in pages.values()}  # type: ignore[union-attr]
    assert len(titles) == len(LANGUAGES) == 10


def test_language_switcher_is_plain_links_to_the_same_page(
    client: FlaskClient, network: object
) -> None:
    page = client.get("/es/safety").get_data(as_text=True)
    assert 'href="/en/safety" hreflang="en"' in page
    assert 'href="/pt/safety" hreflang="pt"' in page
    assert "<b>Español</b>" in page


def test_country_and_region_names_follow_the_language(client: FlaskClient, network: object) -> None:
    from tests.conftest import csrf_token

    token = csrf_token(client, "/fr/report")
    country = client.post("/fr/report", data={"csrf_token": token, "narrative": "x"})
    assert "Colombie" in country.get_data(as_text=True)
    page = client.post(
        "/fr/report",
        data={"csrf_token": token, "narrative": "x", "country": "CO", "action": "goto:where"},
    ).get_data(as_text=True)
    assert "Colombie" in page
    assert 'value="CO-DC">' in page


def test_wtforms_messages_are_translated(client: FlaskClient, network: object) -> None:
    from tests.conftest import submit

    page = submit(client, "es", violations=["unknown_key"]).get_data(as_text=True)
    assert "Not a valid choice" not in page and 'class="error"' in page
    assert io is not None


def test_month_names_stand_alone_where_a_month_stands_alone(
    client: FlaskClient, network: object
) -> None:
    from tests.conftest import csrf_token

    token = csrf_token(client, "/ru/report")
    page = client.post(
        "/ru/report",
        data={"csrf_token": token, "narrative": "x", "country": "BR", "action": "goto:when"},
    ).get_data(as_text=True)
    # The month list reads "март", as a month is named alone, not "марта" as inside a date.
    assert '<option value="3">март</option>' in page and "марта" not in page


def test_a_month_and_year_read_as_the_language_writes_them(app: object) -> None:
    from reporter.reports.service import ReportContent
    from reporter.templating import incident_date

    content = ReportContent(
        violations=[],
        violation_other="",
        incident_year=2024,
        incident_month=3,
        incident_day=None,
        date_precision="month",
        country="BR",
        region="",
        city="",
        location_type="",
        perpetrators=[],
        relation="self",
        populations=[],
        narrative="x",
        sought_protection="",
        reasons_not=[],
        share_with_network=False,
        count_in_statistics=False,
        allow_replies=False,
        contact="",
        language="es",
    )
    seen = {}
    for language in ("es", "ru", "zh"):
        with app.test_request_context(f"/{language}/"):  # type: ignore[attr-defined]
            from flask import g

            g.lang = language
            seen[language] = incident_date(content)
    assert seen == {"es": "marzo de 2024", "ru": "март 2024\u202fг.", "zh": "2024年3月"}
