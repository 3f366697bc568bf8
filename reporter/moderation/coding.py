"""Case coding into acts, and the anonymised statistics table the coding feeds.

The statistics table has no link to any report, so it is kept right by deltas: whenever a
case's coding, status or consent changes, the case's whole contribution (computed from its
decrypted acts) is taken out and, if the case still counts, put back.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.moderation.models import CaseAct, StatCount
from reporter.orgs.keyring import Keyring
from reporter.reports.models import Case
from reporter.reports.service import ContentPurged, ReportContent, decrypt_content, open_case_key
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

NOT_COUNTED_STATUSES = frozenset({"spam", "withdrawn"})
NO_VALUE = ""


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
    return b"reporter/act/v1|" + case.report_id.bytes + case.organisation_id.bytes


def list_acts(session: Session, case: Case, private_key: bytes) -> list[StoredAct]:
    case_key = open_case_key(case, private_key, "case")
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


def _contribution(acts: list[Act]) -> Counter[tuple[str, ...]]:
    """(dimensions..., "combinations"|"acts") -> count for these acts."""
    counts: Counter[tuple[str, ...]] = Counter()
    for act in acts:
        if act.violation_status == "not_a_violation":
            continue
        perpetrators = act.perpetrators or ["unknown"]
        populations = act.populations or [NO_VALUE]
        first = True
        for perpetrator in perpetrators:
            for population in populations:
                cell = (
                    act.country,
                    act.region,
                    act.year_month,
                    act.violation_type,
                    perpetrator,
                    population,
                )
                counts[(*cell, "combinations")] += 1
                if first:
                    counts[(*cell, "acts")] += 1
                    first = False
    return counts


def _apply(session: Session, case: Case, counts: Counter[tuple[str, ...]], sign: int) -> None:
    cells: dict[tuple[str, ...], dict[str, int]] = {}
    for (*dimensions, column), amount in counts.items():
        cells.setdefault(tuple(dimensions), {"combinations": 0, "acts": 0})[column] += amount
    for cell, amounts in cells.items():
        key = {
            "organisation_id": case.organisation_id,
            "country": cell[0],
            "region": cell[1],
            "year_month": cell[2],
            "violation_type": cell[3],
            "perpetrator_type": cell[4],
            "population": cell[5],
        }
        row = session.get(StatCount, tuple(key.values()), with_for_update=True)
        if row is None:
            row = StatCount(**key, combinations=0, acts=0)
            session.add(row)
        row.combinations += sign * amounts["combinations"]
        row.acts += sign * amounts["acts"]
        if row.combinations <= 0 and row.acts <= 0:
            session.delete(row)
    session.flush()


def should_count(case: Case, content: ReportContent | None) -> bool:
    """The reporter agreed, and the case is neither spam nor withdrawn."""
    consent = content.count_in_statistics if content is not None else case.stats_counted
    return consent and case.status not in NOT_COUNTED_STATUSES and not case.report.withdrawn


def _content(case: Case, private_key: bytes) -> ReportContent | None:
    try:
        return decrypt_content(case, case.report, private_key)
    except ContentPurged:
        # The raw content is gone; the consent given then is what stats_counted recorded.
        return None


def refresh_statistics(
    session: Session, case: Case, private_key: bytes, before: list[Act] | None = None
) -> None:
    """Take the case's old contribution out and put its current one in, if it still counts."""
    current = [stored.act for stored in list_acts(session, case, private_key)]
    if case.stats_counted:
        _apply(session, case, _contribution(current if before is None else before), -1)
    counts_now = should_count(case, _content(case, private_key))
    if counts_now:
        _apply(session, case, _contribution(current), +1)
    case.stats_counted = counts_now
    case.stats_dirty = False
    session.flush()


def save_act(
    session: Session, case: Case, private_key: bytes, act: Act, act_id: int | None = None
) -> CaseAct:
    """Add or replace one act; the statistics follow."""
    act.check()
    before = [stored.act for stored in list_acts(session, case, private_key)]
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
    refresh_statistics(session, case, private_key, before)
    return row


def delete_act(session: Session, case: Case, private_key: bytes, act_id: int) -> None:
    before = [stored.act for stored in list_acts(session, case, private_key)]
    session.delete(_own_act(session, case, act_id))
    session.flush()
    refresh_statistics(session, case, private_key, before)


def _own_act(session: Session, case: Case, act_id: int) -> CaseAct:
    row = session.get(CaseAct, act_id)
    if (
        row is None
        or row.report_id != case.report_id
        or row.organisation_id != case.organisation_id
    ):
        raise InvalidAct
    return row


def reconcile_dirty_cases(session: Session, keyring: Keyring, limit: int = 500) -> int:
    """On a staff visit: bring the statistics up to date for cases changed without keys."""
    cases = session.scalars(
        select(Case)
        .where(Case.organisation_id == keyring.organisation.id, Case.stats_dirty.is_(True))
        .limit(limit)
    ).all()
    for case in cases:
        refresh_statistics(session, case, keyring.for_case(case))
    return len(cases)


def remove_from_statistics(session: Session, case: Case, private_key: bytes) -> None:
    """Before a case is deleted: its counts leave the statistics."""
    if case.stats_counted:
        _apply(
            session,
            case,
            _contribution([stored.act for stored in list_acts(session, case, private_key)]),
            -1,
        )
        case.stats_counted = False
        session.flush()
