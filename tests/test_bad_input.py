"""Bad input gets a clear, translated answer, never a 500, never a stored half-report."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reporter.reports.models import Attachment, Report
from tests.conftest import csrf_token, report_fields, submit
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
    assert 400 <= response.status_code < 500
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
    response = submit(client, country="AR")
    assert response.status_code == 400
    assert submit(client, country="<script>").status_code == 400
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
    assert submit(client).status_code == 200
    assert submit(client).status_code == 200
    limited = submit(client, "es")
    assert limited.status_code == 429
    assert '<html lang="es"' in limited.get_data(as_text=True)
    # Moving between steps is not counted as a submission.
    token = csrf_token(client, "/en/followup")
    step = client.post("/en/report", data={"csrf_token": token, "step": "country", "country": "BR"})
    assert step.status_code == 200
