"""Fuzzing every form with hypothesis: each public step of the report, the follow-up and its
reply, multipart uploads with hostile content (wrong, missing or lying content types, truncated
and corrupted files, path tricks, NUL bytes and invalid UTF-8 in names and fields, decompression
bombs and absurd image dimensions, malformed PDFs and audio), raw bodies no browser would send,
and every staff form, logged in. Never a server error (the test app raises it), never a stored
half report."""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.accounts.models import NETWORK_ADMIN, StaffMember
from reporter.db import engine_of
from reporter.reports.models import Report
from tests import media
from tests.conftest import Network, csrf_token, report_fields, submit
from tests.integrity import assert_whole
from tests.staff import form_token, login, make_member

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LANGUAGES = ["en", "es", "fr", "pt", "ar", "id", "ru", "sw", "uk", "zh"]
PUBLIC_FIELDS = [*sorted(report_fields()), "draft", "page", "action", "ongoing", "record"]
PAGES = ["story", "country", "ready", "violations", "details", "when", "where", "who", "whom"]
PAGES += ["protection", "sharing", "contact", "more", "check"]
ACTIONS = ["next", "back", "skip", "check", "send", "more", "change", "language"]

# Text no form expects: NUL and other control bytes, lone surrogates' neighbours, right-to-left
# marks, very long runs, markup and formula prefixes.
nasty_text = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=200),
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "\u202e\u200f",
            "<script>alert(1)</script>",
            '=HYPERLINK("http://x")',
            "../../etc/passwd",
            "x" * 20_000,
            "٣٤٥",
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
            "BR-SP\r\nSet-Cookie: a=b",
            "-1",
            "99999999999999999999",
            "2025-02-30",
        ]
    ),
)
field_values = st.one_of(nasty_text, st.lists(nasty_text, max_size=4))


def _absurd_png(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions and carries almost no data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


HOSTILE_FILES = {
    "jpeg": media.hostile_jpeg(),
    "png": media.hostile_png(),
    "pdf": media.hostile_pdf(1),
    "mp3": media.hostile_mp3(0.5),
    "bomb": media.png_bomb(6000, 6000, "L"),
    "absurd": _absurd_png(200_000, 200_000),
    "pdf_bomb": media.pdf_with_image_bomb(30_000, 30_000),
    "empty": b"",
    "nul": b"\x00" * 1000,
    "html": b"<html><script>alert(1)</script></html>",
    "zip": b"PK\x03\x04" + b"\x00" * 200,
}
CONTENT_TYPES = [
    "image/jpeg",
    "image/png",
    "application/pdf",
    "audio/mpeg",
    "text/html",
    "application/octet-stream",
    "",
    "image/svg+xml",
    "multipart/form-data",
    "image/jpeg; charset=\x00",
]
FILE_NAMES = [
    "photo.jpg",
    "../../../etc/passwd",
    "..\\..\\windows\\system32\\a.jpg",
    "/absolute/path.png",
    "a\x00b.jpg",
    "\u202egpj.exe",
    "x" * 1000 + ".pdf",
    "",
    "名前.mp3",
    "CON",
]


@st.composite
def hostile_uploads(draw: st.DrawFn) -> list[tuple[bytes, str, str]]:
    """Files as a hostile client would send them: real, truncated or corrupted content, any name
    and any declared content type."""
    uploads = []
    for _ in range(draw(st.integers(0, 3))):
        data = HOSTILE_FILES[draw(st.sampled_from(sorted(HOSTILE_FILES)))]
        change = draw(st.sampled_from(["whole", "truncated", "corrupted", "random"]))
        if change == "truncated" and data:
            data = data[: draw(st.integers(1, len(data)))]
        elif change == "corrupted" and len(data) > 32:
            spoiled = bytearray(data)
            for where, value in draw(
                st.lists(st.tuples(st.integers(16, len(data) - 1), st.integers(0, 255)), max_size=8)
            ):
                spoiled[where] = value
            data = bytes(spoiled)
        elif change == "random":
            data = draw(st.binary(max_size=2048))
        uploads.append(
            (data, draw(st.sampled_from(FILE_NAMES)), draw(st.sampled_from(CONTENT_TYPES)))
        )
    return uploads


def _no_half_report(app: Flask) -> None:
    assert_whole(engine_of(app).url.render_as_string(hide_password=False))


def _files(uploads: list[tuple[bytes, str, str]]) -> list[tuple[Any, str, str]]:
    import io

    return [(io.BytesIO(data), name, content_type) for data, name, content_type in uploads]


@FUZZ
@given(
    language=st.sampled_from(LANGUAGES),
    fields=st.dictionaries(st.sampled_from(PUBLIC_FIELDS), field_values, max_size=10),
    page=st.one_of(st.sampled_from(PAGES), nasty_text),
    action=st.one_of(st.sampled_from(ACTIONS), nasty_text),
    with_token=st.booleans(),
)
def test_every_report_step_answers_any_fields(
    app: Flask,
    client: FlaskClient,
    network: Network,
    language: str,
    fields: dict[str, Any],
    page: str,
    action: str,
    with_token: bool,
) -> None:
    data: dict[str, Any] = {**fields, "page": page, "action": action}
    if with_token:
        data["csrf_token"] = csrf_token(client, f"/{language}/followup")
    response = client.post(f"/{language}/report", data=data)
    assert response.status_code < 500
    _no_half_report(app)


@FUZZ
@given(
    answers=st.dictionaries(
        st.sampled_from(["narrative", "violation_other", "city", "contact", "region"]),
        nasty_text,
        max_size=3,
    ),
    uploads=hostile_uploads(),
)
def test_a_whole_report_with_hostile_files_is_stored_whole_or_refused(
    app: Flask,
    client: FlaskClient,
    network: Network,
    answers: dict[str, str],
    uploads: list[tuple[bytes, str, str]],
) -> None:
    response = submit(client, "es", files=_files(uploads), **answers)
    assert response.status_code < 500
    _no_half_report(app)


@pytest.fixture
def real_receipt(app: Flask, network: Network) -> str:
    from tests.conftest import receipt_of

    return receipt_of(submit(app.test_client()))


@FUZZ
@given(
    receipt=st.one_of(nasty_text, st.from_regex(r"[0-9 ]{16,22}", fullmatch=True), st.none()),
    text=nasty_text,
    uploads=hostile_uploads(),
    step=st.sampled_from(["/followup", "/followup/reply"]),
    language=st.sampled_from(LANGUAGES),
)
def test_the_follow_up_and_its_reply_answer_anything(
    app: Flask,
    client: FlaskClient,
    real_receipt: str,
    receipt: str | None,
    text: str,
    uploads: list[tuple[bytes, str, str]],
    step: str,
    language: str,
) -> None:
    data: dict[str, Any] = {
        "csrf_token": csrf_token(client, f"/{language}/followup"),
        # None: the real receipt, so that the thread opens and the reply is stored.
        "receipt": real_receipt if receipt is None else receipt,
        "text": text,
        "attachments": _files(uploads),
    }
    response = client.post(f"/{language}{step}", data=data, content_type="multipart/form-data")
    assert response.status_code < 500
    _no_half_report(app)


@FUZZ
@given(
    body=st.binary(max_size=4096),
    content_type=st.sampled_from(
        [
            "multipart/form-data; boundary=XX",
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=latin-1",
            "application/json",
            "text/plain",
            "",
        ]
    ),
    path=st.sampled_from(["/en/report", "/ar/followup", "/es/followup/reply", "/staff/login"]),
)
def test_raw_bodies_no_browser_sends_are_answered(
    app: Flask, client: FlaskClient, network: Network, body: bytes, content_type: str, path: str
) -> None:
    response = client.post(path, data=body, content_type=content_type or None)
    assert response.status_code < 500
    _no_half_report(app)


def test_a_receipt_from_a_real_report_still_opens_after_the_fuzzing(
    app: Flask, client: FlaskClient, network: Network
) -> None:
    """The fuzzed routes are the real ones: a plain report and its thread still work."""
    from tests.conftest import receipt_of

    receipt = receipt_of(submit(client))
    token = csrf_token(client, "/en/followup")
    thread = client.post("/en/followup", data={"csrf_token": token, "receipt": receipt})
    assert thread.status_code == 200 and 'name="text"' in thread.get_data(as_text=True)


# --- staff forms -----------------------------------------------------------------------------

STAFF_FIELDS = [
    "text",
    "status",
    "priority",
    "assignee",
    "violation_type",
    "year",
    "month",
    "day",
    "date_precision",
    "country",
    "region",
    "location_type",
    "perpetrators",
    "populations",
    "violation_status",
    "sought_protection",
    "reasons_not",
    "intervention_type",
    "date",
    "outcome",
    "note",
    "reference",
    "username",
    "role",
    "passphrase",
    "code",
    "language",
    "threshold",
    "name",
    "slug",
    "countries",
    "organisation",
    "days",
    "email",
]
# Ending one's session, or deleting the one case, would end the fuzzing, not test a form (both
# take nothing but the token).
LEFT_OUT = {"staff.logout", "cases.delete_case"}


def _staff_post_urls(app: Flask, report_id: uuid.UUID, member_id: uuid.UUID) -> list[str]:
    values = {"report_id": str(report_id), "member_id": str(member_id)}
    urls = []
    for rule in app.url_map.iter_rules():
        if (
            "POST" in (rule.methods or ())
            and rule.rule.startswith("/staff")
            and rule.endpoint not in LEFT_OUT
        ):
            urls.append(
                re.sub(
                    r"<(?:[a-z]+:)?([a-z_]+)>",
                    lambda match: values.get(match.group(1), "1"),
                    rule.rule,
                )
            )
    return sorted(urls)


@pytest.fixture
def staff_session(app: Flask, network: Network, db: Session) -> tuple[FlaskClient, list[str]]:
    make_member(app, network.network, network.key(network.network), "admin", NETWORK_ADMIN)
    make_member(app, network.brazil, network.key(network.brazil), "other", "moderator")
    submit(app.test_client())
    report_id = db.scalars(select(Report.id)).one()
    other = db.scalars(select(StaffMember.id).where(StaffMember.username == "other")).one()
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    return client, _staff_post_urls(app, report_id, other)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    pick=st.integers(min_value=0),
    fields=st.dictionaries(st.sampled_from(STAFF_FIELDS), field_values, max_size=8),
)
def test_every_staff_form_answers_any_fields(
    app: Flask,
    staff_session: tuple[FlaskClient, list[str]],
    pick: int,
    fields: dict[str, Any],
) -> None:
    client, urls = staff_session
    url = urls[pick % len(urls)]
    token = form_token(client, "/staff/")
    response = client.post(url, data={**fields, "csrf_token": token})
    assert response.status_code < 500, url
    _no_half_report(app)
