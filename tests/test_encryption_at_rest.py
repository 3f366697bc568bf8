"""Nothing a reporter wrote or chose is readable by someone holding the database and instance folder."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.followup.service import add_staff_message
from reporter.reports.models import Report
from tests.conftest import Network, receipt_of, submit
from tests.dump import everything_stored
from tests.media import jpeg_with_gps, pdf_with_metadata

CANARIES = {
    "narrative": "NARRATIVECANARY the officer badge 4471",
    "violation_other": "OTHERCANARY burned papers",
    "city": "CITYCANARY",
    "contact": "CONTACTCANARY +55 11 99999",
}
# Vocabulary keys chosen only in this test: they must not appear in the clear either.
CHOSEN_KEYS = [
    "coerced_informant",
    "forced_labour",
    "private_security",
    "compulsory_treatment_centre",
    "living_with_hiv",
    "peer_worker_documenting",
    "BR-AM",
]


def test_every_field_and_attachment_is_encrypted(
    app: Flask, client: FlaskClient, network: Network, db: Session
) -> None:
    response = submit(
        client,
        violations=["coerced_informant", "forced_labour"],
        perpetrators=["private_security"],
        location_type="compulsory_treatment_centre",
        populations=["living_with_hiv"],
        relation="peer_worker_documenting",
        region="BR-AM",
        files=[
            (io.BytesIO(jpeg_with_gps(description="ATTACHCANARY")), "IMG_20250314_CANARYNAME.jpg"),
            (io.BytesIO(pdf_with_metadata("PDFAUTHORCANARY")), "statement.pdf"),
        ],
        **CANARIES,
    )
    receipt = receipt_of(response)
    report = db.scalars(select(Report)).one()
    add_staff_message(
        db, report, network.brazil, network.key(network.brazil), "STAFFCANARY are you safe?"
    )
    db.commit()
    reply = client.post(
        "/en/followup/reply",
        data={"csrf_token": _token(client), "receipt": receipt, "text": "REPLYCANARY yes, safe"},
    )
    assert reply.status_code == 200

    stored = everything_stored(app)
    for canary in [
        *CANARIES.values(),
        "ATTACHCANARY",
        "CANARYNAME",
        "PDFAUTHORCANARY",
        "CanaryPhone",
        "STAFFCANARY",
        "REPLYCANARY",
        *CHOSEN_KEYS,
    ]:
        assert canary.encode() not in stored, canary
    assert receipt.replace(" ", "").encode() not in stored


def _token(client: FlaskClient) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/en/followup")
