"""Uploads lose their identifying metadata, are typed by content, and read back intact."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.attachments import storage
from reporter.attachments.sanitize import AttachmentRejected, sanitise
from reporter.reports.models import Attachment, AttachmentChunk, Report
from reporter.reports.service import open_report
from tests.conftest import Network, submit
from tests.media import jpeg_with_gps, mp3_with_tags, pdf_with_metadata, png_with_text


def _stored_files(db: Session, network: Network) -> list[tuple[dict[str, object], bytes]]:
    report = db.scalars(select(Report)).one()
    content = open_report(db, report, network.brazil, network.key(network.brazil))
    return [(dict(ref), b"".join(storage.read(db, ref))) for ref in content.attachments]


def test_exif_gps_is_removed_from_a_submitted_photo(
    client: FlaskClient, network: Network, db: Session
) -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test photo has GPS
    response = submit(client, files=[(io.BytesIO(original), "IMG_2025.jpg")])
    assert response.status_code == 200
    [(ref, data)] = _stored_files(db, network)
    assert ref["mime"] == "image/jpeg" and ref["name"] == "attachment-1.jpg"
    stored = Image.open(io.BytesIO(data))
    assert stored.size == (64, 48)
    exif = stored.getexif()
    assert not exif.get_ifd(0x8825)
    assert len(exif) == 0
    assert b"EXIFCANARY" not in data and b"CanaryPhone" not in data and b"2025:03:14" not in data


def test_png_text_pdf_info_and_audio_tags_are_removed(
    client: FlaskClient, network: Network, db: Session
) -> None:
    files = [
        (io.BytesIO(png_with_text()), "a.png"),
        (io.BytesIO(pdf_with_metadata()), "b.pdf"),
        (io.BytesIO(mp3_with_tags()), "c.mp3"),
    ]
    assert submit(client, files=files).status_code == 200
    stored = {ref["mime"]: data for ref, data in _stored_files(db, network)}
    assert set(stored) == {"image/png", "application/pdf", "audio/mpeg"}
    assert b"PNGCANARY" not in stored["image/png"]
    assert Image.open(io.BytesIO(stored["image/png"])).info.get("Author") is None
    pdf = PdfReader(io.BytesIO(stored["application/pdf"]))
    assert len(pdf.pages) == 1
    assert not pdf.metadata
    assert b"PDFCANARY" not in stored["application/pdf"]
    assert b"MP3CANARY" not in stored["audio/mpeg"]
    assert stored["audio/mpeg"].startswith(b"\xff\xfb")


def test_orientation_is_kept_when_exif_is_dropped() -> None:
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    clean = Image.open(io.BytesIO(sanitise(out.getvalue()).data))
    assert clean.size == (20, 40)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"MZ\x90\x00" + b"\x00" * 100, "type"),
        (b"<html><script>alert(1)</script></html>", "type"),
        (b"", "empty"),
        (b"\xff\xd8\xff\xe0" + b"garbage" * 10, "damaged"),
        (b"%PDF-1.4\n garbage", "damaged"),
    ],
)
def test_files_that_cannot_be_cleaned_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(AttachmentRejected) as rejected:
        sanitise(data)
    assert rejected.value.reason == reason


def test_chunks_cannot_be_reordered_truncated_or_altered(
    client: FlaskClient, network: Network, db: Session
) -> None:
    big = jpeg_with_gps(size=(1200, 900), noise=True)
    submit(client, files=[(io.BytesIO(big), "big.jpg")])
    report = db.scalars(select(Report)).one()
    [ref] = open_report(db, report, network.brazil, network.key(network.brazil)).attachments
    attachment = db.get(Attachment, __import__("uuid").UUID(ref["id"]))
    assert attachment is not None and attachment.chunk_count > 1
    last = db.scalars(
        select(AttachmentChunk)
        .where(AttachmentChunk.attachment_id == attachment.id)
        .order_by(AttachmentChunk.index.desc())
    ).first()
    assert last is not None
    db.delete(last)
    db.flush()
    with pytest.raises(crypto.DecryptionFailed):
        b"".join(storage.read(db, ref))


def test_uploads_never_touch_a_temp_file(
    client: FlaskClient, network: Network, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("an upload was written to a temporary file")

    for name in ("TemporaryFile", "NamedTemporaryFile", "SpooledTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, refuse)
    big = jpeg_with_gps(size=(1400, 1000), noise=True)
    assert len(big) > 600 * 1024  # werkzeug would spool this to disk by default
    response = submit(client, files=[(io.BytesIO(big), "big.jpg")])
    assert response.status_code == 200
    assert len(_stored_files(db, network)) == 1
