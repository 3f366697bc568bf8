"""Report intake: round trip per language, routing, storage all or nothing, form keeps its text."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reporter.attachments import storage
from reporter.reports.models import Attachment, AttachmentChunk, Case, Report
from reporter.reports.service import open_report
from tests.conftest import Network, csrf_token, receipt_of, submit
from tests.media import jpeg_with_gps
from tests.walk import page_key, step

NARRATIVES = {
    "en": "The police took my syringes and asked for money.",
    "es": "La policía me quitó las jeringas y me pidió dinero. Año difícil, señor.",
    "pt": "A polícia levou minhas seringas e pediu dinheiro. Não é justo.",
    "fr": "La police a pris mes seringues et m'a demandé de l'argent. C'était à l'été.",
}


@pytest.mark.parametrize("language", ["en", "es", "pt", "fr"])
def test_submission_round_trip_in_every_language(
    client: FlaskClient, network: Network, db: Session, language: str
) -> None:
    response = submit(
        client, language, narrative=NARRATIVES[language], country="CO", region="CO-ANT"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{language}"' in page
    receipt = receipt_of(response)
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt)

    report = db.scalars(select(Report)).one()
    assert report.language == language
    primary = {case.organisation_id for case in report.cases if case.is_primary}
    assert primary == {network.colombia.id}
    assert {case.status for case in report.cases} == {"new"}
    content = open_report(db, report, network.colombia, network.key(network.colombia))
    assert content.narrative == NARRATIVES[language]
    assert content.country == "CO"
    assert content.region == "CO-ANT"
    assert content.violations == ["extortion_bribe", "confiscation_supplies"]
    assert (
        content.incident_year == 2025 and content.incident_month == 3 and content.incident_day == 14
    )
    assert content.date_precision == "exact_day"
    assert content.sought_protection == "no" and content.reasons_not == ["fear_of_reprisal"]


def test_report_is_routed_by_country_and_to_the_network_only_with_consent(
    client: FlaskClient, network: Network, db: Session
) -> None:
    submit(client, share_with_network=None)
    submit(client, share_with_network="y")
    recipients = [
        {row.organisation_id for row in db.scalars(select(Case).where(Case.report_id == report.id))}
        for report in db.scalars(select(Report))
    ]
    assert {network.brazil.id} in recipients
    assert {network.brazil.id, network.network.id} in recipients

    # The network can read what was shared with it; Colombia was never sent either.
    shared = next(r for r in db.scalars(select(Report)) if len(r.cases) == 2)
    assert open_report(db, shared, network.network, network.key(network.network)).narrative
    with pytest.raises(Exception, match=str(network.colombia.id)):
        open_report(db, shared, network.colombia, network.key(network.colombia))


def test_country_without_national_member_goes_to_the_network(
    client: FlaskClient, network: Network, db: Session
) -> None:
    response = submit(client, country="PE", region="PE-LIM", share_with_network=None)
    assert response.status_code == 200
    report = db.scalars(select(Report)).one()
    assert [row.organisation_id for row in report.cases] == [network.network.id]


def test_date_precision_follows_what_the_reporter_knows(
    client: FlaskClient, network: Network, db: Session
) -> None:
    submit(client, incident_day="", incident_month="", ongoing="y")
    submit(client, incident_day="", incident_month="7")
    precisions = sorted(
        open_report(db, r, network.brazil, network.key(network.brazil)).date_precision
        for r in db.scalars(select(Report))
    )
    assert precisions == ["month", "ongoing"]


def test_country_step_lists_covered_countries_with_localised_names(
    client: FlaskClient, network: Network
) -> None:
    page = step(client, client.get("/es/report"), "next", "es", narrative="x").get_data(
        as_text=True
    )
    assert 'value="BR">Brasil<' in page
    assert 'value="PE">Perú<' in page
    assert 'value="AR"' not in page

    token = csrf_token(client, "/es/report")
    where = client.post(
        "/es/report",
        data={"csrf_token": token, "narrative": "x", "country": "BR", "action": "goto:where"},
    )
    assert 'value="BR-SP">São Paulo<' in where.get_data(as_text=True)
    sharing = client.post(
        "/es/report",
        data={"csrf_token": token, "narrative": "x", "country": "BR", "action": "goto:sharing"},
    )
    assert "Rede Brasil" in sharing.get_data(as_text=True)


def test_validation_error_keeps_every_typed_answer(
    client: FlaskClient, network: Network, db: Session
) -> None:
    response = submit(
        client,
        incident_month="2",
        incident_day="30",
        narrative="My long story <b>with</b> details",
        city="Campinas",
        contact="Ask for Ana at the drop-in",
        violation_other="They burned my papers",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This date does not exist." in page
    assert 'value="My long story &lt;b&gt;with&lt;/b&gt; details"' in page
    assert 'value="Campinas"' in page
    assert "Ask for Ana at the drop-in" in page
    # Answers given on other pages travel with this one, unchanged.
    assert '<input type="hidden" name="violation_other" value="They burned my papers">' in page
    assert '<input type="hidden" name="violations" value="extortion_bribe">' in page
    assert '<input type="hidden" name="region" value="BR-SP">' in page
    assert db.scalar(select(func.count()).select_from(Report)) == 0


def test_expired_csrf_token_brings_the_form_back_filled_in(
    app_factory,
    network: Network,
    db: Session,  # type: ignore[no-untyped-def]
) -> None:
    app = app_factory(csrf_time_limit_seconds=1, staff_idle_minutes=0)
    client = app.test_client()
    token = csrf_token(client, "/en/followup")
    import time

    time.sleep(2.1)
    response = submit(client, csrf_token=token, narrative="Text typed slowly on a 2G phone")
    page = response.get_data(as_text=True)
    # Refused (400, as every failed token check), with every answer kept.
    assert response.status_code == 400
    assert "This page was open for a long time" in page
    assert "Text typed slowly on a 2G phone" in page
    assert db.scalar(select(func.count()).select_from(Report)) == 0
    # The fresh token on that page works.
    resent = submit(
        client,
        csrf_token=csrf_token(client, "/en/followup"),
        narrative="Text typed slowly on a 2G phone",
    )
    assert receipt_of(resent)


def test_missing_session_cookie_is_treated_like_an_expired_token(
    app: Flask, network: Network, db: Session
) -> None:
    token = csrf_token(app.test_client(), "/en/followup")
    stranger = app.test_client()
    response = submit(stranger, csrf_token=token, narrative="Typed before the cookie was lost")
    page = response.get_data(as_text=True)
    assert "This page was open for a long time" in page
    assert "Typed before the cookie was lost" in page
    assert db.scalar(select(func.count()).select_from(Report)) == 0


def test_storage_failure_midway_stores_nothing_and_keeps_the_text(
    client: FlaskClient, network: Network, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = storage.write_chunk
    calls = {"n": 0}

    def failing_write(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real_write(*args, **kwargs)

    monkeypatch.setattr(storage, "write_chunk", failing_write)
    big_photo = jpeg_with_gps(size=(1600, 1200), noise=True)
    assert len(big_photo) > 64 * 1024  # more than one chunk, so the failure is midway
    response = submit(
        client,
        narrative="Story that must not be lost",
        files=[
            (__import__("io").BytesIO(big_photo), "photo.jpg"),
            (__import__("io").BytesIO(jpeg_with_gps()), "b.jpg"),
        ],
    )
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "could not be saved" in page
    assert "Story that must not be lost" in page
    assert calls["n"] >= 2
    for model in (Report, Case, Attachment, AttachmentChunk):
        assert db.scalar(select(func.count()).select_from(model)) == 0, model.__name__


def test_honeypot_gets_a_receipt_that_stores_nothing(
    client: FlaskClient, network: Network, db: Session
) -> None:
    response = submit(client, website="http://spam.example")
    assert receipt_of(response)
    assert db.scalar(select(func.count()).select_from(Report)) == 0


def test_single_country_instance_skips_the_country_step(app: Flask, db: Session) -> None:
    from reporter.orgs.service import create_organisation

    create_organisation(db, name="Only", slug="only", kind="national", countries=["UY"])
    db.commit()
    client = app.test_client()
    story = client.get("/en/report")
    assert "Question 1 of 9" in story.get_data(as_text=True)
    more = step(client, story, narrative="They took my syringes.")
    assert page_key(more) == "more"
    where = step(client, more, "goto:where")
    assert 'value="UY-MO">Montevideo<' in where.get_data(as_text=True)


def test_screen_readers_read_the_receipt_digit_by_digit(
    client: FlaskClient, network: object
) -> None:
    response = submit(client)
    receipt = receipt_of(response)
    page = response.get_data(as_text=True)
    spoken = ", ".join(" ".join(group) for group in receipt.split())
    assert f'<span class="visually-hidden">Receipt number: {spoken}</span>' in page
    assert '<span class="digits" aria-hidden="true">' in page
