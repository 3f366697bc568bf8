"""The blind index the queue filters on.

Country and violation type are encrypted, so the queue filters on a blind index: keyed hashes
made with a key derived from the organisation's private key, which only logged-in staff hold.
Someone holding the server at rest cannot compute them; reports arriving while nobody is logged
in are indexed at the next staff login (reporter.queue.service.bring_up_to_date).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.orgs.keyring import Keyring
from reporter.reports.models import Case, IndexToken
from reporter.reports.service import ContentPurged, decrypt_content

INDEX_BATCH = 500


def index_token(key: bytes, field_name: str, value: str) -> bytes:
    return crypto.mac(key, f"{field_name}:{value}".encode())[:16]


def index_new_cases(session: Session, keyring: Keyring) -> int:
    """Add blind-index tokens for up to INDEX_BATCH cases not indexed yet."""
    organisation = keyring.organisation
    key = keyring.index_key
    cases = session.scalars(
        select(Case)
        .where(Case.organisation_id == organisation.id, Case.indexed.is_(False))
        .limit(INDEX_BATCH)
    ).all()
    for case in cases:
        try:
            content = decrypt_content(case, case.report, keyring.for_case(case))
        except ContentPurged:
            case.indexed = True
            continue
        values = {("country", content.country), *(("violation", v) for v in content.violations)}
        for field_name, value in values:
            session.add(
                IndexToken(
                    report_id=case.report_id,
                    organisation_id=organisation.id,
                    token=index_token(key, field_name, value),
                    received_on=case.received_on,
                )
            )
        case.indexed = True
    session.flush()
    return len(cases)
