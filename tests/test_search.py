"""The queue's search: a case found by what it says, only in the member's organisation, never
by an advocate; nothing written while searching, no word at rest; its time budget and pages."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.audit.models import AuditEntry
from reporter.reports.models import Case
from reporter.search.models import CaseSearchText
from reporter.search.text import fold, query_words
from tests.conftest import Network, receipt_of, reply, submit
from tests.dump import database_bytes
from tests.staff import form_token, login, make_member
from tests.test_moderation import _references


def _sent(app: Flask, public: FlaskClient, **answers: object) -> tuple[str, str]:
    """Send a report; its reference (as staff see it) and its receipt."""
    from reporter.db import new_session
    from reporter.reports.models import Report

    session = new_session(app)
    try:
        before = set(session.scalars(select(Report.reference)))
        receipt = receipt_of(submit(public, **answers))
        [reference] = set(session.scalars(select(Report.reference))) - before
    finally:
        session.close()
    return reference, receipt


def _search(client: FlaskClient, words: str, **filters: str) -> str:
    response = client.post(
        "/staff/queue",
        data={"csrf_token": form_token(client, "/staff/queue"), "words": words, **filters},
    )
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def moderator(app: Flask, network: Network) -> FlaskClient:
    make_member(app, network.brazil, network.key(network.brazil), "mod", "moderator")
    client = app.test_client()
    assert login(client, "mod").status_code == 302
    return client


def test_folding_makes_accents_case_and_letter_forms_not_matter() -> None:
    assert fold("Medellín") == fold("MEDELLIN") == "medellin"
    assert fold("São Paulo") == "sao paulo"
    assert fold("Straße") == "strasse"
    assert fold("Ёлка") == fold("елка")
    assert fold("أحمد") == fold("احمد")
    assert fold("ＡＢＣ１") == "abc1"
    assert fold("警察") == "警察"
    assert query_words(" «Medellín», la   POLICÍA; medellin ") == ["medellin", "la", "policia"]
    assert query_words(" ,;: ") == []


def _write(client: FlaskClient, case_url: str, what: str, text: str) -> None:
    """A note or a message written on the case page."""
    client.post(
        f"{case_url}/{what}", data={"csrf_token": form_token(client, case_url), "text": text}
    )


def _story_page(app: Flask, client: FlaskClient, reference: str) -> str:
    queue = client.get("/staff/queue?status=").get_data(as_text=True)
    match = re.search(rf'href="(/staff/cases/[0-9a-f-]+)">{reference}</a>', queue)
    assert match, reference
    return match.group(1)


def test_search_finds_a_case_by_its_story_notes_reply_and_coding(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    public = app.test_client()
    medellin, _ = _sent(
        app, public, narrative="O policial em Medellín levou as seringas do abrigo."
    )
    other, _ = _sent(app, public, narrative="Fui detido sem motivo na estação.")
    # Another organisation's case says the same words: never found from Brazil.
    colombia, _ = _sent(
        app,
        public,
        country="CO",
        region="CO-ANT",
        narrative="O policial em Medellín levou as seringas.",
    )
    page = _search(moderator, "medellin SERINGAS")
    assert _references(page) == [medellin]
    assert colombia not in page and other not in page
    # Accents typed where the story has none, and none typed where it has them.
    assert _references(_search(moderator, "estacão")) == [other]
    assert _references(_search(moderator, "Medellin policial")) == [medellin]
    # The coding and the reporter's choices are found by their labels, in any language.
    assert set(_references(_search(moderator, "police"))) == {medellin, other}
    assert set(_references(_search(moderator, "polícia"))) == {medellin, other}
    assert set(_references(_search(moderator, "São Paulo"))) == {medellin, other}

    case_url = _story_page(app, moderator, other)
    _write(moderator, case_url, "notes", "Falar com a defensoria")
    assert _references(_search(moderator, "defensoria")) == [other]
    _write(moderator, case_url, "messages", "Qual delegacia?")
    assert _references(_search(moderator, "delegacia")) == [other]


def test_a_reporters_reply_is_found_before_any_staff_login(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    public = app.test_client()
    reference, receipt = _sent(app, public, narrative="They took my things.")
    # The login after the report wrote its search text; the reply makes it stale.
    _search(moderator, "things")
    make_member(app, network.brazil, network.key(network.brazil), "other", "moderator")
    second = app.test_client()
    assert login(second, "other").status_code == 302
    assert db.scalars(select(CaseSearchText)).all()
    reply(public, receipt, "It was the officer from Itaquera")
    db.expire_all()
    assert not db.scalars(select(CaseSearchText)).all()
    assert _references(_search(moderator, "itaquera")) == [reference]


def test_searching_writes_nothing_keeps_no_word_and_filters_still_apply(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    from tests.test_moderation import _table_contents

    public = app.test_client()
    wanted, _ = _sent(app, public, narrative="Canary-word xylophonist beaten at the border.")
    submit(public, narrative="xylophonist again", violations=["denial_oat"])
    make_member(app, network.brazil, network.key(network.brazil), "late", "moderator")
    late = app.test_client()
    assert login(late, "late").status_code == 302  # writes the search texts
    before = _table_contents(db, {"audit_entries", "audit_head", "staff_sessions"})
    page = _search(late, "xylophonist", violation="extortion_bribe")
    assert _references(page) == [wanted]
    assert _table_contents(db, {"audit_entries", "audit_head", "staff_sessions"}) == before
    # The search text exists and is ciphertext: no word of any case, folded or not.
    assert len(db.scalars(select(CaseSearchText)).all()) == 2
    stored = database_bytes(app)
    assert b"xylophonist" not in stored and b"canary-word" not in stored
    # The audit log says a search happened, never what was searched for.
    details = " ".join(str(entry.details) for entry in db.scalars(select(AuditEntry)))
    assert "xylophonist" not in details


def test_advocates_cannot_search(app: Flask, network: Network) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "adv", "advocate")
    client = app.test_client()
    assert login(client, "adv").status_code == 302
    response = client.post(
        "/staff/queue",
        data={"csrf_token": form_token(client, "/staff/"), "words": "anything"},
    )
    assert response.status_code == 403


AFTER = re.compile(r'<input type="hidden" name="after" value="([^"]*)">')


def _walk(client: FlaskClient, words: str, button: str) -> list[list[str]]:
    """Every page of a search, following its button (next page, or search further)."""
    pages = []
    data = {"words": words, "after": ""}
    while True:
        response = client.post(
            "/staff/queue", data={"csrf_token": form_token(client, "/staff/queue"), **data}
        )
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        pages.append(_references(page))
        if button not in page:
            assert "Every case that matches the filters was searched." in page
            return pages
        [data["after"]] = AFTER.findall(page)
        assert len(pages) < 20


def test_a_search_pages_by_date_and_stops_at_its_time_budget(
    app_factory: object, network: Network, db: Session
) -> None:
    from typing import Any

    factory: Any = app_factory
    paged, hurried = factory(queue_page_size=2), factory(search_seconds=0.0)
    public = paged.test_client()
    wanted = [_sent(paged, public, narrative=f"zebra crossing {n}")[0] for n in range(5)]
    submit(public, narrative="nothing to find here")
    make_member(paged, network.brazil, network.key(network.brazil), "pager", "moderator")
    make_member(paged, network.brazil, network.key(network.brazil), "hurried", "moderator")
    client = paged.test_client()
    assert login(client, "pager").status_code == 302
    pages = _walk(client, "zebra", "Next page")
    assert [len(page) for page in pages] == [2, 2, 1]
    found = [reference for page in pages for reference in page]
    assert sorted(found) == sorted(wanted) and len(set(found)) == 5
    # Newest first, then by id: the same order as the queue's own.
    cases = {
        case.report.reference: case for case in db.scalars(select(Case)) if case.report.reference
    }
    order = sorted(found, key=lambda r: (-cases[r].received_on.toordinal(), cases[r].report_id))
    assert found == order

    # With no time at all, each request reads one case and says how far it got; going on from
    # there finds every case once.
    client = hurried.test_client()
    assert login(client, "hurried").status_code == 302
    first = client.post(
        "/staff/queue", data={"csrf_token": form_token(client, "/staff/queue"), "words": "zebra"}
    ).get_data(as_text=True)
    assert "The search stopped to save time at the cases received on" in first
    pages = _walk(client, "zebra", "Search further")
    assert sorted(r for page in pages for r in page) == sorted(wanted)


def test_accents_case_and_scripts_of_every_language_do_not_matter(
    app: Flask, network: Network, moderator: FlaskClient
) -> None:
    public = app.test_client()
    russian, _ = _sent(app, public, narrative="Полицейский забрал шприцы у Ёлки в Сан-Паулу.")
    arabic, _ = _sent(app, public, narrative="أخذَ الشُّرطيُّ الحقنَ منّي")
    chinese, _ = _sent(app, public, narrative="警察在车站拿走了我的注射器")
    french, _ = _sent(app, public, narrative="L'AGENT m'a frappée près de l'ÉGLISE")
    assert _references(_search(moderator, "ШПРИЦЫ ёлки")) == [russian]
    assert _references(_search(moderator, "елки")) == [russian]
    assert _references(_search(moderator, "الشرطي الحقن")) == [arabic]
    assert _references(_search(moderator, "车站")) == [chinese]
    # Every report here was about confiscated supplies: the label of that coding, in Chinese,
    # finds them all.
    assert len(_references(_search(moderator, "注射器"))) == 4
    assert _references(_search(moderator, "eglise frappee")) == [french]
    # A word in none of them finds none.
    assert _references(_search(moderator, "ёлки 车站")) == []


def test_a_free_word_never_matches_inside_a_key(
    app: Flask, network: Network, moderator: FlaskClient
) -> None:
    _sent(app, app.test_client(), narrative="nothing special")
    # The case carries `v:extortion_bribe`; typed as a word, it is no word of the case.
    assert _references(_search(moderator, "extortion_bribe")) == []


def test_one_organisations_message_is_found_by_the_other_receiving_organisation(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    reference, _ = _sent(app, app.test_client(), narrative="shared with the network")
    make_member(app, network.network, network.key(network.network), "regional", "moderator")
    regional = app.test_client()
    assert login(regional, "regional").status_code == 302  # writes the network's search text
    case_url = _story_page(app, moderator, reference)
    _write(moderator, case_url, "messages", "Which quilombo was it?")
    assert _references(_search(regional, "quilombo")) == [reference]


def test_a_key_rotation_moves_each_search_text_to_the_new_key(
    app: Flask, network: Network, moderator: FlaskClient, db: Session
) -> None:
    from reporter import crypto
    from reporter.crypto import contexts
    from reporter.orgs.models import Organisation
    from reporter.orgs.service import open_with_recovery_key
    from tests.test_rotation import _rotate

    reference, _ = _sent(app, app.test_client(), narrative="the mototaxi driver saw it")
    make_member(app, network.brazil, network.key(network.brazil), "before", "moderator")
    assert login(app.test_client(), "before").status_code == 302
    old_key = network.key(network.brazil)
    assert _rotate(app, network).exit_code == 0  # type: ignore[attr-defined]
    db.expire_all()
    brazil = db.get_one(Organisation, network.brazil.id)
    new_key = open_with_recovery_key(db, brazil, network.recovery_keys[brazil.id])
    [row] = db.scalars(
        select(CaseSearchText).where(CaseSearchText.organisation_id == brazil.id)
    ).all()
    context = contexts.search_text(row.report_id, row.organisation_id)
    assert b"mototaxi" in crypto.decrypt_text(crypto.search_key(new_key), row.body, context)
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_text(crypto.search_key(old_key), row.body, context)
    make_member(app, network.brazil, new_key, "after", "moderator")
    after = app.test_client()
    assert login(after, "after").status_code == 302
    assert _references(_search(after, "mototaxi")) == [reference]
