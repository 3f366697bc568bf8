"""Keeping the anonymised statistics right as cases are coded, change status or are deleted.

The statistics table has no link to any report, so it is kept right by deltas: whenever a
case's coding, status or consent changes, the case's whole contribution (computed from its
decrypted acts) is taken out and, if the case still counts, put back.

The acts come from the coding of cases, which calls in here; this module reads them only
through `CountedAct` and never imports the coding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.orgs.keyring import Keyring
from reporter.reports.models import NOT_COUNTED_STATUSES, Case
from reporter.reports.service import ContentPurged, ReportContent, decrypt_content
from reporter.statistics.models import StatCount

NO_VALUE = ""


class CountedAct(Protocol):
    """What the statistics read of one coded act."""

    @property
    def violation_type(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def perpetrators(self) -> list[str]: ...
    @property
    def populations(self) -> list[str]: ...
    @property
    def violation_status(self) -> str: ...
    @property
    def year_month(self) -> str: ...


# The decrypted acts of a case, given its organisation's private key.
ActsOfCase = Callable[[Session, Case, bytes], Sequence[CountedAct]]


def _contribution(acts: Sequence[CountedAct]) -> Counter[tuple[str, ...]]:
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
    session: Session,
    case: Case,
    private_key: bytes,
    acts: Sequence[CountedAct],
    before: Sequence[CountedAct] | None = None,
) -> None:
    """Take the case's old contribution out and put its current one (`acts`) in, if it still
    counts. `before` is what the case was counted with, when its acts have just changed."""
    if case.stats_counted:
        _apply(session, case, _contribution(acts if before is None else before), -1)
    counts_now = should_count(case, _content(case, private_key))
    if counts_now:
        _apply(session, case, _contribution(acts), +1)
    case.stats_counted = counts_now
    case.stats_dirty = False
    session.flush()


RECONCILE_BATCH = 500


def reconcile_dirty_cases(
    session: Session, keyring: Keyring, acts_of: ActsOfCase, limit: int = RECONCILE_BATCH
) -> int:
    """At a staff login: bring the statistics up to date for cases changed without keys."""
    cases = session.scalars(
        select(Case)
        .where(Case.organisation_id == keyring.organisation.id, Case.stats_dirty.is_(True))
        .limit(limit)
    ).all()
    for case in cases:
        private_key = keyring.for_case(case)
        refresh_statistics(session, case, private_key, acts_of(session, case, private_key))
    return len(cases)


def remove_from_statistics(session: Session, case: Case, acts: Sequence[CountedAct]) -> None:
    """Before a case is deleted: its counts (from `acts`) leave the statistics."""
    if case.stats_counted:
        _apply(session, case, _contribution(acts), -1)
        case.stats_counted = False
        session.flush()
