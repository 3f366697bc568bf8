"""Writing each case's search text (staff hold the keys) and what a search reads of it.

The search text of a case is written when staff change what it says (a note, a message, its
coding) and, for cases that changed without them, at the next login, within a time budget
(`index_missing`). A case without one is read from the case itself while searching.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session, selectinload

from reporter import crypto
from reporter.cases.service import read_notes
from reporter.coding.service import acts_under
from reporter.crypto import contexts
from reporter.followup.service import decrypt_messages
from reporter.orgs.keyring import Keyring
from reporter.reports.models import Case, Report
from reporter.reports.service import ContentPurged, decrypt_content, open_case_key
from reporter.search.models import CaseSearchText
from reporter.search.text import compose, key_token

INDEX_BATCH = 200


class SearchKeys:
    """The search key of each key version a member holds, derived once per request."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self._keys: dict[int, bytes] = {}

    def __call__(self, version: int) -> bytes:
        key = self._keys.get(version)
        if key is None:
            key = self._keys[version] = crypto.search_key(self.keyring.for_version(version))
        return key


def _keys_of(
    violations: Iterable[str],
    perpetrators: Iterable[str],
    populations: Iterable[str],
    country: str,
    region: str,
    location_type: str,
) -> list[str]:
    """The key tokens of what a report chose or an act codes (empty values left out)."""
    tokens = [
        *(key_token("v", key) for key in violations),
        *(key_token("p", key) for key in perpetrators),
        *(key_token("pop", key) for key in populations),
        key_token("c", country),
        key_token("r", region),
        key_token("l", location_type),
    ]
    return [token for token in tokens if not token.endswith(":")]


def plain_text(session: Session, case: Case, keyring: Keyring) -> bytes:
    """What the case says, folded: the report (story, place, what the reporter chose), the
    messages both ways, the notes and the coding."""
    private_key = keyring.for_case(case)
    report = case.report
    free: list[str] = []
    keys: list[str] = []
    try:
        content = decrypt_content(case, report, private_key)
    except ContentPurged:
        content = None
    if content is not None:
        free += [content.narrative, content.violation_other, content.city]
        keys += _keys_of(
            content.violations,
            content.perpetrators,
            content.populations,
            content.country,
            content.region,
            content.location_type,
        )
    free += [m.text for m in decrypt_messages(report, open_case_key(case, private_key, "thread"))]
    case_key = open_case_key(case, private_key, "case")
    free += [note.text for note in read_notes(session, case, case_key)]
    for act in (stored.act for stored in acts_under(session, case, case_key)):
        keys += _keys_of(
            [act.violation_type],
            act.perpetrators,
            act.populations,
            act.country,
            act.region,
            act.location_type,
        )
    return compose(free, keys)


def refresh(session: Session, case: Case, keyring: Keyring) -> None:
    """Write the case's search text again after staff changed what it says."""
    _store(session, case, keyring, SearchKeys(keyring))
    session.flush()


def _store(session: Session, case: Case, keyring: Keyring, keys: SearchKeys) -> None:
    # Under the key of the case's own version: a rotation moves the two together.
    sealed = crypto.encrypt_record(
        keys(case.key_version),
        plain_text(session, case, keyring),
        contexts.search_text(case.report_id, case.organisation_id),
    )
    row = session.get(CaseSearchText, (case.report_id, case.organisation_id))
    if row is None:
        session.add(
            CaseSearchText(
                report_id=case.report_id, organisation_id=case.organisation_id, body=sealed
            )
        )
    else:
        row.body = sealed


def missing(organisation_id: uuid.UUID) -> ColumnElement[bool]:
    """The condition of a case of the organisation that has no search text."""
    return ~exists().where(
        CaseSearchText.report_id == Case.report_id,
        CaseSearchText.organisation_id == organisation_id,
    )


def index_missing(session: Session, keyring: Keyring, seconds: float) -> int:
    """Write the search text of cases that have none, newest first, for about `seconds`.
    Returns how many were written."""
    organisation_id = keyring.organisation.id
    keys = SearchKeys(keyring)
    deadline = time.monotonic() + seconds
    written = 0
    while time.monotonic() < deadline:
        cases = session.scalars(
            select(Case)
            .where(Case.organisation_id == organisation_id, missing(organisation_id))
            .order_by(Case.received_on.desc(), Case.report_id)
            .options(selectinload(Case.report).selectinload(Report.messages))
            .limit(INDEX_BATCH)
        ).all()
        for case in cases:
            _store(session, case, keyring, keys)
            written += 1
            if time.monotonic() >= deadline:
                break
        session.flush()
        if len(cases) < INDEX_BATCH:
            break
    return written
