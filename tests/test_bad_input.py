"""Bad input gets a clear, translated answer, never a 500, never a stored half-report."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reporter.reports.models import Attachment, Report
from tests.conftest import Network, csrf_token, report_fields, submit
from tests.media import jpeg_with_gps


def _no_report(db: Session) -> None:
    assert db.scalar(select(func.count()).select_from(Report)) == 0
    assert db.scalar(select(func.count()).select_from(Attachment)) == 0


def test_oversized_upload_gets_a_translated_413(app_factory, network: object, db: Session) -> None:  # type: ignore[no-untyped-def]
    app: Flask = app_factory(max_attachment_mb=1, max_attachments=1)
    client = app.test_client()
    huge = b"\xff\xd8\xff\xe0" + b"\x00" * (4 * 1024 * 1024)
    response = submit(client, "es", files=[(io.BytesIO(huge), "huge.jpg")])
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert '<html lang="es"' in page
    assert "Archivos demasiado grandes" in page or "demasiado grande" in page.lower()
    _no_report(db)


def test_file_over_the_per_file_limit_is_a_form_error(
    app_factory, network: object, db: Session
) -> None:  # type: ignore[no-untyped-def]
    app: Flask = app_factory(max_attachment_mb=1, max_attachments=3)
    client = app.test_client()
    big = jpeg_with_gps(size=(1400, 1000), noise=True)
    assert len(big) > 1024 * 1024
    response = submit(client, files=[(io.BytesIO(big), "big.jpg")], narrative="keep me")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "File 1: This file is too large." in page
    assert "keep me" in page
    _no_report(db)


def test_too_many_files_is_a_form_error(app_factory, network: object, db: Session) -> None:  # type: ignore[no-untyped-def]
    app: Flask = app_factory(max_attachments=2)
    client = app.test_client()
    files = [(io.BytesIO(jpeg_with_gps()), f"{n}.jpg") for n in range(3)]
    page = submit(client, files=files).get_data(as_text=True)
    assert "You can send at most 2 files." in page
    _no_report(db)


def test_wrong_file_type_is_a_form_error(client: FlaskClient, network: object, db: Session) -> None:
    response = submit(
        client,
        files=[(io.BytesIO(b"MZ\x90\x00 not a photo" * 10), "photo.jpg")],
        narrative="my story",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This kind of file cannot be sent." in page
    assert "my story" in page
    _no_report(db)


def test_malformed_multipart_body_is_a_400(
    client: FlaskClient, network: object, db: Session
) -> None:
    body = b'--XYZ\r\nContent-Disposition: form-data; name="narrative"\r\n\r\nhalf a story'
    response = client.post(
        "/en/report", data=body, content_type="multipart/form-data; boundary=XYZ"
    )
    # A cut-off body: the "could not be read" page, never an expired-page answer or a 500.
    assert response.status_code == 400
    assert "What you sent could not be read" in response.get_data(as_text=True)
    _no_report(db)


def test_invalid_utf8_is_a_form_error(client: FlaskClient, network: object, db: Session) -> None:
    """The real form posts multipart; a field with bytes that are not UTF-8 must not slip through."""
    fields = {**report_fields(), "csrf_token": csrf_token(client, "/en/followup")}
    fields.pop("narrative")
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--B\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'.encode()
            )
    parts.append(
        b'--B\r\nContent-Disposition: form-data; name="narrative"\r\n\r\nbad \xff\xfe bytes\r\n--B--\r\n'
    )
    response = client.post(
        "/en/report", data=b"".join(parts), content_type="multipart/form-data; boundary=B"
    )
    assert response.status_code == 200
    assert "Some letters could not be read" in response.get_data(as_text=True)
    _no_report(db)


def test_control_characters_are_refused(client: FlaskClient, network: object, db: Session) -> None:
    page = submit(client, narrative="null\x00byte").get_data(as_text=True)
    assert "Some letters could not be read" in page
    _no_report(db)


def test_absurdly_long_fields_are_form_errors(
    client: FlaskClient, network: object, db: Session
) -> None:
    page = submit(client, city="x" * 5000).get_data(as_text=True)
    assert "Please keep it under 300 characters." in page
    page = submit(client, narrative="y" * 20001).get_data(as_text=True)
    assert "Please keep it under 20000 characters." in page
    _no_report(db)


def test_form_body_larger_than_the_memory_limit_is_a_413(
    client: FlaskClient, network: object, db: Session
) -> None:
    token = csrf_token(client, "/en/followup")
    response = client.post(
        "/en/report",
        data={**report_fields(), "csrf_token": token, "narrative": "z" * (3 * 1024 * 1024)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    _no_report(db)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("violations", ["not_a_violation_key"]),
        ("perpetrators", ["martians"]),
        ("location_type", "moon"),
        ("relation", "enemy"),
        ("populations", ["nobody"]),
        ("region", "AR-B"),
        ("incident_year", "1850"),
        ("incident_month", "13"),
        ("incident_day", "0"),
    ],
)
def test_unknown_vocabulary_keys_are_form_errors(
    client: FlaskClient, network: object, db: Session, field: str, value: object
) -> None:
    response = submit(client, **{field: value})
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    _no_report(db)


def test_impossible_and_future_dates_are_form_errors(
    client: FlaskClient, network: object, db: Session
) -> None:
    assert "This date does not exist." in submit(
        client, incident_month="2", incident_day="30"
    ).get_data(as_text=True)
    import datetime as dt

    year = str(dt.date.today().year)
    future = submit(client, incident_year=year, incident_month="12", incident_day="31").get_data(
        as_text=True
    )
    if dt.date.today() < dt.date(int(year), 12, 31):
        assert "This date is in the future." in future
    _no_report(db)


def test_country_that_no_organisation_covers_is_refused(
    client: FlaskClient, network: object, db: Session
) -> None:
    for country in ("AR", "<script>"):
        response = submit(client, country=country)
        page = response.get_data(as_text=True)
        # Back on the country question, told what to do, nothing stored.
        assert response.status_code == 200
        assert '<input type="hidden" name="page" value="country">' in page
        assert 'id="country-error"' in page and page.count("<script>") == 1  # only our own
    _no_report(db)


@pytest.mark.parametrize(
    ("url", "language"),
    [
        ("/xx/report", "pt"),
        ("/EN/report", "pt"),
        ("/en-us/followup", "pt"),
        ("/../etc/passwd", "pt"),
        ("/es/report/%00", "es"),
        ("/fr/%ff%fe", "fr"),
    ],
)
def test_forged_language_codes_and_paths_are_404(
    client: FlaskClient, url: str, language: str
) -> None:
    response = client.get(url, headers={"Accept-Language": "pt-BR"})
    assert response.status_code == 404
    assert f'<html lang="{language}"' in response.get_data(as_text=True)


def test_wrong_method_is_a_translated_405(client: FlaskClient) -> None:
    response = client.get("/fr/followup/reply")
    assert response.status_code == 405
    assert '<html lang="fr"' in response.get_data(as_text=True)


def test_missing_csrf_on_followup_is_a_clear_answer(client: FlaskClient, network: object) -> None:
    response = client.post("/en/followup", data={"receipt": "1234123412341234"})
    assert response.status_code == 400
    assert "open for a long time" in response.get_data(as_text=True)


def test_flood_of_submissions_is_limited_with_a_translated_429(
    app_factory, network: object
) -> None:  # type: ignore[no-untyped-def]
    app: Flask = app_factory(submit_rate_limit="2 per minute")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    assert submit(client).status_code == 200
    assert submit(client).status_code == 200
    limited = submit(client, "es", narrative="Lo que escribí sigue aquí.")
    assert limited.status_code == 429
    page = limited.get_data(as_text=True)
    assert '<html lang="es"' in page
    # The person gets their filled-in form back, never an empty page.
    assert 'name="narrative" value="Lo que escribí sigue aquí."' in page
    assert 'name="violations" value="extortion_bribe"' in page
    # Moving between questions is not counted as a submission.
    token = csrf_token(client, "/en/followup")
    step = client.post("/en/report", data={"csrf_token": token, "page": "country", "country": "BR"})
    assert step.status_code == 200


# --- Integer parameters of staff URLs are bounded: out of range is a 404, never a 500. ---

HUGE = "99999999999999999999999"


@pytest.fixture
def moderator_and_case(app: Flask, network: Network) -> tuple[FlaskClient, str]:
    from tests.staff import login, make_member

    make_member(app, network.brazil, network.key(network.brazil), "mod", "moderator")
    submit(app.test_client(), share_with_network=None)
    moderator = app.test_client()
    assert login(moderator, "mod").status_code == 302
    queue = moderator.get("/staff/queue").get_data(as_text=True)
    [case_id] = set(re.findall(r'href="/staff/cases/([0-9a-f-]+)"', queue))
    return moderator, f"/staff/cases/{case_id}"


@pytest.mark.parametrize(
    "page", [HUGE, str(2**31), str(2**63), "9" * 5000, "0", "-1", "abc", "1e9", "１", ""]
)
def test_absurd_queue_pages_are_404(moderator_and_case: tuple[FlaskClient, str], page: str) -> None:
    moderator, _ = moderator_and_case
    assert moderator.get(f"/staff/queue?page={page}").status_code == 404


def test_sensible_queue_pages_still_answer(moderator_and_case: tuple[FlaskClient, str]) -> None:
    moderator, _ = moderator_and_case
    assert moderator.get("/staff/queue").status_code == 200
    assert moderator.get("/staff/queue?page=1").status_code == 200
    assert moderator.get("/staff/queue?page=2").status_code == 200
    assert moderator.get(f"/staff/queue?page={2**31 - 1}").status_code == 200


@pytest.mark.parametrize("page", [HUGE, str(2**31), "0", "abc"])
def test_absurd_audit_pages_are_404(app: Flask, network: Network, page: str) -> None:
    from tests.staff import login, make_member

    make_member(app, network.network, network.key(network.network), "root", "network_admin")
    admin = app.test_client()
    assert login(admin, "root").status_code == 302
    assert admin.get("/staff/admin/audit?page=2").status_code == 200
    assert admin.get(f"/staff/admin/audit?page={2**31 - 1}").status_code == 200
    assert admin.get(f"/staff/admin/audit?page={page}").status_code == 404


@pytest.mark.parametrize("number", [HUGE, str(2**31), str(2**63), "9" * 5000, "0"])
def test_huge_ids_in_case_urls_are_404(
    moderator_and_case: tuple[FlaskClient, str], number: str
) -> None:
    moderator, case = moderator_and_case
    token = csrf_token(moderator, case)
    referral = {"csrf_token": token, "intervention_type": "legal_aid", "status": "planned"}
    assert moderator.post(f"{case}/referrals/{number}", data=referral).status_code == 404
    assert moderator.get(f"{case}/acts/{number}").status_code == 404
    assert moderator.post(f"{case}/acts/{number}", data={"csrf_token": token}).status_code == 404
    deleted = moderator.post(f"{case}/acts/{number}/delete", data={"csrf_token": token})
    assert deleted.status_code == 404
    assert moderator.get(f"{case}/files/{number}").status_code == 404
    assert moderator.get(f"{case}/files/{number}?inline=1").status_code == 404


def test_ids_in_range_that_do_not_exist_are_404(
    moderator_and_case: tuple[FlaskClient, str],
) -> None:
    moderator, case = moderator_and_case
    token = csrf_token(moderator, case)
    referral = {"csrf_token": token, "intervention_type": "legal_aid", "status": "planned"}
    top = 2**31 - 1
    assert moderator.post(f"{case}/referrals/{top}", data=referral).status_code == 404
    assert moderator.get(f"{case}/acts/{top}").status_code == 404
    assert moderator.get(f"{case}/files/{top}").status_code == 404


@pytest.mark.parametrize("days", [HUGE, str(2**31), "36501"])
def test_huge_numbers_in_staff_forms_are_form_errors(
    app: Flask, network: Network, db: Session, days: str
) -> None:
    from reporter.orgs.models import Organisation
    from tests.staff import form_token, login, make_member

    make_member(app, network.brazil, network.key(network.brazil), "boss", "org_admin")
    admin = app.test_client()
    assert login(admin, "boss").status_code == 302
    url = "/staff/admin/retention"
    response = admin.post(
        url,
        data={
            "csrf_token": form_token(admin, url),
            "purge_spam_after_days": days,
            "purge_closed_content_after_days": days,
        },
    )
    assert response.status_code == 400
    assert 'class="error' in response.get_data(as_text=True)
    organisation = db.get(Organisation, network.brazil.id)
    assert organisation is not None
    assert organisation.purge_spam_after_days == network.brazil.purge_spam_after_days


def test_a_nul_in_staff_text_is_a_form_error_on_every_database(
    app: Flask, moderator_and_case: tuple[FlaskClient, str]
) -> None:
    """PostgreSQL refuses a NUL in text outright: it must never reach a query (hypothesis found
    one through the link form)."""
    from tests.staff import form_token

    moderator, case_url = moderator_and_case
    token = form_token(moderator, case_url)
    linked = moderator.post(f"{case_url}/links", data={"csrf_token": token, "reference": "\x00"})
    assert linked.status_code == 400
    searched = moderator.post("/staff/queue", data={"csrf_token": token, "words": "police\x00"})
    assert searched.status_code == 400
    stranger = app.test_client()
    login = stranger.post(
        "/staff/login",
        data={
            "csrf_token": form_token(stranger, "/staff/login"),
            "username": "mod\x00",
            "passphrase": "anything at all",
            "code": "123456",
        },
    )
    assert login.status_code == 400
