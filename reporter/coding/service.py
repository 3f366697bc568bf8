"""Coding a case into acts: the act, its check against the vocabularies, its encrypted storage.

Every change to a case's acts updates the anonymised statistics (reporter.statistics).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.coding.models import CaseAct
from reporter.crypto import contexts
from reporter.orgs.keyring import Keyring
from reporter.reports.models import Case
from reporter.reports.service import ReportContent, open_case_key
from reporter.statistics.cells import NO_VALUE
from reporter.statistics.service import refresh_statistics
from reporter.vocabulary import (
    DATE_PRECISIONS,
    LOCATION_TYPES,
    PERPETRATOR_KEYS,
    POPULATIONS,
    REASONS_NOT,
    SOUGHT_PROTECTION,
    VIOLATION_KEYS,
    VIOLATION_STATUSES,
    keys,
)


class InvalidAct(Exception):
    """An act with a key outside the vocabularies."""


@dataclass
class Act:
    violation_type: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    date_precision: str = "year"
    country: str = ""
    region: str = ""
    location_type: str = ""
    perpetrators: list[str] = field(default_factory=list)
    populations: list[str] = field(default_factory=list)
    violation_status: str = "unverified"
    sought_protection: str = ""
    reasons_not: list[str] = field(default_factory=list)

    def check(self) -> None:
        valid = (
            self.violation_type in VIOLATION_KEYS
            and self.date_precision in DATE_PRECISIONS
            and self.violation_status in keys(VIOLATION_STATUSES)
            and self.location_type in ("", *keys(LOCATION_TYPES))
            and self.sought_protection in ("", *keys(SOUGHT_PROTECTION))
            and set(self.perpetrators) <= set(PERPETRATOR_KEYS)
            and set(self.populations) <= set(keys(POPULATIONS))
            and set(self.reasons_not) <= set(keys(REASONS_NOT))
            and (not self.region or self.region.startswith(f"{self.country}-"))
        )
        if not valid:
            raise InvalidAct

    @property
    def year_month(self) -> str:
        if self.year is None:
            return NO_VALUE
        return f"{self.year:04d}-{self.month or 0:02d}"


@dataclass(frozen=True)
class StoredAct:
    id: int
    act: Act


def acts_from_report(content: ReportContent) -> list[Act]:
    """A starting point for coding: one act per violation the reporter chose."""
    return [
        Act(
            violation_type=violation,
            year=content.incident_year,
            month=content.incident_month,
            day=content.incident_day,
            date_precision=content.date_precision,
            country=content.country,
            region=content.region,
            location_type=content.location_type,
            perpetrators=list(content.perpetrators),
            populations=[p for p in content.populations if p != "prefer_not_to_say"],
            sought_protection=content.sought_protection,
            reasons_not=list(content.reasons_not),
        )
        for violation in content.violations
    ]


def _act_associated_data(case: Case) -> bytes:
    return contexts.act(case.report_id, case.organisation_id)


def list_acts(session: Session, case: Case, private_key: bytes) -> list[StoredAct]:
    return acts_under(session, case, open_case_key(case, private_key, "case"))


def acts_under(session: Session, case: Case, case_key: bytes) -> list[StoredAct]:
    """The case's acts, opened with its case key (for a caller that opened it already)."""
    rows = session.scalars(
        select(CaseAct)
        .where(CaseAct.report_id == case.report_id, CaseAct.organisation_id == case.organisation_id)
        .order_by(CaseAct.id)
    )
    return [
        StoredAct(
            row.id,
            Act(**json.loads(crypto.decrypt_text(case_key, row.data, _act_associated_data(case)))),
        )
        for row in rows
    ]


def coded_acts(session: Session, case: Case, private_key: bytes) -> list[Act]:
    """The case's acts as they are coded now, without their ids: what the statistics count."""
    return [stored.act for stored in list_acts(session, case, private_key)]


def save_act(
    session: Session, case: Case, keyring: Keyring, act: Act, act_id: int | None = None
) -> CaseAct:
    """Add or replace one act; the statistics follow."""
    act.check()
    private_key = keyring.for_case(case)
    case_key = open_case_key(case, private_key, "case")
    data = crypto.encrypt_text(
        case_key, json.dumps(asdict(act)).encode("utf-8"), _act_associated_data(case)
    )
    if act_id is None:
        row = CaseAct(report_id=case.report_id, organisation_id=case.organisation_id, data=data)
        session.add(row)
    else:
        found = _own_act(session, case, act_id)
        found.data = data
        row = found
    session.flush()
    refresh_statistics(session, case, keyring, coded_acts(session, case, private_key))
    return row


def delete_act(session: Session, case: Case, keyring: Keyring, act_id: int) -> None:
    session.delete(_own_act(session, case, act_id))
    session.flush()
    private_key = keyring.for_case(case)
    refresh_statistics(session, case, keyring, coded_acts(session, case, private_key))


def _own_act(session: Session, case: Case, act_id: int) -> CaseAct:
    row = session.get(CaseAct, act_id)
    if (
        row is None
        or row.report_id != case.report_id
        or row.organisation_id != case.organisation_id
    ):
        raise InvalidAct
    return row
