"""What a seized server shows of sizes: sealed texts and stored files are padded to buckets."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.attachments import storage
from reporter.crypto.padding import pad_text, unpad_text
from reporter.reports.models import AttachmentChunk, Report
from reporter.reports.service import open_report
from tests.conftest import Network, submit


@given(st.integers(min_value=0, max_value=1 << 40))
def test_padme_buckets_are_never_smaller_and_at_most_12_percent_larger(length: int) -> None:
    padded = crypto.padme_length(length)
    assert padded >= length
    assert padded - length <= max(1, length * 0.12)


@given(st.binary(max_size=5000))
def test_padded_texts_come_back_exactly(text: bytes) -> None:
    assert unpad_text(pad_text(text)) == text
    assert len(pad_text(text)) >= 1024


def test_stories_of_different_lengths_are_sealed_to_the_same_size(
    client: FlaskClient, network: Network, db: Session
) -> None:
    for extra in (0, 7, 19):
        submit(client, narrative="They took my syringes." + " again" * extra)
    sizes = {len(report.content) for report in db.scalars(select(Report))}
    assert len(sizes) == 1


def test_a_stored_file_is_padded_beyond_its_cleaned_size(
    client: FlaskClient, network: Network, db: Session
) -> None:
    from tests.media import jpeg_with_gps

    photo = jpeg_with_gps(size=(320, 240), noise=True)
    assert submit(client, files=[(io.BytesIO(photo), "a.jpg")]).status_code == 200
    report = db.scalars(select(Report)).one()
    content = open_report(db, report, network.brazil, network.key(network.brazil))
    [ref] = content.attachments
    stored = db.scalar(select(func.sum(func.length(AttachmentChunk.data))))
    chunks = db.scalar(select(func.count()).select_from(AttachmentChunk)) or 0
    overhead = chunks * 16  # one Poly1305 tag per chunk
    assert stored is not None
    assert stored - overhead == crypto.padding.padded_length(ref["size"], 64 * 1024)
    assert stored - overhead != ref["size"]
    # Staff still download exactly the cleaned file.
    assert len(b"".join(storage.read(db, ref))) == ref["size"]
